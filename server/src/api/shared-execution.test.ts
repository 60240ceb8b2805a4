import { GraphQLInt, GraphQLList, GraphQLObjectType, GraphQLSchema, GraphQLString, parse, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { InProcessBus } from '../bus/in-process-bus.js';
import { payloadKey, sharedSubscribe, type SharedExecutionOptions } from './shared-execution.js';
import { createEventStream, DIRECT_DELIVERY, hasDirectDelivery, type StreamCloseCause } from './subscription-stream.js';

interface Ev {
  n: number;
  camera: string;
}
interface Ctx {
  viewer: string | undefined;
  closed: StreamCloseCause[];
}

/** A subscription `events(camera)` over an in-process bus, as the API builds them; `label` counts its executions. */
function fixture(extra: Partial<SharedExecutionOptions> = {}, wake?: (handOver: () => void) => void) {
  const bus = new InProcessBus<{ ev: Ev }>();
  let labels = 0;
  const Event = new GraphQLObjectType<Ev, Ctx>({
    name: 'Event',
    fields: {
      n: { type: GraphQLInt },
      later: { type: GraphQLString, resolve: async (e) => `later ${e.n}` },
      label: {
        type: GraphQLString,
        args: { size: { type: GraphQLInt } },
        resolve: (e, args: { size?: number | null }, ctx) => {
          labels++;
          return `${ctx.viewer}:${e.n}:${args.size ?? '-'}`;
        },
      },
    },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString } } }),
    subscription: new GraphQLObjectType<unknown, Ctx>({
      name: 'Subscription',
      fields: {
        events: {
          type: Event,
          args: { cameras: { type: new GraphQLList(GraphQLString) } },
          subscribe: (_root, args: { cameras?: string[] | null }, ctx) => {
            let off = () => {};
            const stream = createEventStream<Ev>({ onClose: (cause) => (off(), ctx.closed.push(cause)), ...(wake ? { wake } : {}) });
            off = bus.subscribe('ev', (e) => {
              if (!args.cameras || args.cameras.includes(e.camera)) stream.push(e);
            });
            return stream.iterator;
          },
          resolve: (e: unknown) => e,
        },
      },
    }),
  });
  const subscribe = sharedSubscribe({ viewerOf: (c) => (c as Ctx).viewer, ...extra });
  const start = async (query: string, viewer: string | undefined, variableValues: Record<string, unknown> = {}) => {
    const ctx: Ctx = { viewer, closed: [] };
    const it = (await subscribe({ schema, document: parse(query), contextValue: ctx, variableValues })) as AsyncGenerator<ExecutionResult>;
    return { it, ctx };
  };
  return { bus, schema, start, labels: () => labels };
}

const Q = 'subscription($c:[String]){events(cameras:$c){n label}}';

describe('sharedSubscribe', () => {
  it('executes once per event for the subscribers of one viewer, whatever their filters; once more for another viewer', async () => {
    const f = fixture();
    const a1 = await f.start(Q, 'alice');
    const a2 = await f.start(Q, 'alice', { c: ['cam1'] });
    const b = await f.start(Q, 'bob');
    const pending = [a1, a2, b].map((s) => s.it.next());
    f.bus.publish('ev', { n: 1, camera: 'cam1' });
    const [r1, r2, r3] = await Promise.all(pending);
    expect(r1.value).toEqual({ data: { events: { n: 1, label: 'alice:1:-' } } });
    expect(r2.value).toBe(r1.value); // the very same result object
    expect(r3.value).toEqual({ data: { events: { n: 1, label: 'bob:1:-' } } });
    expect(f.labels()).toBe(2);

    // The filter still applies per subscriber: cam2 reaches alice's unfiltered subscription and bob only.
    const next = [a1, b].map((s) => s.it.next());
    const a2next = a2.it.next();
    f.bus.publish('ev', { n: 2, camera: 'cam2' });
    expect((await Promise.all(next)).map((r) => (r.value as ExecutionResult).data)).toEqual([{ events: { n: 2, label: 'alice:2:-' } }, { events: { n: 2, label: 'bob:2:-' } }]);
    expect(f.labels()).toBe(4);
    f.bus.publish('ev', { n: 3, camera: 'cam1' });
    expect(((await a2next).value as ExecutionResult).data).toEqual({ events: { n: 3, label: 'alice:3:-' } });
  });

  it('executes a viewer-neutral field once per event for every viewer, in the neutral context, filters still per subscriber', async () => {
    const neutral: Ctx = { viewer: 'neutral', closed: [] };
    const f = fixture({ viewerNeutral: new Set(['events']), neutralContext: neutral });
    const a = await f.start(Q, 'alice');
    const b = await f.start(Q, 'bob', { c: ['cam1'] });
    const anon = await f.start(Q, undefined);
    const pending = [a, b, anon].map((s) => s.it.next());
    f.bus.publish('ev', { n: 1, camera: 'cam1' });
    const results = (await Promise.all(pending)).map((r) => r.value);
    expect(results[0]).toEqual({ data: { events: { n: 1, label: 'neutral:1:-' } } });
    expect(results[1]).toBe(results[0]);
    expect(results[2]).toBe(results[0]);
    expect(f.labels()).toBe(1);
    const bNext = b.it.next();
    f.bus.publish('ev', { n: 2, camera: 'cam2' }); // not for bob
    f.bus.publish('ev', { n: 3, camera: 'cam1' });
    expect(((await bNext).value as ExecutionResult).data).toEqual({ events: { n: 3, label: 'neutral:3:-' } });
    // Another field of the same schema is not neutral: the viewer's own context again.
    const other = fixture({ viewerNeutral: new Set(['somethingElse']), neutralContext: neutral });
    const c = await other.start(Q, 'carol');
    const cNext = c.it.next();
    other.bus.publish('ev', { n: 4, camera: 'x' });
    expect(((await cNext).value as ExecutionResult).data).toEqual({ events: { n: 4, label: 'carol:4:-' } });
  });

  it('keeps apart subscribers whose variables shape the payload, and never shares without a viewer', async () => {
    const f = fixture();
    const q = 'subscription($s:Int){events{n label(size:$s)}}';
    const small = await f.start(q, 'alice', { s: 1 });
    const big = await f.start(q, 'alice', { s: 2 });
    const absent = await f.start(q, 'alice');
    const anon1 = await f.start(q, undefined, { s: 1 });
    const anon2 = await f.start(q, undefined, { s: 1 });
    const pending = [small, big, absent, anon1, anon2].map((s) => s.it.next());
    f.bus.publish('ev', { n: 7, camera: 'c' });
    const labels = (await Promise.all(pending)).map((r) => ((r.value as ExecutionResult).data!.events as { label: string }).label);
    expect(labels).toEqual(['alice:7:1', 'alice:7:2', 'alice:7:-', 'undefined:7:1', 'undefined:7:1']);
    expect(f.labels()).toBe(5);
  });

  it('return() reaches the event stream, which unsubscribes', async () => {
    const f = fixture();
    const s = await f.start(Q, 'alice');
    const pending = s.it.next();
    await s.it.return(undefined);
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(s.ctx.closed).toEqual(['return']);
  });

  it('hands back the errors of a subscription that cannot start', async () => {
    const f = fixture();
    const r = (await sharedSubscribe({ viewerOf: () => 'x' })({ schema: f.schema, document: parse('subscription{nope}') })) as ExecutionResult;
    expect(r.errors?.[0].message).toMatch(/nope/);
  });
});

describe('sharedSubscribe with direct delivery', () => {
  it('offers shared results to a direct sink: one still executing is declined, the settled one is taken', async () => {
    const wakes: (() => void)[] = [];
    const f = fixture({}, (handOver) => wakes.push(handOver));
    const query = 'subscription{events{n later}}'; // `later` resolves asynchronously: so does the execution
    const a = await f.start(query, 'v1');
    const b = await f.start(query, 'v1');
    const taken: ExecutionResult[] = [];
    for (const { it } of [a, b]) {
      expect(hasDirectDelivery(it)).toBe(true);
      (it as unknown as { [DIRECT_DELIVERY](sink: (r: ExecutionResult) => boolean): void })[DIRECT_DELIVERY]((r) => taken.push(r) > 0);
    }
    const first = a.it.next();
    const second = b.it.next();
    f.bus.publish('ev', { n: 1, camera: 'x' });
    wakes[0]!(); // a: the result is still a promise, so the event goes the iterator's way
    expect(taken).toEqual([]);
    const viaIterator = (await first).value;
    expect(viaIterator).toEqual({ data: { events: { n: 1, later: 'later 1' } } });
    wakes[1]!(); // b: the same result, settled by now, is taken directly
    expect(taken).toHaveLength(1);
    expect(taken[0]).toBe(viaIterator);
    await a.it.return(undefined);
    await b.it.return(undefined);
    await second;
  });

  it('executes as the event is queued, so that subscribers woken in a later turn all take the result directly', async () => {
    const wakes: (() => void)[] = [];
    const f = fixture({}, (handOver) => wakes.push(handOver));
    const subs = await Promise.all([f.start('subscription{events{n later label}}', 'v1'), f.start('subscription{events{n later label}}', 'v1')]);
    const taken: ExecutionResult[] = [];
    for (const { it } of subs) (it as unknown as { [DIRECT_DELIVERY](sink: (r: ExecutionResult) => boolean): void })[DIRECT_DELIVERY]((r) => taken.push(r) > 0);
    const pending = subs.map(({ it }) => it.next());
    f.bus.publish('ev', { n: 7, camera: 'x' });
    expect(f.labels()).toBe(1); // executed once, when queued
    await new Promise((resolve) => setImmediate(resolve)); // the delivery turn comes later
    wakes.splice(0).forEach((w) => w());
    expect(taken).toHaveLength(2);
    expect(taken[0]).toBe(taken[1]);
    expect(taken[0]).toEqual({ data: { events: { n: 7, later: 'later 7', label: 'v1:7:-' } } });
    for (const { it } of subs) await it.return(undefined);
    await Promise.all(pending);
  });

  it('offers no direct delivery where results are not shared (no viewer)', async () => {
    const f = fixture({}, () => undefined);
    const { it } = await f.start(Q, undefined);
    expect(hasDirectDelivery(it)).toBe(false);
    await it.return(undefined);
  });
});

describe('payloadKey', () => {
  const key = (q: string, v: Record<string, unknown> = {}, op?: string) => payloadKey(parse(q), op, v);

  it('leaves out the variables of the root field’s arguments only', () => {
    expect(key(Q, { c: ['a'] })).toBe(key(Q, { c: ['b'] }));
    const shaped = 'subscription($c:[String],$s:Int){events(cameras:$c){label(size:$s)}}';
    expect(key(shaped, { c: ['a'], s: 1 })).toBe(key(shaped, { c: ['b'], s: 1 }));
    expect(key(shaped, { s: 1 })).not.toBe(key(shaped, { s: 2 }));
    expect(key(shaped, { s: null })).not.toBe(key(shaped, {})); // explicit null is not "take the default"
    const both = 'subscription($c:[String]){events(cameras:$c){label @include(if:false) n}}';
    expect(key(both, { c: ['a'] })).toBe(key(both, { c: ['b'] }));
  });

  it('counts a variable used both in the root arguments and below it, in directives and in fragments', () => {
    const twice = 'subscription($c:[String]){events(cameras:$c){label(size:$c)}}';
    expect(key(twice, { c: ['a'] })).not.toBe(key(twice, { c: ['b'] }));
    const directive = 'subscription($c:[String],$on:Boolean!){events(cameras:$c) @include(if:$on){n}}';
    expect(key(directive, { on: true })).not.toBe(key(directive, { on: false }));
    const fragment = 'subscription($s:Int){events{...F}} fragment F on Event{label(size:$s)}';
    expect(key(fragment, { s: 1 })).not.toBe(key(fragment, { s: 2 }));
  });

  it('shares nothing it cannot tell: no subscription, or not one root field', () => {
    expect(key('query{ok}')).toBeUndefined();
    expect(key('subscription{...on Subscription{events{n}}}')).toBeUndefined();
    expect(key('subscription A{events{n}} subscription B{events{label}}', {}, 'B')).toContain('\nB\n');
  });
});
