import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';

const noJitter = { ...DEFAULT_BACKOFF, jitter: 0 };

describe('backoffDelay', () => {
  it('doubles from 0.5 s up to the 30 s cap', () => {
    const delays = [0, 1, 2, 3, 4, 5, 6, 7, 100, 10_000].map((a) => backoffDelay(a, noJitter));
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000]);
  });

  it('spreads delays by ±jitter and never above the cap', () => {
    expect(backoffDelay(0, DEFAULT_BACKOFF, () => 0)).toBe(400);
    expect(backoffDelay(0, DEFAULT_BACKOFF, () => 0.5)).toBe(500);
    expect(backoffDelay(0, DEFAULT_BACKOFF, () => 0.999999)).toBe(600);
    expect(backoffDelay(20, DEFAULT_BACKOFF, () => 0.999999)).toBe(30_000);
    expect(backoffDelay(20, DEFAULT_BACKOFF, () => 0)).toBe(24_000);
  });

  it('treats negative or fractional attempts as whole attempts from 0', () => {
    expect(backoffDelay(-3, noJitter)).toBe(500);
    expect(backoffDelay(1.7, noJitter)).toBe(1000);
  });

  it('spreads a burst of retries apart with the default random source', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(2, DEFAULT_BACKOFF)));
    expect(delays.size).toBeGreaterThan(10);
    for (const d of delays) expect(d >= 1600 && d <= 2400).toBe(true);
  });
});
