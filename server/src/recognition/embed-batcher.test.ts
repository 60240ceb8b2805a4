import { describe, expect, it } from 'vitest';
import { EmbedBatcher } from './embed-batcher.js';

const fakeEmbed = (calls: number[]) => async (crops: Uint8Array[]) => {
  calls.push(crops.length);
  return crops.map((c) => Float32Array.of(c[0]));
};

describe('EmbedBatcher', () => {
  it('merges requests of one turn into batches of at most maxBatch and routes each result back', async () => {
    const calls: number[] = [];
    const b = new EmbedBatcher(fakeEmbed(calls), 4);
    const out = await Promise.all(Array.from({ length: 10 }, (_, i) => b.request(Uint8Array.of(i))));
    expect(calls).toEqual([4, 4, 2]);
    expect(out.map((e) => e[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(b.stats).toEqual({ batches: 3, crops: 10 });
  });

  it('sends requests of later turns in later batches', async () => {
    const calls: number[] = [];
    const b = new EmbedBatcher(fakeEmbed(calls), 8);
    await b.request(Uint8Array.of(1));
    await Promise.all([b.request(Uint8Array.of(2)), b.request(Uint8Array.of(3))]);
    expect(calls).toEqual([1, 2]);
  });

  it('rejects every request of a failed batch', async () => {
    const b = new EmbedBatcher(async () => {
      throw new Error('pool closed');
    }, 8);
    const res = await Promise.allSettled([b.request(Uint8Array.of(1)), b.request(Uint8Array.of(2))]);
    expect(res.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
