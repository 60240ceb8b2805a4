/**
 * Per-token rate limits: one token bucket per (token id, action). A bucket holds up to `burst` units and refills at
 * `perMinute`; an operation takes `cost` units (one search, one enrollment image) or is refused with the time after
 * which it would fit. Actions without a configured limit are not limited.
 *
 * Memory stays bounded: a bucket that has refilled completely is indistinguishable from a missing one, so idle
 * buckets are swept away; beyond `maxBuckets` live buckets, the least recently used one is dropped (its key starts
 * afresh: this only happens with more active tokens than the bound, and keys are authenticated token ids).
 */

export interface BucketConfig {
  /** Sustained rate, in units per minute. */
  perMinute: number;
  /** Bucket size: the most units usable at once after a pause. */
  burst: number;
}

export type RateLimitConfig = Readonly<Record<string, BucketConfig>>;

/** searchFaces: 30 a minute, 10 at once; enrollment: 60 images a minute, one full request (20 images) at once. */
export const DEFAULT_RATE_LIMITS: RateLimitConfig = {
  search: { perMinute: 30, burst: 10 },
  enroll: { perMinute: 60, burst: 20 },
};

export interface RateKey {
  tokenId: string;
  action: string;
}

/** `retryAfterMs` is Infinity when the cost exceeds the burst (the request can never fit: make it smaller). */
export type RateDecision = { ok: true; remaining: number } | { ok: false; retryAfterMs: number };

interface Bucket {
  units: number;
  at: number;
}

export interface RateLimiterOptions {
  now?: () => number;
  maxBuckets?: number;
  /** How often (ms) full buckets are swept. */
  sweepEveryMs?: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;
  private readonly maxBuckets: number;
  private readonly sweepEveryMs: number;
  private lastSweep: number;

  constructor(
    private readonly config: RateLimitConfig = DEFAULT_RATE_LIMITS,
    options: RateLimiterOptions = {},
  ) {
    for (const [action, c] of Object.entries(config)) {
      if (!(c.perMinute > 0) || !(c.burst >= 1)) throw new RangeError(`rate limit "${action}": perMinute must be > 0 and burst >= 1`);
    }
    this.now = options.now ?? Date.now;
    this.maxBuckets = options.maxBuckets ?? 10_000;
    this.sweepEveryMs = options.sweepEveryMs ?? 60_000;
    this.lastSweep = this.now();
  }

  take(key: RateKey, cost = 1): RateDecision {
    const c = this.config[key.action];
    if (!(cost >= 0)) throw new RangeError(`rate limit cost must be >= 0, got ${cost}`);
    if (!c) return { ok: true, remaining: Infinity };
    const now = this.now();
    if (now - this.lastSweep >= this.sweepEveryMs) this.sweep(now);
    if (cost > c.burst) return { ok: false, retryAfterMs: Infinity };
    const id = `${key.action}\u0000${key.tokenId}`;
    const b = this.buckets.get(id);
    const units = b ? this.refilled(b, c, now) : c.burst;
    if (units < cost) {
      if (b) this.touch(id, { units, at: now });
      return { ok: false, retryAfterMs: Math.ceil(((cost - units) * 60_000) / c.perMinute) };
    }
    this.touch(id, { units: units - cost, at: now });
    return { ok: true, remaining: Math.floor(units - cost) };
  }

  /** Live (not yet refilled) buckets, for metrics and tests. */
  get size(): number {
    return this.buckets.size;
  }

  private refilled(b: Bucket, c: BucketConfig, now: number): number {
    return Math.min(c.burst, b.units + (Math.max(0, now - b.at) * c.perMinute) / 60_000);
  }

  /** Re-inserts to keep Map order = least recently used first; drops the oldest beyond the bound. */
  private touch(id: string, b: Bucket): void {
    this.buckets.delete(id);
    this.buckets.set(id, b);
    if (this.buckets.size > this.maxBuckets) this.buckets.delete(this.buckets.keys().next().value!);
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [id, b] of this.buckets) {
      const c = this.config[id.slice(0, id.indexOf('\u0000'))];
      if (!c || this.refilled(b, c, now) >= c.burst) this.buckets.delete(id);
    }
  }
}
