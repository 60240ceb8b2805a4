import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLInt, GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import { GRAPHQL_TRANSPORT_WS_PROTOCOL } from 'graphql-ws';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { InProcessBus } from '../bus/in-process-bus.js';
import { sharedSubscribe } from './shared-execution.js';
import { createDeliveryTurns } from './delivery-turns.js';
import { createEventStream, DIRECT_DELIVERY, SLOW_SUBSCRIBER_CLOSE_CODE } from './subscription-stream.js';
import { deferredMedia } from './media-urls.js';
import { serveGraphqlWs, sharedMessageBytes, sharedPayloadSerializer, type SharedMessage } from './ws-transport.js';

interface Ev {
  n: number;
  text: string;
}

/**
 * A server with one subscription `events` over an in-process bus, each subscriber behind a bounded event stream.
 * `wakeUps`: subscribers are woken in delivery turns, as the API server does, and may then be written to directly.
 */
async function startServer(capacity = 256, wakeUps = false) {
  const bus = new InProcessBus<{ ev: Ev }>();
  const turns = wakeUps ? createDeliveryTurns() : undefined;
  let executions = 0;
  let direct = 0;
  const Event = new GraphQLObjectType<Ev>({
    name: 'Event',
    fields: {
      n: { type: GraphQLInt },
      text: {
        type: GraphQLString,
        resolve: (e) => {
          executions++;
          return e.text;
        },
      },
    },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString } } }),
    subscription: new GraphQLObjectType<unknown, { socket: WebSocket }>({
      name: 'Subscription',
      fields: {
        events: {
          type: Event,
          subscribe: (_r, _a, ctx) => {
            let off = () => {};
            const stream = createEventStream<Ev>({
              capacity,
              onClose: () => off(),
              onOverflow: (o) => ctx.socket.close(SLOW_SUBSCRIBER_CLOSE_CODE, o.message),
              ...(turns ? { wake: turns.schedule } : {}),
            });
            off = bus.subscribe('ev', (e) => stream.push(e));
            // Counts the events a direct sink takes.
            const it = stream.iterator;
            const attach = it[DIRECT_DELIVERY].bind(it);
            it[DIRECT_DELIVERY] = (sink) => attach((e) => sink(e) && ++direct > 0);
            return it;
          },
          resolve: (e: unknown) => e,
        },
      },
    }),
  });
  const httpServer = http.createServer();
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const transport = serveGraphqlWs<Record<string, unknown>, Record<string, never>>(
    {
      schema,
      subscribe: sharedSubscribe({ viewerOf: () => 'everyone' }),
      context: (ctx) => ({ socket: ctx.extra.socket }),
    },
    wss,
  );
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const url = `ws://127.0.0.1:${(httpServer.address() as AddressInfo).port}/graphql`;
  return {
    bus,
    url,
    executions: () => executions,
    direct: () => direct,
    async close() {
      await transport.dispose();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

interface Received {
  id?: string;
  type: string;
  payload?: { data?: { events: Ev } };
}

/** A bare graphql-transport-ws client: what arrives, as parsed messages, in order. */
async function rawClient(url: string, subscriptionId: string) {
  const ws = new WebSocket(url, GRAPHQL_TRANSPORT_WS_PROTOCOL);
  const messages: Received[] = [];
  const texts: string[] = [];
  let closed: { code: number; reason: string } | undefined;
  ws.on('message', (data) => {
    texts.push(String(data));
    messages.push(JSON.parse(String(data)));
  });
  ws.on('close', (code, reason) => (closed = { code, reason: String(reason) }));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  ws.send(JSON.stringify({ type: 'connection_init' }));
  await until(() => messages.some((m) => m.type === 'connection_ack'));
  ws.send(JSON.stringify({ id: subscriptionId, type: 'subscribe', payload: { query: 'subscription{events{n text}}' } }));
  return { ws, messages, texts, next: () => messages.filter((m) => m.type === 'next'), closed: () => closed };
}

async function until(test: () => boolean, timeoutMs = 5000) {
  const t0 = Date.now();
  while (!test()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

let server: Awaited<ReturnType<typeof startServer>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe.each([
  ['graphql-ws sends every event', false],
  ['woken in delivery turns, events are written directly', true],
])('serveGraphqlWs: %s', (_mode, wakeUps) => {
  it('sends each subscriber its own id around one shared payload, also for an id that looks like the placeholder', async () => {
    server = await startServer(256, wakeUps);
    const odd = '\u0000shared-payload\u0000';
    const clients = [await rawClient(server.url, 'a'), await rawClient(server.url, odd), await rawClient(server.url, 'c"}')];
    await new Promise((r) => setTimeout(r, 50));
    // Several events in one turn, as a camera frame publishes them: all arrive, in order.
    for (let n = 1; n <= 3; n++) server.bus.publish('ev', { n, text: `"quoted" \u0000 ${'x'.repeat(n)}` });
    await until(() => clients.every((c) => c.next().length === 3));
    for (const [i, c] of clients.entries()) {
      expect(c.next().map((m) => m.id)).toEqual([['a', odd, 'c"}'][i], ['a', odd, 'c"}'][i], ['a', odd, 'c"}'][i]]);
      expect(c.next().map((m) => m.payload)).toEqual([1, 2, 3].map((n) => ({ data: { events: { n, text: `"quoted" \u0000 ${'x'.repeat(n)}` } } })));
    }
    expect(server.executions()).toBe(3); // one execution per event for the three subscribers
    // Byte for byte what graphql-ws sends, whichever way an event went.
    for (const [i, c] of clients.entries()) {
      const id = ['a', odd, 'c"}'][i]!;
      const sent = c.texts.filter((t) => t.includes('"type":"next"'));
      expect(sent).toEqual([1, 2, 3].map((n) => JSON.stringify({ id, type: 'next', payload: { data: { events: { n, text: `"quoted" \u0000 ${'x'.repeat(n)}` } } } })));
    }
    // With wake-ups every event went directly (this schema's execution is synchronous); without, none did.
    expect(server.direct()).toBe(wakeUps ? 9 : 0);
    for (const c of clients) c.ws.close();
  });

  it('a client that stops reading stops pulling events; its bounded stream then overflows and the socket closes with 4413', async () => {
    server = await startServer(64, wakeUps);
    const slow = await rawClient(server.url, 's');
    const fast = await rawClient(server.url, 'f');
    await new Promise((r) => setTimeout(r, 50));
    slow.ws.pause(); // stop reading: the kernel buffers fill, then the server's socket backlog
    const text = 'y'.repeat(100_000);
    let n = 0;
    // 40 MB in 100 kB events: far more than the socket buffers hold, so the slow client's queue of 64 overflows.
    for (; n < 400; n++) {
      server.bus.publish('ev', { n, text });
      await new Promise((r) => setImmediate(r));
      if (n % 50 === 0) await until(() => fast.next().length > n - 10, 10_000);
    }
    slow.ws.resume();
    await until(() => slow.closed() !== undefined, 10_000);
    expect(slow.closed()!.code).toBe(SLOW_SUBSCRIBER_CLOSE_CODE);
    // It fell behind by the queue's capacity, and got what was written before, in order.
    const got = slow.next().map((m) => m.payload!.data!.events.n);
    expect(got.length).toBeGreaterThan(0);
    expect(got.length).toBeLessThan(n - 64);
    expect(got).toEqual(got.map((_, i) => i));
    // The reading client was not held back.
    await until(() => fast.next().length === n);
    fast.ws.close();
  });
});

const text = (m: string | SharedMessage) => (typeof m === 'string' ? m : String(sharedMessageBytes(m)));

describe('sharedPayloadSerializer', () => {
  it('stringifies a next payload once per data object and leaves other messages alone', () => {
    const s = sharedPayloadSerializer();
    const send = (msg: object) => text(s.complete(JSON.stringify(msg, s.replacer)));
    const data = { events: { n: 1, nested: { type: 'next', payload: { keep: true } } } };
    const a = send({ id: '1', type: 'next', payload: { data } });
    data.events.n = 2; // the same data object: its text was kept
    const b = send({ id: '2', type: 'next', payload: { data } });
    expect(JSON.parse(a)).toEqual({ id: '1', type: 'next', payload: { data: { events: { n: 1, nested: { type: 'next', payload: { keep: true } } } } } });
    expect(JSON.parse(b).payload).toEqual(JSON.parse(a).payload);
    const unicode = { data: { name: 'Zoë — 李' } };
    expect(JSON.parse(send({ id: 'é', type: 'next', payload: unicode }))).toEqual({ id: 'é', type: 'next', payload: unicode });
    const withErrors = { id: '3', type: 'next', payload: { data: { events: null }, errors: [{ message: 'no' }] } };
    expect(JSON.parse(send(withErrors))).toEqual(withErrors);
    expect(JSON.parse(send({ type: 'connection_ack', payload: { role: 'admin' } }))).toEqual({ type: 'connection_ack', payload: { role: 'admin' } });
    expect(JSON.parse(send({ id: '4', type: 'error', payload: [{ message: 'bad' }] }))).toEqual({ id: '4', type: 'error', payload: [{ message: 'bad' }] });
  });

  it('signs deferred media URLs per viewer, once per viewer and result', () => {
    const s = sharedPayloadSerializer();
    let signed = 0;
    const viewer = (key: string) => ({ key, sign: (p: string) => (signed++, `${p}?tok=${key}`) });
    const send = (msg: object, v?: ReturnType<typeof viewer>) => JSON.parse(text(s.complete(JSON.stringify(msg, s.replacer), v)));
    const data = { e: { face: deferredMedia.snapshot('c/f.jpg'), n: 1 } };
    const alice = viewer('alice');
    expect(send({ id: '1', type: 'next', payload: { data } }, alice).payload.data.e).toEqual({ face: '/media/snapshots/c/f.jpg?tok=alice', n: 1 });
    expect(send({ id: '2', type: 'next', payload: { data } }, alice).payload.data.e.face).toBe('/media/snapshots/c/f.jpg?tok=alice');
    expect(signed).toBe(1); // kept for alice's next subscriptions
    expect(send({ id: '3', type: 'next', payload: { data } }, viewer('bob')).payload.data.e.face).toBe('/media/snapshots/c/f.jpg?tok=bob');
    expect(send({ id: '4', type: 'next', payload: { data } }).payload.data.e.face).toBe(''); // nobody to sign for
    // A result with errors is not shared, and still signed.
    const withErrors = { id: '5', type: 'next', payload: { data: { e: { face: deferredMedia.snapshot('x.jpg') } }, errors: [{ message: 'partial' }] } };
    expect(send(withErrors, alice).payload.data.e.face).toBe('/media/snapshots/x.jpg?tok=alice');
  });
});
