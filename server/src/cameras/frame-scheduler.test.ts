import { describe, expect, it } from 'vitest';
import { FrameScheduler } from './frame-scheduler.js';

interface F {
  seq: number;
  ts: number;
}

/** Frames at `fps` from t=0, with optional arrival jitter in ms (deterministic). */
function frames(fps: number, count: number, jitter = (_i: number) => 0): F[] {
  return Array.from({ length: count }, (_, i) => ({ seq: i, ts: (i * 1000) / fps + jitter(i) }));
}

/** Offers every frame, taking one whenever the consumer is free (the consumer needs `busyMs` per frame). */
async function drive(scheduler: FrameScheduler<F>, input: F[], busyMs: number): Promise<F[]> {
  const taken: F[] = [];
  let freeAt = Number.NEGATIVE_INFINITY;
  for (const frame of input) {
    scheduler.offer(frame);
    if (frame.ts >= freeAt) {
      const got = await scheduler.next();
      taken.push(got!);
      freeAt = frame.ts + busyMs;
    }
  }
  return taken;
}

describe('FrameScheduler', () => {
  it('keeps only the newest frame when the consumer is slower than the stream', async () => {
    const scheduler = new FrameScheduler<F>();
    for (const f of frames(30, 5)) scheduler.offer(f);
    expect((await scheduler.next())?.seq).toBe(4);
    expect(scheduler.stats()).toEqual({ offered: 5, delivered: 1, dropped: 4, skipped: 0 });
  });

  it('resolves a waiting consumer with the next frame offered', async () => {
    const scheduler = new FrameScheduler<F>();
    const pending = scheduler.next();
    scheduler.offer({ seq: 7, ts: 0 });
    scheduler.offer({ seq: 8, ts: 33 });
    expect((await pending)?.seq).toBe(7);
    expect((await scheduler.next())?.seq).toBe(8);
    expect(scheduler.stats().dropped).toBe(0);
  });

  it('keeps (copies) only the frames it takes past the rate cap, for a waiting consumer and for the slot alike', async () => {
    const kept: number[] = [];
    const scheduler = new FrameScheduler<F>({ detectFps: 10, keep: (f) => (kept.push(f.seq), { ...f, seq: f.seq + 1000 }) });
    const pending = scheduler.next();
    for (const f of frames(30, 7)) scheduler.offer(f); // 10 fps of 30: frames 0, 3, 6 pass the cap
    expect((await pending)?.seq).toBe(1000);
    expect((await scheduler.next())?.seq).toBe(1006);
    expect(kept).toEqual([0, 3, 6]);
    expect(scheduler.stats()).toEqual({ offered: 7, delivered: 2, dropped: 1, skipped: 4 });
  });

  it('caps the rate on the capture clock, on a fixed grid that arrival jitter does not slow down', () => {
    const scheduler = new FrameScheduler<F>({ detectFps: 10 });
    // 30 fps for 10 s with ±2 ms jitter: exactly 10 fps pass, the rest is counted as skipped.
    const input = frames(30, 300, (i) => ((i * 7919) % 5) - 2);
    for (const f of input) scheduler.offer(f);
    const { offered, skipped, dropped } = scheduler.stats();
    expect(offered).toBe(300);
    expect(offered - skipped).toBeGreaterThanOrEqual(99);
    expect(offered - skipped).toBeLessThanOrEqual(101);
    expect(dropped).toBe(offered - skipped - 1);
  });

  it('restarts the grid after a gap and after the clock steps back', () => {
    const scheduler = new FrameScheduler<F>({ detectFps: 2 });
    const passed: number[] = [];
    for (const ts of [0, 100, 500, 600, 5000, 5100, 5499, 5500, 1000, 1100, 1600]) {
      const before = scheduler.stats().skipped;
      scheduler.offer({ seq: ts, ts });
      if (scheduler.stats().skipped === before) passed.push(ts);
    }
    expect(passed).toEqual([0, 500, 5000, 5500, 1000, 1600]);
  });

  it('feeds a slow consumer the newest frames at the capped rate and counts skipped and dropped apart', async () => {
    const scheduler = new FrameScheduler<F>({ detectFps: 10 });
    // 30 fps for 3 s; detection takes 250 ms: ~4 per second are taken, the other capped frames are dropped.
    const taken = await drive(scheduler, frames(30, 90), 250);
    const stats = scheduler.stats();
    expect(taken.length).toBe(stats.delivered);
    expect(stats.delivered).toBeGreaterThanOrEqual(10);
    expect(stats.delivered).toBeLessThanOrEqual(13);
    expect(stats.skipped).toBe(60);
    expect(stats.delivered + stats.dropped + stats.skipped).toBeGreaterThanOrEqual(89);
    // Always the newest: sequence numbers strictly increase.
    expect(taken.every((f, i) => i === 0 || f.seq > taken[i - 1]!.seq)).toBe(true);
  });

  it('changes the cap at run time', () => {
    const scheduler = new FrameScheduler<F>({ detectFps: 1 });
    for (const f of frames(10, 10)) scheduler.offer(f);
    expect(scheduler.stats().skipped).toBe(9);
    scheduler.setDetectFps(undefined);
    for (const f of frames(10, 10)) scheduler.offer({ ...f, ts: f.ts + 1000 });
    expect(scheduler.stats().skipped).toBe(9);
    expect(() => scheduler.setDetectFps(0)).toThrow(/bad detectFps/);
  });

  it('keeps its rate when told the same cap with every frame (as the live loop does)', () => {
    const scheduler = new FrameScheduler<F>({ detectFps: 10 });
    for (const f of frames(30, 30)) {
      scheduler.setDetectFps(10);
      scheduler.offer(f);
    }
    expect(scheduler.stats().skipped).toBe(20);
  });

  it('ends a pending next() on close, returns undefined after, and ignores later frames', async () => {
    const scheduler = new FrameScheduler<F>();
    const pending = scheduler.next();
    await expect(scheduler.next()).rejects.toThrow(/already pending/);
    scheduler.close();
    expect(await pending).toBeUndefined();
    scheduler.offer({ seq: 1, ts: 0 });
    expect(await scheduler.next()).toBeUndefined();
    expect(scheduler.stats().offered).toBe(0);
    expect(scheduler.isClosed).toBe(true);
  });

  it('lets a frame still in the slot go on close', async () => {
    const scheduler = new FrameScheduler<F>();
    scheduler.offer({ seq: 1, ts: 0 });
    scheduler.close();
    expect(await scheduler.next()).toBeUndefined();
    expect(scheduler.stats().dropped).toBe(1);
  });
});
