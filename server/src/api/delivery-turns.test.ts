import { describe, expect, it } from 'vitest';
import { createDeliveryTurns } from './delivery-turns.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('createDeliveryTurns', () => {
  it('wakes one chunk per event-loop turn, first asked first woken; callbacks of other work run between chunks', async () => {
    const errors: unknown[] = [];
    const turns = createDeliveryTurns(10, (err) => errors.push(err));
    const order: (number | string)[] = [];
    for (let i = 0; i < 25; i++) {
      turns.schedule(() => {
        if (i === 3) throw new Error('boom'); // one failing wake-up stops nothing
        order.push(i);
      });
    }
    await turn();
    expect(order).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9]);
    setImmediate(() => order.push('other'));
    await turn();
    expect(order.slice(9)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 'other']); // before the third chunk
    await turn();
    expect(order.slice(20)).toEqual([20, 21, 22, 23, 24]);
    expect(errors).toHaveLength(1);
    // Idle again: a new wake-up is scheduled afresh.
    turns.schedule(() => order.push('later'));
    await turn();
    expect(order.at(-1)).toBe('later');
  });
});
