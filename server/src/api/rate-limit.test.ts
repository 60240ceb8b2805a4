import { describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS, RateLimiter } from './rate-limit.js';

function limiter(options: ConstructorParameters<typeof RateLimiter>[1] = {}) {
  const clock = { t: 0 };
  const l = new RateLimiter({ search: { perMinute: 30, burst: 10 }, enroll: { perMinute: 60, burst: 20 } }, { now: () => clock.t, ...options });
  return { l, clock };
}
const a = { tokenId: 'tok_a', action: 'search' };

describe('RateLimiter', () => {
  it('allows a burst, then one unit per refill interval, and says when to retry', () => {
    const { l, clock } = limiter();
    for (let i = 0; i < 10; i++) expect(l.take(a)).toEqual({ ok: true, remaining: 9 - i });
    expect(l.take(a)).toEqual({ ok: false, retryAfterMs: 2000 }); // 30/min = one every 2 s
    clock.t = 1500;
    expect(l.take(a)).toEqual({ ok: false, retryAfterMs: 500 });
    clock.t = 2000;
    expect(l.take(a).ok).toBe(true);
    expect(l.take(a).ok).toBe(false);
    // A long pause refills up to the burst, not beyond.
    clock.t = 10 * 60_000;
    for (let i = 0; i < 10; i++) expect(l.take(a).ok).toBe(true);
    expect(l.take(a).ok).toBe(false);
  });

  it('keeps buckets apart per token and per action', () => {
    const { l } = limiter();
    for (let i = 0; i < 10; i++) l.take(a);
    expect(l.take(a).ok).toBe(false);
    expect(l.take({ tokenId: 'tok_b', action: 'search' }).ok).toBe(true);
    expect(l.take({ tokenId: 'tok_a', action: 'enroll' }).ok).toBe(true);
  });

  it('charges a cost (images) and refuses a cost larger than the burst outright', () => {
    const { l, clock } = limiter();
    const e = { tokenId: 'tok_a', action: 'enroll' };
    expect(l.take(e, 15)).toEqual({ ok: true, remaining: 5 });
    expect(l.take(e, 10)).toEqual({ ok: false, retryAfterMs: 5000 }); // 60/min: 5 more images take 5 s
    clock.t = 5000;
    expect(l.take(e, 10).ok).toBe(true);
    expect(l.take(e, 21)).toEqual({ ok: false, retryAfterMs: Infinity });
    expect(() => l.take(e, -1)).toThrow(RangeError);
  });

  it('does not limit actions without a configuration', () => {
    const { l } = limiter();
    for (let i = 0; i < 1000; i++) expect(l.take({ tokenId: 'tok_a', action: 'cameras' }).ok).toBe(true);
    expect(l.size).toBe(0);
  });

  it('evicts idle (refilled) buckets, and the least recently used beyond the bound', () => {
    const { l, clock } = limiter({ maxBuckets: 3, sweepEveryMs: 60_000 });
    for (let i = 0; i < 3; i++) l.take({ tokenId: `t${i}`, action: 'search' });
    expect(l.size).toBe(3);
    l.take({ tokenId: 't0', action: 'search' }); // t0 becomes the most recently used
    l.take({ tokenId: 't3', action: 'search' });
    expect(l.size).toBe(3);
    // t1 was dropped: it starts with a full bucket again; t0 kept its spent units.
    clock.t = 1;
    for (let i = 0; i < 10; i++) expect(l.take({ tokenId: 't1', action: 'search' }).ok).toBe(true);
    expect(l.take({ tokenId: 't0', action: 'search' })).toMatchObject({ ok: true, remaining: 7 });
    // After a minute every bucket has refilled (8 units at 30/min take 16 s): the sweep forgets them all.
    clock.t = 60_001;
    l.take({ tokenId: 'fresh', action: 'search' });
    expect(l.size).toBe(1);
  });

  it('rejects nonsense configuration and ships the documented defaults', () => {
    expect(() => new RateLimiter({ search: { perMinute: 0, burst: 1 } })).toThrow(RangeError);
    expect(() => new RateLimiter({ search: { perMinute: 1, burst: 0 } })).toThrow(RangeError);
    expect(DEFAULT_RATE_LIMITS).toEqual({ search: { perMinute: 30, burst: 10 }, enroll: { perMinute: 60, burst: 20 } });
  });
});
