import { describe, expect, it } from 'vitest';
import { FrameQueue, LagEstimator, quantile, type QueuedFrame } from './frame-clock.js';

describe('quantile', () => {
  it('interpolates between ranks', () => {
    expect(quantile([3, 1, 2], 0.5)).toBe(2);
    expect(quantile([0, 10], 0.9)).toBe(9);
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe('LagEstimator', () => {
  const opts = { window: 20, marginMs: 100, maxDelayMs: 1500, slewMsPerSecond: 200, minEvents: 3 };

  it('asks for the detection lag over the frame transport lag, whatever the clock offset', () => {
    for (const offset of [0, 123_456, -98_765]) {
      const l = new LagEstimator(opts);
      for (let i = 0; i < 10; i++) {
        l.frame(1000 + i * 100 + 40 + offset, 1000 + i * 100); // frames arrive 40 ms after capture
        l.event(1000 + i * 100 + 340 + offset, 1000 + i * 100); // events 340 ms after
      }
      expect(l.target()).toBeCloseTo(300 + 100, 6);
    }
  });

  it('does not delay before enough events were seen, then starts at the estimate', () => {
    const l = new LagEstimator(opts);
    l.frame(100, 0);
    l.event(400, 0);
    expect(l.delay(0)).toBe(0);
    l.event(400, 0);
    l.event(400, 0);
    expect(l.delay(10)).toBe(400);
  });

  it('follows a change of lag at a bounded rate and within bounds', () => {
    const l = new LagEstimator(opts);
    for (let i = 0; i < 20; i++) {
      l.frame(0, 0);
      l.event(200, 0);
    }
    expect(l.delay(0)).toBe(300);
    for (let i = 0; i < 20; i++) l.event(5000, 0); // detection falls far behind
    expect(l.target()).toBe(1500);
    expect(l.delay(1000)).toBe(500); // +200 ms in one second
    expect(l.delay(10_000)).toBe(1500);
  });
});

describe('FrameQueue', () => {
  const frame = (seq: number, arrivedAt: number): QueuedFrame<string> => ({ seq, arrivedAt, data: `f${seq}` });

  it('shows the newest due frame and drops the older ones it skips', () => {
    const dropped: number[] = [];
    const q = new FrameQueue<string>(10, (f) => dropped.push(f.seq));
    q.push(frame(1, 0));
    q.push(frame(2, 100));
    q.push(frame(3, 200));
    expect(q.take(250, 300)).toBeUndefined();
    expect(q.take(400, 300)?.seq).toBe(2);
    expect(dropped).toEqual([1]);
    expect(q.length).toBe(1);
    expect(q.take(500, 300)?.seq).toBe(3);
    expect(q.length).toBe(0);
  });

  it('never grows past its capacity', () => {
    const dropped: number[] = [];
    const q = new FrameQueue<string>(3, (f) => dropped.push(f.seq));
    for (let s = 1; s <= 10; s++) q.push(frame(s, s));
    expect(q.length).toBe(3);
    expect(dropped).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('refuses repeated or older frames, but follows a camera restart', () => {
    const dropped: number[] = [];
    const q = new FrameQueue<string>(5, (f) => dropped.push(f.seq));
    expect(q.push(frame(5000, 0))).toBe(true);
    expect(q.push(frame(5000, 1))).toBe(false);
    expect(q.push(frame(4990, 2))).toBe(false);
    expect(q.push(frame(2, 3))).toBe(true); // far behind: the camera counts from 0 again
    expect(q.take(10, 0)?.seq).toBe(2);
    expect(dropped).toEqual([5000, 4990, 5000]);
  });
});
