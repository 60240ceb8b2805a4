import { describe, expect, it } from 'vitest';
import { parseProbeOutput } from './stream-probe.js';

const probe = (stream: Record<string, unknown>) => JSON.stringify({ programs: [], streams: [stream] });

describe('parseProbeOutput', () => {
  it('reads size and the average frame rate', () => {
    expect(parseProbeOutput(probe({ width: 640, height: 360, r_frame_rate: '2997/100', avg_frame_rate: '30000/1001' }))).toEqual({
      width: 640,
      height: 360,
      fps: 30000 / 1001,
    });
  });

  it('falls back to r_frame_rate and ignores implausible rates', () => {
    expect(parseProbeOutput(probe({ width: 8, height: 8, avg_frame_rate: '0/0', r_frame_rate: '25/1' })).fps).toBe(25);
    expect(parseProbeOutput(probe({ width: 8, height: 8, avg_frame_rate: '0/0', r_frame_rate: '90000/1' })).fps).toBeUndefined();
  });

  it('swaps the sides of a quarter-turn rotated stream (ffmpeg autorotates)', () => {
    const rotated = (rotation: number) =>
      parseProbeOutput(probe({ width: 640, height: 360, side_data_list: [{ rotation }] }));
    expect(rotated(90)).toMatchObject({ width: 360, height: 640 });
    expect(rotated(-90)).toMatchObject({ width: 360, height: 640 });
    expect(rotated(180)).toMatchObject({ width: 640, height: 360 });
  });

  it('refuses output without a sized video stream', () => {
    expect(() => parseProbeOutput(JSON.stringify({ streams: [] }))).toThrow(/no video stream/);
    expect(() => parseProbeOutput('not json')).toThrow(/no readable JSON/);
  });
});
