/**
 * The Redis event-bus adapter against a real redis-server: two RedisBus instances stand for two server replicas.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RedisBus, type RedisBusOptions } from '../src/bus/redis-bus.js';
import type { BusTopics, TrackEvent } from '../src/recognition/track-event.js';
import { startRedisServer } from './redis-server.js';

/** The real track-event topic plus a small second one (the adapter is generic over topics). */
type Topics = Pick<BusTopics, 'trackEvents'> & { status: { cameraId: string; state: string } };

const started = await startRedisServer();
const server = started.server;
if (started.skipReason) console.warn(`redis-bus tests skipped: ${started.skipReason}`);

afterAll(async () => {
  await server?.stop();
});

function trackEvent(n: number, trackId = 't1'): TrackEvent {
  return {
    kind: n === 0 ? 'started' : 'updated',
    cameraId: 'cam1',
    trackId,
    frame: n,
    ts: 1_700_000_000_000 + n * 40,
    box: [10 + n, 20, 110 + n, 140],
    landmarks: [
      [40, 60],
      [80, 60],
      [60, 80],
      [45, 100],
      [75, 100],
    ],
    identity: n > 5 ? { id: 'id-1', name: 'Ada', score: 0.61 } : null,
    score: n > 5 ? 0.61 : null,
    label: n > 5 ? 'Ada' : 'Unknown 3',
    quality: 0.8,
  };
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Named connections of our buses in CLIENT LIST (`name=<prefix>:pub|sub`). */
async function busConnections(prefix = 'boostface'): Promise<string[]> {
  const list = String(await server!.command('CLIENT', 'LIST'));
  return list
    .split('\n')
    .map((line) => /\bname=(\S*)/.exec(line)?.[1] ?? '')
    .filter((name) => name.startsWith(`${prefix}:`))
    .sort();
}

describe.skipIf(!server)('RedisBus on a real redis-server', () => {
  const open: RedisBus<Topics>[] = [];
  const errors: string[] = [];
  const bus = (options: Partial<RedisBusOptions> = {}) => {
    const b = new RedisBus<Topics>({ url: server!.url, onError: (what, err) => errors.push(`${what}: ${(err as Error).message}`), ...options });
    open.push(b);
    return b;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()));
    errors.length = 0;
  });

  it('an event published on one replica reaches subscribers on both, once, in order, per topic', async () => {
    const a = bus();
    const b = bus();
    const onA: string[] = [];
    const onB: string[] = [];
    for (const [replica, got] of [
      [a, onA],
      [b, onB],
    ] as const) {
      replica.subscribe('trackEvents', (e) => got.push(`track:${e.frame}`));
      replica.subscribe('status', (s) => got.push(`camera:${s.state}`));
    }
    await Promise.all([a.whenConnected(), b.whenConnected()]);

    const expected: string[] = [];
    for (let n = 0; n < 200; n++) {
      a.publish('trackEvents', trackEvent(n));
      expected.push(`track:${n}`);
      if (n % 50 === 0) {
        a.publish('status', { cameraId: 'cam1', state: `s${n}` });
        expected.push(`camera:s${n}`);
      }
    }
    // Local delivery is synchronous: A has everything before Redis is involved.
    expect(onA).toEqual(expected);
    await waitFor('B to receive', () => onB.length >= expected.length);
    // Per topic the order is the publisher's (the two topics are separate channels, so only per-topic order holds).
    const perTopic = (list: string[], topic: string) => list.filter((x) => x.startsWith(topic));
    expect(perTopic(onB, 'track:')).toEqual(perTopic(expected, 'track:'));
    expect(perTopic(onB, 'camera:')).toEqual(perTopic(expected, 'camera:'));
    // The other way round, and no echo reaches A twice.
    b.publish('status', { cameraId: 'cam2', state: 'live' });
    await waitFor('A to receive from B', () => onA.includes('camera:live'));
    await new Promise((r) => setTimeout(r, 50));
    expect(onA).toHaveLength(expected.length + 1);
    expect(onB).toHaveLength(expected.length + 1);
    expect(a.stats).toMatchObject({ published: expected.length, dropped: 0, delivered: 1, malformed: 0, connected: true });
    expect(b.stats).toMatchObject({ published: 1, dropped: 0, delivered: expected.length });
  });

  it('a publish from inside a handler reaches the other replicas after the event that caused it', async () => {
    const a = bus();
    const b = bus();
    const onB: string[] = [];
    a.subscribe('status', (s) => {
      if (s.state === 'cause') a.publish('status', { cameraId: s.cameraId, state: 'effect' });
    });
    b.subscribe('status', (s) => onB.push(s.state));
    await Promise.all([a.whenConnected(), b.whenConnected()]);
    a.publish('status', { cameraId: 'c', state: 'cause' });
    await waitFor('both', () => onB.length === 2);
    expect(onB).toEqual(['cause', 'effect']);
  });

  it('payloads arrive as equal JSON data', async () => {
    const a = bus();
    const b = bus();
    const got: TrackEvent[] = [];
    b.subscribe('trackEvents', (e) => got.push(e));
    await Promise.all([a.whenConnected(), b.whenConnected()]);
    const sent = { ...trackEvent(7), snapshot: { face: 'cam1/t1/face.jpg', context: 'cam1/t1/context.jpg' } };
    a.publish('trackEvents', sent);
    await waitFor('delivery', () => got.length === 1);
    expect(got[0]).toEqual(sent);
    expect(got[0]).not.toBe(sent);
  });

  it('a payload that is not JSON-serializable is dropped and reported, locally delivered, never thrown', async () => {
    const a = bus();
    const local: unknown[] = [];
    a.subscribe('status', (s) => local.push(s));
    await a.whenConnected();
    const bad = { cameraId: 'cam1', state: 'live', size: 1n } as unknown as Topics['status'];
    expect(() => a.publish('status', bad)).not.toThrow();
    expect(local).toEqual([bad]);
    expect(a.stats.dropped).toBe(1);
    expect(errors.some((e) => e.startsWith('status payload is not JSON-serializable'))).toBe(true);
  });

  it('unsubscribe stops delivery and releases the Redis channel once the last local handler is gone', async () => {
    const a = bus();
    const b = bus();
    const first: number[] = [];
    const second: number[] = [];
    const offFirst = b.subscribe('trackEvents', (e) => first.push(e.frame));
    const offSecond = b.subscribe('trackEvents', (e) => second.push(e.frame));
    const statuses: string[] = [];
    b.subscribe('status', (s) => statuses.push(s.state));
    await Promise.all([a.whenConnected(), b.whenConnected()]);
    const numsub = async () => Number((await server!.command('PUBSUB', 'NUMSUB', 'boostface:trackEvents') as [string, number])[1]);
    expect(await numsub()).toBe(1); // one channel subscription per replica, however many local handlers

    a.publish('trackEvents', trackEvent(1));
    await waitFor('first event', () => second.length === 1);
    offFirst();
    offFirst(); // twice is harmless
    a.publish('trackEvents', trackEvent(2));
    await waitFor('second event', () => second.length === 2);
    expect(first).toEqual([1]);

    offSecond();
    await b.whenConnected(); // the UNSUBSCRIBE has been acknowledged
    expect(await numsub()).toBe(0);
    a.publish('trackEvents', trackEvent(3));
    a.publish('status', { cameraId: 'cam1', state: 'barrier' });
    await waitFor('barrier', () => statuses.includes('barrier'));
    expect(second).toEqual([1, 2]);
  });

  it('a redis restart mid-stream: publishes during the outage are dropped and counted, delivery resumes after', async () => {
    const a = bus();
    const b = bus();
    const onA: number[] = [];
    const onB: number[] = [];
    a.subscribe('trackEvents', (e) => onA.push(e.frame));
    b.subscribe('trackEvents', (e) => onB.push(e.frame));
    await Promise.all([a.whenConnected(), b.whenConnected()]);
    for (let n = 0; n < 10; n++) a.publish('trackEvents', trackEvent(n));
    await waitFor('before the outage', () => onB.length === 10);

    await server!.down('SIGKILL');
    await waitFor('both replicas to notice', () => !a.stats.connected && !b.stats.connected);
    const t0 = performance.now();
    for (let n = 10; n < 20; n++) a.publish('trackEvents', trackEvent(n));
    b.publish('trackEvents', trackEvent(99));
    // Never blocks: ten publishes into a dead Redis take well under a millisecond each.
    expect(performance.now() - t0).toBeLessThan(20);
    expect(a.stats.dropped).toBe(10);
    expect(b.stats.dropped).toBe(1);

    await server!.up();
    await Promise.all([a.whenConnected(), b.whenConnected()]);
    for (let n = 20; n < 30; n++) a.publish('trackEvents', trackEvent(n));
    await waitFor('after the outage', () => onB.length === 21);
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
    expect(onB).toEqual([...range(0, 10), 99, ...range(20, 30)]); // B's own publish was delivered locally
    expect(onA).toEqual(range(0, 30)); // A kept delivering to its own subscribers throughout
    expect(a.stats).toMatchObject({ published: 20, dropped: 10, connected: true });
    // The outage was reported, once per connection, not thrown.
    expect(errors.filter((e) => e === 'publisher connection: connection lost')).toHaveLength(2);
    expect(errors.filter((e) => e === 'subscriber connection: connection lost')).toHaveLength(2);
  });

  it('Redis too slow to answer: publishes beyond maxInFlight are dropped, not queued; the rest arrive', async () => {
    const a = bus({ maxInFlight: 5 });
    const b = bus();
    const onB: number[] = [];
    b.subscribe('trackEvents', (e) => onB.push(e.frame));
    await Promise.all([a.whenConnected(), b.whenConnected()]);
    await server!.command('CLIENT', 'PAUSE', 300, 'ALL');
    await new Promise((r) => setTimeout(r, 20));
    for (let n = 0; n < 50; n++) a.publish('trackEvents', trackEvent(n));
    expect(a.stats).toMatchObject({ published: 0, dropped: 45 });
    await waitFor('the paused five', () => onB.length === 5, 5000);
    expect(onB).toEqual([0, 1, 2, 3, 4]);
    expect(a.stats).toMatchObject({ published: 5, dropped: 45 });
  });

  it('channels carry the prefix: deployments with different prefixes do not hear each other', async () => {
    const a = bus();
    const other = bus({ prefix: 'staging' });
    const got: string[] = [];
    other.subscribe('status', (s) => got.push(s.state));
    await Promise.all([a.whenConnected(), other.whenConnected()]);
    a.publish('status', { cameraId: 'c', state: 'boostface' });
    other.publish('status', { cameraId: 'c', state: 'staging-local' });
    const c = bus({ prefix: 'staging' });
    await c.whenConnected();
    c.publish('status', { cameraId: 'c', state: 'staging-remote' });
    await waitFor('staging delivery', () => got.includes('staging-remote'));
    expect(got).toEqual(['staging-local', 'staging-remote']);
    expect(await busConnections('staging')).toEqual(['staging:pub', 'staging:pub', 'staging:sub', 'staging:sub']);
  });

  it('close() quits both connections of each replica', async () => {
    const a = bus();
    const b = bus();
    a.subscribe('trackEvents', () => {});
    b.subscribe('trackEvents', () => {});
    await Promise.all([a.whenConnected(), b.whenConnected()]);
    expect(await busConnections()).toEqual(['boostface:pub', 'boostface:pub', 'boostface:sub', 'boostface:sub']);
    await a.close();
    expect(await busConnections()).toEqual(['boostface:pub', 'boostface:sub']);
    await b.close();
    expect(await busConnections()).toEqual([]);
    // Only the connection asking is left.
    expect(String(await server!.command('INFO', 'clients'))).toMatch(/connected_clients:1\r?\n/);
    expect(a.stats.connected).toBe(false);
  });
});
