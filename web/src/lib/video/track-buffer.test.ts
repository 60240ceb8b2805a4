import { describe, expect, it } from 'vitest';
import { TrackBuffer, type BoxEvent, type Box } from './track-buffer.js';

const ev = (trackId: string, frame: number, box: Box, over: Partial<BoxEvent> = {}): BoxEvent => ({
  trackId,
  kind: 'UPDATED',
  frame,
  box,
  label: 'Unknown 1',
  identified: false,
  ...over,
});

describe('TrackBuffer', () => {
  it('draws a box exactly on the frame it was detected on', () => {
    const b = new TrackBuffer({ maxGapFrames: 10, keepFrames: 100 });
    b.add(ev('t1', 30, [10, 10, 50, 50]));
    expect(b.boxesAt(30)).toEqual([{ trackId: 't1', box: [10, 10, 50, 50], label: 'Unknown 1', identified: false, exact: true }]);
  });

  it('does not draw a box on frames before the track started', () => {
    const b = new TrackBuffer();
    b.add(ev('t1', 30, [10, 10, 50, 50], { kind: 'STARTED' }));
    expect(b.boxesAt(29)).toEqual([]);
  });

  it('interpolates between the events around a frame', () => {
    const b = new TrackBuffer({ maxGapFrames: 10, keepFrames: 100 });
    b.add(ev('t1', 30, [0, 0, 40, 40]));
    b.add(ev('t1', 34, [20, 40, 60, 80]));
    const [d] = b.boxesAt(31);
    expect(d.box).toEqual([5, 10, 45, 50]);
    expect(d.exact).toBe(false);
  });

  it('accepts events out of order', () => {
    const b = new TrackBuffer({ maxGapFrames: 10, keepFrames: 100 });
    b.add(ev('t1', 34, [20, 40, 60, 80]));
    b.add(ev('t1', 30, [0, 0, 40, 40]));
    expect(b.boxesAt(32)[0].box).toEqual([10, 20, 50, 60]);
  });

  it('holds the last box through a short gap and drops it after', () => {
    const b = new TrackBuffer({ maxGapFrames: 5, keepFrames: 100 });
    b.add(ev('t1', 30, [0, 0, 40, 40]));
    expect(b.boxesAt(35)).toHaveLength(1);
    expect(b.boxesAt(36)).toEqual([]);
    // a later event far away is not interpolated towards either
    b.add(ev('t1', 60, [100, 100, 140, 140]));
    expect(b.boxesAt(40)).toEqual([]);
    expect(b.boxesAt(60)[0].exact).toBe(true);
  });

  it('stops drawing a track after its end', () => {
    const b = new TrackBuffer({ maxGapFrames: 10, keepFrames: 100 });
    b.add(ev('t1', 30, [0, 0, 40, 40]));
    b.add(ev('t1', 33, [0, 0, 40, 40], { kind: 'ENDED' }));
    expect(b.boxesAt(33)).toHaveLength(1);
    expect(b.boxesAt(34)).toEqual([]);
  });

  it('labels a frame with the decision known at that frame', () => {
    const b = new TrackBuffer({ maxGapFrames: 10, keepFrames: 100 });
    b.add(ev('t1', 30, [0, 0, 40, 40]));
    b.add(ev('t1', 33, [0, 0, 40, 40], { kind: 'IDENTIFIED', label: 'Ada', identified: true }));
    expect(b.boxesAt(31)[0]).toMatchObject({ label: 'Unknown 1', identified: false });
    expect(b.boxesAt(33)[0]).toMatchObject({ label: 'Ada', identified: true });
  });

  it('keeps several tracks apart', () => {
    const b = new TrackBuffer({ maxGapFrames: 10, keepFrames: 100 });
    b.add(ev('t1', 30, [0, 0, 10, 10]));
    b.add(ev('t2', 30, [50, 50, 60, 60], { label: 'Bo', identified: true }));
    expect(b.boxesAt(30).map((d) => d.trackId).sort()).toEqual(['t1', 't2']);
  });

  it('forgets old events so memory stays bounded', () => {
    const b = new TrackBuffer({ maxGapFrames: 5, keepFrames: 50 });
    for (let f = 0; f < 10_000; f += 3) b.add(ev(`t${Math.floor(f / 300)}`, f, [0, 0, 10, 10]));
    expect(b.size).toBeLessThanOrEqual(2);
    expect(b.boxesAt(9999 - 3)).toHaveLength(1);
  });

  it('starts over when the camera restarts its frame numbers', () => {
    const b = new TrackBuffer({ maxGapFrames: 5, keepFrames: 50 });
    b.add(ev('old', 5000, [0, 0, 10, 10]));
    b.add(ev('new', 3, [0, 0, 10, 10]));
    expect(b.latestFrame).toBe(3);
    expect(b.boxesAt(3).map((d) => d.trackId)).toEqual(['new']);
  });
});
