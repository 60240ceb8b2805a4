import { describe, expect, it } from 'vitest';
import { InProcessBus } from './in-process-bus.js';

type Topics = { a: number; b: string };

describe('InProcessBus', () => {
  it('delivers to subscribers of the topic only, in subscription order', () => {
    const bus = new InProcessBus<Topics>();
    const got: string[] = [];
    bus.subscribe('a', (n) => got.push(`1:${n}`));
    bus.subscribe('a', (n) => got.push(`2:${n}`));
    bus.subscribe('b', (s) => got.push(`b:${s}`));
    bus.publish('a', 7);
    expect(got).toEqual(['1:7', '2:7']);
  });

  it('stops delivering after unsubscribe, also when a handler unsubscribes itself mid-publish', () => {
    const bus = new InProcessBus<Topics>();
    const got: number[] = [];
    const off = bus.subscribe('a', (n) => {
      got.push(n);
      off();
    });
    bus.subscribe('a', (n) => got.push(n * 10));
    bus.publish('a', 1);
    bus.publish('a', 2);
    expect(got).toEqual([1, 10, 20]);
    expect(bus.subscriberCount('a')).toBe(1);
  });

  it('isolates a throwing handler and reports it', () => {
    const errors: string[] = [];
    const bus = new InProcessBus<Topics>((topic, err) => errors.push(`${topic}:${(err as Error).message}`));
    const got: number[] = [];
    bus.subscribe('a', () => {
      throw new Error('boom');
    });
    bus.subscribe('a', (n) => got.push(n));
    bus.publish('a', 3);
    expect(got).toEqual([3]);
    expect(errors).toEqual(['a:boom']);
  });

  it('delivers nothing after close', async () => {
    const bus = new InProcessBus<Topics>();
    const got: number[] = [];
    bus.subscribe('a', (n) => got.push(n));
    await bus.close();
    bus.publish('a', 1);
    expect(got).toEqual([]);
  });
});
