import { describe, expect, it } from 'vitest';
import { countFromOne, StrangerLabels } from './stranger-labels.js';

/** A store that hands out numbers from 100, counting its round trips; `hold` keeps the next reply back. */
function store() {
  let next = 100;
  const s = {
    trips: 0,
    held: undefined as undefined | (() => void),
    hold: false,
    reserve: (count: number) => {
      s.trips++;
      const numbers = Array.from({ length: count }, () => next++);
      if (!s.hold) return Promise.resolve(numbers);
      return new Promise<number[]>((resolve) => (s.held = () => resolve(numbers)));
    },
  };
  return s;
}

describe('StrangerLabels', () => {
  it('reserves numbers ahead in blocks, so that labels are there at once', async () => {
    const s = store();
    const labels = new StrangerLabels(s.reserve, undefined, 4);
    await Promise.resolve();
    expect([labels.next(), labels.next()]).toEqual(['Unknown 100', 'Unknown 101']);
    // Half the block used: the next block is on its way before the reserve runs out.
    await Promise.resolve();
    expect(s.trips).toBe(2);
    expect([labels.next(), labels.next(), labels.next()]).toEqual(['Unknown 102', 'Unknown 103', 'Unknown 104']);
  });

  it('answers with the promise of a label when a burst outruns the reserve', async () => {
    const s = store();
    s.hold = true;
    const labels = new StrangerLabels(s.reserve, undefined, 2);
    const first = labels.next();
    expect(first).toBeInstanceOf(Promise);
    expect(s.trips, 'one reserve in flight at a time').toBe(1);
    s.held!();
    expect(await first).toBe('Unknown 100');
  });

  it('reports a store that fails, and the label waits for the next reserve', async () => {
    const errors: unknown[] = [];
    let fail = true;
    const labels = new StrangerLabels(async (count) => (fail ? Promise.reject(new Error('db down')) : Array.from({ length: count }, (_, i) => i + 1)), (e) => errors.push(e), 2);
    await new Promise((r) => setTimeout(r, 0));
    expect(errors.map((e) => (e as Error).message)).toEqual(['db down']);
    fail = false;
    expect(await labels.next()).toBe('Unknown 1');
  });

  it('counts from one without a store', async () => {
    const labels = new StrangerLabels(countFromOne());
    await Promise.resolve();
    expect([labels.next(), labels.next()]).toEqual(['Unknown 1', 'Unknown 2']);
  });
});
