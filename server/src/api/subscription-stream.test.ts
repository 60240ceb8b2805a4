import { describe, expect, it } from 'vitest';
import { InProcessBus } from '../bus/in-process-bus.js';
import {
  createEventStream,
  DIRECT_DELIVERY,
  SLOW_SUBSCRIBER,
  SubscriberOverflowError,
  type StreamCloseCause,
  type StreamCounters,
  type StreamOverflow,
} from './subscription-stream.js';

/** A stand-in for track events: `u` (box update) is coalesced per track and droppable; the others are neither. */
interface Ev {
  kind: 'u' | 'started' | 'identified' | 'ended';
  track: string;
  n: number;
}
const ev = (kind: Ev['kind'], track: string, n: number): Ev => ({ kind, track, n });
const trackOptions = {
  coalesceKey: (e: Ev) => (e.kind === 'u' ? e.track : undefined),
  droppable: (e: Ev) => e.kind === 'u',
};
const label = (e: Ev) => `${e.kind}:${e.track}:${e.n}`;

async function drain<T>(it: AsyncIterableIterator<T>): Promise<T[]> {
  const out: T[] = [];
  for (;;) {
    const r = await it.next();
    if (r.done) return out;
    out.push(r.value);
  }
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('createEventStream', () => {
  it('delivers in push order and hands an event straight to a waiting consumer', async () => {
    const s = createEventStream<number>();
    const pending = s.iterator.next();
    expect(s.push(1)).toBe(true);
    expect(await pending).toEqual({ value: 1, done: false });
    s.push(2);
    s.push(3);
    expect(s.stats.queued).toBe(2);
    s.end();
    expect(await drain(s.iterator)).toEqual([2, 3]);
    expect(s.stats).toMatchObject({ pushed: 3, delivered: 3, queued: 0, highWater: 2 });
  });

  it('coalesces a queued update with the same key: latest wins, queued at the end', async () => {
    const s = createEventStream<Ev>(trackOptions);
    s.push(ev('u', 't1', 1));
    s.push(ev('started', 't2', 2));
    s.push(ev('u', 't2', 3));
    s.push(ev('u', 't1', 4));
    s.push(ev('u', 't2', 5));
    s.end();
    expect((await drain(s.iterator)).map(label)).toEqual(['started:t2:2', 'u:t1:4', 'u:t2:5']);
    expect(s.stats.coalesced).toBe(2);
  });

  it("never lets a track's update overtake that track's earlier identified/ended event", async () => {
    const s = createEventStream<Ev>(trackOptions);
    s.push(ev('u', 't1', 10));
    s.push(ev('identified', 't1', 12));
    s.push(ev('u', 't1', 14));
    s.push(ev('ended', 't1', 16));
    s.end();
    expect((await drain(s.iterator)).map(label)).toEqual(['identified:t1:12', 'u:t1:14', 'ended:t1:16']);
  });

  it('when full, evicts the oldest queued droppable event for a new one, and drops a droppable event when none is queued', async () => {
    const s = createEventStream<Ev>({ ...trackOptions, capacity: 3 });
    s.push(ev('u', 't1', 1));
    s.push(ev('started', 't2', 2));
    s.push(ev('u', 't3', 3));
    s.push(ev('started', 't4', 4)); // full: evicts u:t1:1
    s.push(ev('started', 't5', 5)); // full: evicts u:t3:3
    expect(s.push(ev('u', 't6', 6))).toBe(true); // full of non-droppable: this update is dropped
    s.end();
    expect((await drain(s.iterator)).map(label)).toEqual(['started:t2:2', 'started:t4:4', 'started:t5:5']);
    expect(s.stats.dropped).toBe(3);
  });

  it('fails a subscriber that stays behind: overflow reason, onClose, one rejected next(), then done', async () => {
    const overflows: StreamOverflow[] = [];
    const closes: StreamCloseCause[] = [];
    const s = createEventStream<Ev>({ ...trackOptions, capacity: 4, onOverflow: (o) => overflows.push(o), onClose: (c) => closes.push(c) });
    for (let i = 0; i < 4; i++) expect(s.push(ev('started', `t${i}`, i))).toBe(true);
    expect(s.push(ev('started', 't4', 4))).toBe(false);
    expect(overflows).toEqual([{ code: SLOW_SUBSCRIBER, capacity: 4, message: expect.stringContaining('4 events behind') }]);
    expect(closes).toEqual(['overflow']);
    expect(s.stats.queued).toBe(0); // the backlog is released at once
    expect(s.push(ev('started', 't5', 5))).toBe(false);
    const err = await s.iterator.next().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SubscriberOverflowError);
    expect((err as SubscriberOverflowError).extensions.code).toBe(SLOW_SUBSCRIBER);
    expect(await s.iterator.next()).toEqual({ value: undefined, done: true });
    expect(closes).toEqual(['overflow']);
  });

  it('a consumer slower than the producer but keeping up on average gets every non-droppable event and the latest box', async () => {
    const tracks = Array.from({ length: 8 }, (_, i) => `t${i}`);
    const pushed: Ev[] = [];
    const closes: StreamCloseCause[] = [];
    const s = createEventStream<Ev>({ ...trackOptions, capacity: 32, onClose: (c) => closes.push(c) });
    const consumer = (async () => {
      const got: Ev[] = [];
      for await (const e of s.iterator) {
        got.push(e);
        await tick(); // one event per macrotask: slower than the bursts below
      }
      return got;
    })();
    let n = 0;
    for (let round = 0; round < 300; round++) {
      // A burst per round: a box update on every track, sometimes a lifecycle event.
      for (const t of tracks) {
        const e = ev('u', t, n++);
        pushed.push(e);
        s.push(e);
      }
      if (round % 7 === 0) {
        const e = ev(round % 2 ? 'identified' : 'started', tracks[round % tracks.length], n++);
        pushed.push(e);
        s.push(e);
      }
      await tick();
    }
    s.end();
    const got = await consumer;
    expect(closes).toEqual(['end']);
    // Delivered: a subsequence of what was pushed, in push order, every lifecycle event included...
    const order = new Map(pushed.map((e, i) => [e, i]));
    const positions = got.map((e) => order.get(e)!);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(got.filter((e) => e.kind !== 'u').map(label)).toEqual(pushed.filter((e) => e.kind !== 'u').map(label));
    // ...and each track's last box, though most intermediate boxes were coalesced away.
    for (const t of tracks) {
      const last = pushed.filter((e) => e.kind === 'u' && e.track === t).at(-1);
      expect(got.filter((e) => e.kind === 'u' && e.track === t).at(-1)).toBe(last);
    }
    expect(s.stats.coalesced).toBeGreaterThan(pushed.length / 4);
    expect(s.stats.dropped).toBe(0);
    expect(s.stats.highWater).toBeLessThanOrEqual(32);
    expect(s.stats.delivered + s.stats.coalesced).toBe(pushed.length);
  });

  it('a stalled consumer is failed once lifecycle events exceed the capacity, while updates alone never fail it', () => {
    const overflows: StreamOverflow[] = [];
    const s = createEventStream<Ev>({ ...trackOptions, capacity: 16, onOverflow: (o) => overflows.push(o) });
    for (let i = 0; i < 1000; i++) s.push(ev('u', `t${i % 4}`, i));
    expect(overflows).toEqual([]);
    expect(s.stats.queued).toBe(4);
    let accepted = 0;
    while (s.push(ev('started', `x${accepted}`, accepted))) accepted++;
    expect(overflows).toHaveLength(1);
    // Room was made for 12 lifecycle events in the free slots, then 4 more by evicting the 4 queued updates.
    expect(accepted).toBe(16);
  });

  it('end(): queued events are still delivered, a waiting next() ends, push afterwards is a no-op', async () => {
    const closes: StreamCloseCause[] = [];
    const s = createEventStream<number>({ onClose: (c) => closes.push(c) });
    s.push(1);
    s.end();
    expect(s.push(2)).toBe(false);
    s.end();
    expect(closes).toEqual(['end']);
    expect(await drain(s.iterator)).toEqual([1]);
    expect(await s.iterator.next()).toEqual({ value: undefined, done: true });

    const t = createEventStream<number>();
    const waiting = t.iterator.next();
    t.end();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(t.push(3)).toBe(false);
    expect(t.stats.pushed).toBe(0);
  });

  it('return(): ends a pending next(), releases the queue, reports the cause once', async () => {
    const closes: StreamCloseCause[] = [];
    const s = createEventStream<number>({ onClose: (c) => closes.push(c) });
    s.push(1);
    s.push(2);
    await s.iterator.return!();
    expect(s.stats.queued).toBe(0);
    expect(await s.iterator.next()).toEqual({ value: undefined, done: true });
    expect(s.push(3)).toBe(false);

    const t = createEventStream<number>({ onClose: (c) => closes.push(c) });
    const waiting = t.iterator.next();
    await t.iterator.return!();
    expect(await waiting).toEqual({ value: undefined, done: true });
    await t.iterator.return!();
    expect(closes).toEqual(['return', 'return']);
  });

  it('breaking out of for-await closes the stream', async () => {
    const closes: StreamCloseCause[] = [];
    const s = createEventStream<number>({ onClose: (c) => closes.push(c) });
    s.push(1);
    s.push(2);
    for await (const v of s.iterator) {
      expect(v).toBe(1);
      break;
    }
    expect(closes).toEqual(['return']);
    expect(s.push(3)).toBe(false);
  });

  it('many subscribe/unsubscribe cycles over a bus leave no handler and no queued event behind', async () => {
    const bus = new InProcessBus<{ e: number }>();
    const streams = [];
    for (let cycle = 0; cycle < 5000; cycle++) {
      let off = () => {};
      const s = createEventStream<number>({ capacity: 8, onClose: () => off() });
      off = bus.subscribe('e', (v) => s.push(v));
      streams.push(s);
      bus.publish('e', cycle);
      bus.publish('e', cycle + 1);
      // Half read one event first; all unsubscribe (or are ended by the producer).
      if (cycle % 2) await s.iterator.next();
      if (cycle % 3 === 0) {
        s.end();
        await drain(s.iterator);
      } else await s.iterator.return!();
    }
    expect(bus.subscriberCount('e')).toBe(0);
    expect(streams.every((s) => s.stats.queued === 0)).toBe(true);
    // Every event published during its stream's lifetime was accounted for.
    expect(streams.every((s) => s.stats.pushed === 2)).toBe(true);
  });

  it('reports to the supplied counters', async () => {
    const counts = { delivered: 0, coalesced: 0, dropped: 0, overflowed: 0 };
    const counters: StreamCounters = {
      delivered: () => counts.delivered++,
      coalesced: () => counts.coalesced++,
      dropped: () => counts.dropped++,
      overflowed: () => counts.overflowed++,
    };
    const s = createEventStream<Ev>({ ...trackOptions, capacity: 2, counters });
    s.push(ev('u', 'a', 1));
    s.push(ev('u', 'a', 2)); // coalesced
    s.push(ev('started', 'b', 3));
    s.push(ev('started', 'c', 4)); // evicts u:a:2
    await s.iterator.next();
    s.push(ev('started', 'd', 5));
    s.push(ev('started', 'e', 6)); // overflow
    expect(counts).toEqual({ delivered: 1, coalesced: 1, dropped: 1, overflowed: 1 });
  });

  it('rejects a capacity below 1', () => {
    expect(() => createEventStream({ capacity: 0 })).toThrow(/bad capacity/);
  });
});

describe('createEventStream with a wake-up (events handed over later)', () => {
  /** A stream whose consumer is woken only when the test says so. */
  const woken = (capacity = 256) => {
    const wakes: (() => void)[] = [];
    const s = createEventStream<Ev>({ ...trackOptions, capacity, wake: (handOver) => wakes.push(handOver) });
    const wakeAll = () => wakes.splice(0).forEach((w) => w());
    return { s, wakes, wakeAll };
  };

  it('keeps a pushed event queued for a waiting consumer until woken, coalescing box updates meanwhile', async () => {
    const { s, wakes, wakeAll } = woken();
    const first = s.iterator.next();
    s.push(ev('u', 'a', 1));
    s.push(ev('u', 'a', 2)); // replaces u:a:1 before anyone saw it
    s.push(ev('started', 'b', 3));
    expect(wakes).toHaveLength(1); // one wake-up asked for, however many events
    expect(s.stats.queued).toBe(2);
    wakeAll();
    expect(label((await first).value as Ev)).toBe('u:a:2');
    expect(label((await s.iterator.next()).value as Ev)).toBe('started:b:3');
    expect(s.stats).toMatchObject({ pushed: 3, delivered: 2, coalesced: 1, queued: 0 });
  });

  it('serves concurrent next() calls in order', async () => {
    const { s, wakeAll } = woken();
    const a = s.iterator.next();
    const b = s.iterator.next();
    s.push(ev('started', 'x', 1));
    s.push(ev('started', 'y', 2));
    const c = s.iterator.next(); // asked after two waiters: it must not jump the queue
    s.push(ev('started', 'z', 3));
    wakeAll();
    expect((await Promise.all([a, b, c])).map((r) => label(r.value as Ev))).toEqual(['started:x:1', 'started:y:2', 'started:z:3']);
  });

  it('fails a consumer waiting for its wake-up once when the queue overflows meanwhile, then reports done', async () => {
    const { s, wakeAll } = woken(2);
    const waiting = s.iterator.next();
    s.push(ev('started', 'a', 1));
    s.push(ev('started', 'b', 2));
    expect(s.push(ev('started', 'c', 3))).toBe(false); // overflow
    await expect(waiting).rejects.toBeInstanceOf(SubscriberOverflowError);
    wakeAll(); // a late wake-up finds nothing to do
    expect(await s.iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('delivers what is queued after end(), then is done', async () => {
    const { s, wakeAll } = woken();
    const waiting = s.iterator.next();
    s.push(ev('started', 'a', 1));
    s.push(ev('ended', 'a', 2));
    s.end();
    wakeAll();
    expect(label((await waiting).value as Ev)).toBe('started:a:1');
    expect((await drain(s.iterator)).map(label)).toEqual(['ended:a:2']);
  });
});

describe('createEventStream with a direct sink', () => {
  const direct = (accept: (e: Ev) => boolean = () => true) => {
    const wakes: (() => void)[] = [];
    const taken: string[] = [];
    const s = createEventStream<Ev>({ ...trackOptions, wake: (handOver) => wakes.push(handOver) });
    s.iterator[DIRECT_DELIVERY]((e) => accept(e) && taken.push(label(e)) > 0);
    const wakeAll = () => wakes.splice(0).forEach((w) => w());
    return { s, taken, wakeAll };
  };

  it('hands queued events to the sink, in order, only while the consumer waits in next()', async () => {
    const { s, taken, wakeAll } = direct();
    s.push(ev('started', 'a', 1)); // nobody waits: no wake-up asked for, the event stays queued
    wakeAll();
    expect(taken).toEqual([]);
    expect(label((await s.iterator.next()).value as Ev)).toBe('started:a:1');
    const waiting = s.iterator.next();
    s.push(ev('u', 'a', 2));
    s.push(ev('identified', 'a', 3));
    wakeAll();
    expect(taken).toEqual(['u:a:2', 'identified:a:3']);
    expect(s.stats).toMatchObject({ pushed: 3, delivered: 3, queued: 0 });
    s.end();
    expect(await waiting).toEqual({ value: undefined, done: true }); // the consumer still learns that it ended
  });

  it('sends a declined event, and everything after it, the iterator’s way, then takes direct deliveries again', async () => {
    const { s, taken, wakeAll } = direct((e) => e.kind !== 'identified');
    const first = s.iterator.next();
    s.push(ev('u', 'a', 1));
    s.push(ev('identified', 'a', 2));
    s.push(ev('u', 'b', 3));
    wakeAll();
    expect(taken).toEqual(['u:a:1']);
    expect(label((await first).value as Ev)).toBe('identified:a:2');
    expect(label((await s.iterator.next()).value as Ev)).toBe('u:b:3'); // queued behind the declined one
    const waiting = s.iterator.next();
    s.push(ev('ended', 'a', 4));
    wakeAll();
    expect(taken).toEqual(['u:a:1', 'ended:a:4']);
    s.iterator.return!();
    expect(await waiting).toEqual({ value: undefined, done: true });
  });
});
