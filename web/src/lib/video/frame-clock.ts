/**
 * When to show which video frame. Track events for frame N reach the browser later than frame N itself (detection
 * and recognition take time), so showing each frame as soon as it arrives would draw its boxes late, or not at all.
 * Instead every frame is held for the measured detection lag: the boxes of the frames on screen are then known, and a
 * face and its box move together. The lag is estimated from arrival times against capture times (X-Frame-Ts and the
 * event's ts, both from the server's clock, so the clock offset cancels) and changes slowly, so playback never jumps.
 */

/** Value at quantile q (0..1) of the numbers. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

class Window {
  private readonly v: number[] = [];
  constructor(private readonly size: number) {}
  push(x: number): void {
    this.v.push(x);
    if (this.v.length > this.size) this.v.shift();
  }
  get values(): readonly number[] {
    return this.v;
  }
}

export interface LagOptions {
  /** Samples remembered for each estimate. */
  window: number;
  /** Added to the event lag: the next event after a frame, needed to interpolate, comes up to one update later. */
  marginMs: number;
  maxDelayMs: number;
  /** How fast the applied delay follows the estimate, in ms per second (a gentle change in playback speed). */
  slewMsPerSecond: number;
  /** Events needed before the estimate is trusted. */
  minEvents: number;
}

export const DEFAULT_LAG: LagOptions = { window: 60, marginMs: 120, maxDelayMs: 1500, slewMsPerSecond: 400, minEvents: 3 };

export class LagEstimator {
  private readonly frames: Window;
  private readonly events: Window;
  private applied = 0;
  private lastUpdate: number | null = null;

  constructor(private readonly o: LagOptions = DEFAULT_LAG) {
    this.frames = new Window(o.window);
    this.events = new Window(o.window);
  }

  /** A frame captured at `ts` (server clock) arrived at `arrivedAt` (this clock). */
  frame(arrivedAt: number, ts: number): void {
    this.frames.push(arrivedAt - ts);
  }

  event(arrivedAt: number, ts: number): void {
    this.events.push(arrivedAt - ts);
  }

  /** The delay the estimate asks for now. */
  target(): number {
    if (!this.trusted) return this.applied;
    const lag = quantile(this.events.values, 0.9) - quantile(this.frames.values, 0.5) + this.o.marginMs;
    return Math.min(this.o.maxDelayMs, Math.max(0, lag));
  }

  private get trusted(): boolean {
    return this.events.values.length >= this.o.minEvents && this.frames.values.length > 0;
  }

  /** The delay to apply at `now`: the first trusted estimate at once, then towards the target at a bounded rate. */
  delay(now: number): number {
    const target = this.target();
    if (this.lastUpdate === null) {
      if (this.trusted) {
        this.applied = target;
        this.lastUpdate = now;
      }
      return this.applied;
    }
    const step = (this.o.slewMsPerSecond * Math.max(0, now - this.lastUpdate)) / 1000;
    this.lastUpdate = now;
    this.applied += Math.max(-step, Math.min(step, target - this.applied));
    return this.applied;
  }
}

export interface QueuedFrame<T> {
  seq: number;
  arrivedAt: number;
  data: T;
}

/**
 * Frames waiting for their time. Bounded: a frame pushed over capacity drops the oldest (a stalled page never grows
 * a backlog); every frame that leaves unshown is reported to `onDrop` (to release it and count it).
 */
export class FrameQueue<T> {
  private readonly q: QueuedFrame<T>[] = [];
  private lastSeq = -1;

  constructor(
    private readonly capacity: number,
    private readonly onDrop: (f: QueuedFrame<T>) => void = () => undefined,
  ) {}

  get length(): number {
    return this.q.length;
  }

  /** Adds a frame; an older or repeated frame number is refused, unless far behind (the camera restarted). */
  push(f: QueuedFrame<T>, restartBelow = 1000): boolean {
    if (f.seq <= this.lastSeq && f.seq > this.lastSeq - restartBelow) {
      this.onDrop(f);
      return false;
    }
    if (f.seq <= this.lastSeq) this.clear();
    this.lastSeq = f.seq;
    this.q.push(f);
    while (this.q.length > this.capacity) this.onDrop(this.q.shift()!);
    return true;
  }

  /** The newest frame whose time has come (arrivedAt + delay ≤ now), removed with the older ones it replaces. */
  take(now: number, delayMs: number): QueuedFrame<T> | undefined {
    let pick = -1;
    for (let i = 0; i < this.q.length && this.q[i].arrivedAt + delayMs <= now; i++) pick = i;
    if (pick < 0) return undefined;
    const [due, ...skipped] = this.q.splice(0, pick + 1).reverse();
    for (const s of skipped) this.onDrop(s);
    return due;
  }

  clear(): void {
    for (const f of this.q.splice(0)) this.onDrop(f);
    this.lastSeq = -1;
  }
}
