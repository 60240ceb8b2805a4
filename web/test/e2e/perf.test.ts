import { describe, expect, it } from 'vitest';
import { summarize, type PerfSample } from './perf.js';

const MB = 1024 * 1024;

/** One sample per second: 10 frames and 30 draws a second, heap and backlog from the given functions. */
function run(n: number, heapMB: (i: number) => number, backlog: (i: number) => number): PerfSample[] {
  return Array.from({ length: n }, (_, i) => ({
    t: i * 1000,
    heapBytes: heapMB(i) * MB,
    browserKiB: 500 * 1024,
    domNodes: 1000,
    overlayDraws: 30 * i,
    overlayDrawMs: 3 * i,
    framesShown: 10 * i,
    framesReceived: 11 * i,
    framesDropped: i,
    decodeErrors: 0,
    raf: 60 * i,
    backlog: backlog(i),
    streaming: 3,
  }));
}

describe('summarize', () => {
  it('gives rates per second and per tile', () => {
    const s = summarize(run(11, () => 8, () => 5), 3);
    expect(s).toMatchObject({ seconds: 10, overlayFps: 30, overlayFpsPerTile: 10, overlayDrawMs: 0.1, videoFps: 10, receivedFps: 11, rafFps: 60, droppedFraction: 0.091 });
  });

  it('sees steady growth through single outliers, and none in a flat but noisy heap', () => {
    const growing = summarize(run(12, (i) => 8 + i + (i === 11 ? -10 : 0), () => 5), 9);
    expect(growing.heapGrowthMB).toBe(7); // medians 9.5 → 16.5: the dip at the end does not hide it
    const noisy = summarize(run(12, (i) => (i % 2 === 0 ? 12 : 8), () => 5), 9);
    expect(noisy.heapGrowthMB).toBe(0);
  });

  it('compares the backlog of the first and last thirds', () => {
    const s = summarize(run(9, () => 8, (i) => i), 9);
    expect(s).toMatchObject({ backlogFirstThird: 1, backlogLastThird: 7, backlogMax: 8 });
  });
});
