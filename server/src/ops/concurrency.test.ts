import { describe, expect, it } from 'vitest';
import { mapConcurrent } from './concurrency.js';

describe('mapConcurrent', () => {
  it('keeps input order, never exceeds the limit, and rejects with the first failure', async () => {
    let inFlight = 0;
    let peak = 0;
    const delays = [30, 5, 20, 1, 15, 2, 8];
    const out = await mapConcurrent(delays, 3, async (ms, i) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, ms));
      inFlight--;
      return i * 10;
    });
    expect(out).toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(peak).toBe(3);
    await expect(mapConcurrent([1, 2, 3], 2, async (x) => (x === 2 ? Promise.reject(new Error('two')) : x))).rejects.toThrow('two');
    expect(await mapConcurrent([], 4, async () => 1)).toEqual([]);
  });
});
