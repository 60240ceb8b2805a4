/**
 * Hands one camera's frames to a slower consumer (detection) without ever queueing: a single latest-wins slot.
 * Frames are first thinned to the detection rate cap (by their capture time `ts`, so offline files decoded faster than
 * real time are thinned in video time); of the rest, a frame still waiting when a newer one arrives is dropped.
 */

export interface SchedulerStats {
  offered: number;
  delivered: number;
  /** Replaced in the slot by a newer frame before the consumer took it (consumer too slow). */
  dropped: number;
  /** Skipped by the detectFps cap. */
  skipped: number;
}

export interface FrameSchedulerOptions<F> {
  /** Detection rate cap in frames per second of capture time; none when undefined. */
  detectFps?: number;
  /**
   * What the scheduler holds of a frame it takes (past the rate cap), e.g. a copy of lent pixels
   * (keepFrame in ./ffmpeg-source.ts): frames the cap skips are never kept. Default: the frame itself.
   */
  keep?: (frame: F) => F;
}

export class FrameScheduler<F extends { ts: number }> {
  private slot: F | undefined;
  private waiter: ((frame: F | undefined) => void) | undefined;
  private closed = false;
  private intervalMs: number | undefined;
  /** Capture time from which the next frame is due under the rate cap. */
  private nextDue = Number.NEGATIVE_INFINITY;
  private lastAccepted = Number.NEGATIVE_INFINITY;
  private readonly counts: SchedulerStats = { offered: 0, delivered: 0, dropped: 0, skipped: 0 };
  private readonly keep: (frame: F) => F;

  constructor(options: FrameSchedulerOptions<F> = {}) {
    this.keep = options.keep ?? ((frame) => frame);
    this.setDetectFps(options.detectFps);
  }

  /** Changes the rate cap at run time (camera update); undefined removes it. The same cap again changes nothing. */
  setDetectFps(detectFps: number | undefined): void {
    if (detectFps !== undefined && !(detectFps > 0)) throw new Error(`FrameScheduler: bad detectFps ${detectFps}`);
    const intervalMs = detectFps === undefined ? undefined : 1000 / detectFps;
    if (intervalMs === this.intervalMs) return; // the grid goes on (this is called with every frame's camera config)
    this.intervalMs = intervalMs;
    this.nextDue = Number.NEGATIVE_INFINITY;
    this.lastAccepted = Number.NEGATIVE_INFINITY;
  }

  offer(frame: F): void {
    if (this.closed) return;
    this.counts.offered++;
    if (this.intervalMs !== undefined) {
      // A frame older than the last one taken means the clock went back (wall-clock step): take it, restart the grid.
      if (frame.ts < this.nextDue && frame.ts >= this.lastAccepted) {
        this.counts.skipped++;
        return;
      }
      // Due times follow a fixed grid, so arrival jitter does not lower the rate; after a gap or a clock step the
      // grid restarts at this frame.
      const due = this.nextDue + this.intervalMs;
      this.nextDue = due > frame.ts && due - frame.ts <= this.intervalMs ? due : frame.ts + this.intervalMs;
      this.lastAccepted = frame.ts;
    }
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = undefined;
      this.counts.delivered++;
      resolve(this.keep(frame));
      return;
    }
    if (this.slot) this.counts.dropped++;
    this.slot = this.keep(frame);
  }

  /** The newest frame not yet taken; waits for one. Resolves undefined once the scheduler is closed. */
  next(): Promise<F | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    if (this.waiter) return Promise.reject(new Error('FrameScheduler: next() is already pending (one consumer only)'));
    const frame = this.slot;
    if (frame) {
      this.slot = undefined;
      this.counts.delivered++;
      return Promise.resolve(frame);
    }
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /** Ends the stream: a pending next() resolves undefined, a frame still in the slot is let go. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.slot) this.counts.dropped++;
    this.slot = undefined;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.(undefined);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  stats(): SchedulerStats {
    return { ...this.counts };
  }
}
