import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisBus } from './redis-bus.js';

// Behaviour with no Redis reachable; the adapter against a real server is tested in server/test/redis-bus.test.ts.

type Topics = { a: { n: number }; b: { s: string } };

/** A loopback port nobody listens on (bound, then released). */
function deadPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

describe('RedisBus without Redis', () => {
  const buses: RedisBus<Topics>[] = [];
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.close()));
  });

  it('still delivers locally and synchronously, never throws, counts the publishes it could not send', async () => {
    const errors: string[] = [];
    const bus = new RedisBus<Topics>({ url: `redis://127.0.0.1:${await deadPort()}`, onError: (what) => errors.push(what) });
    buses.push(bus);
    const got: number[] = [];
    bus.subscribe('a', (p) => got.push(p.n));
    for (let n = 0; n < 100; n++) expect(() => bus.publish('a', { n })).not.toThrow();
    expect(got).toHaveLength(100);
    expect(bus.stats).toMatchObject({ published: 0, dropped: 100, delivered: 0, connected: false });
    // Give ioredis time to fail a few reconnects: the outage is reported once per connection, not per attempt.
    await new Promise((r) => setTimeout(r, 400));
    expect(errors.filter((e) => e.startsWith('publisher')).length).toBe(1);
    expect(errors.filter((e) => e.startsWith('subscriber')).length).toBe(1);
  });

  it('whenConnected() rejects after its timeout, naming the connection states', async () => {
    const bus = new RedisBus<Topics>({ url: `redis://127.0.0.1:${await deadPort()}`, onError: () => {} });
    buses.push(bus);
    await expect(bus.whenConnected(150)).rejects.toThrow(/not connected within 150 ms \(publisher \w+, subscriber \w+\)/);
  });

  it('close() returns at once while reconnecting and stops all delivery', async () => {
    const bus = new RedisBus<Topics>({ url: `redis://127.0.0.1:${await deadPort()}`, onError: () => {} });
    const got: number[] = [];
    bus.subscribe('a', (p) => got.push(p.n));
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await bus.close();
    expect(Date.now() - t0).toBeLessThan(500);
    bus.publish('a', { n: 1 });
    expect(got).toEqual([]);
    expect(bus.stats.dropped).toBe(0);
  });

  it('isolates a throwing handler and reports it', async () => {
    const errors: string[] = [];
    const bus = new RedisBus<Topics>({ url: `redis://127.0.0.1:${await deadPort()}`, onError: (what) => errors.push(what) });
    buses.push(bus);
    const got: string[] = [];
    bus.subscribe('b', () => {
      throw new Error('boom');
    });
    bus.subscribe('b', (p) => got.push(p.s));
    bus.publish('b', { s: 'x' });
    expect(got).toEqual(['x']);
    expect(errors).toContain('b handler failed');
  });
});
