/**
 * The shared API records against a real redis-server: the token store (the TokenStore contract, as SQLite;
 * revocation notices reaching another process' store; replicas racing to apply the same BOOSTFACE_ADMIN_TOKEN) and
 * the audit log (the AuditLog contract; entries of several processes in one order; the cap); the shared wall (the
 * WallStore contract, every store of a test on a connection of its own, as replicas have) and who watches it from
 * which process (SharedWallPresence).
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { auditLogContract } from '../src/store/audit-log-contract.js';
import { SharedWallPresence } from '../src/api/shared-wall-presence.js';
import { RedisAuditLog } from '../src/store/redis-audit-log.js';
import { RedisTokenStore } from '../src/store/redis-token-store.js';
import { RedisWallStore } from '../src/store/redis-wall-store.js';
import { tokenStoreContract } from '../src/store/token-store-contract.js';
import { wallStoreContract } from '../src/store/wall-store-contract.js';
import { freshPrefix, redisForSuite } from './redis-server.js';

const { server, skipReason, connect } = await redisForSuite('redis API store tests');

/** Every key under a prefix with its whole content, as text. */
async function dump(redis: Redis, prefix: string): Promise<string> {
  const out: string[] = [];
  for (const key of (await redis.keys(`${prefix}:*`)).sort()) {
    const type = await redis.type(key);
    const value = type === 'hash' ? await redis.hgetall(key) : type === 'stream' ? await redis.xrange(key, '-', '+') : await redis.get(key);
    out.push(key, JSON.stringify(value));
  }
  return out.join('\n');
}

if (server) {
  tokenStoreContract('redis', async (now) => {
    const redis = await connect();
    const prefix = freshPrefix();
    const store = new RedisTokenStore(redis, prefix, now);
    return {
      store,
      stored: () => dump(redis, prefix),
      demote: async (id) => {
        const record = JSON.parse((await redis.hget(`${prefix}:tokens`, id))!) as Record<string, unknown>;
        await redis.hset(`${prefix}:tokens`, id, JSON.stringify({ ...record, role: 'viewer', cameraScope: ['c'] }));
      },
      cleanup: async () => {
        await store.close();
        redis.disconnect();
      },
    };
  });

  describe('RedisTokenStore across processes', () => {
    it('tells every store sharing the prefix about a revocation, and only about real ones', async () => {
      const [r1, r2] = [await connect(), await connect()];
      const prefix = freshPrefix();
      const [one, two] = [new RedisTokenStore(r1, prefix), new RedisTokenStore(r2, prefix)];
      const heard: string[] = [];
      two.onRevoked((id) => heard.push(id));
      await new Promise((r) => setTimeout(r, 200)); // the subscription is made
      const { token, secret } = await one.create({ name: 'kiosk', role: 'viewer' });
      expect((await two.authenticate(secret))?.id).toBe(token.id);
      expect(await one.revoke(token.id)).toBe(true);
      expect(await one.revoke(token.id)).toBe(false);
      await expect.poll(() => heard, { timeout: 2000 }).toEqual([token.id]);
      expect(await two.authenticate(secret)).toBeUndefined();
      await new Promise((r) => setTimeout(r, 200));
      expect(heard).toEqual([token.id]);
      await Promise.all([one.close(), two.close()]);
      r1.disconnect();
      r2.disconnect();
    });

    it('applies one BOOSTFACE_ADMIN_TOKEN once when replicas start together, and a first admin only once', async () => {
      const redis = [await connect(), await connect(), await connect()];
      const prefix = freshPrefix();
      const stores = redis.map((r) => new RedisTokenStore(r, prefix));
      const results = await Promise.all(stores.map((s) => s.ensureAdminSecret('the-same-admin-secret', 'env')));
      expect(results.filter((r) => r.outcome === 'created')).toHaveLength(1);
      expect(new Set(results.map((r) => r.token.id)).size).toBe(1);
      expect(await stores[0].count()).toBe(1);

      const other = freshPrefix();
      const firsts = await Promise.all(redis.map((r) => new RedisTokenStore(r, other).createFirstAdmin('first')));
      expect(firsts.filter(Boolean)).toHaveLength(1);
      for (const r of redis) r.disconnect();
    });

    it('fails closed with UNAVAILABLE when Redis is unreachable', async () => {
      const redis = await connect();
      const store = new RedisTokenStore(redis, freshPrefix());
      redis.disconnect();
      await expect(store.authenticate('bf_whatever-secret-value')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    });
  });

  auditLogContract('redis', async (now) => {
    const redis = await connect();
    const prefix = freshPrefix();
    return { log: new RedisAuditLog(redis, prefix, { now }), stored: () => dump(redis, prefix), cleanup: async () => void redis.disconnect() };
  });

  describe('RedisAuditLog across processes', () => {
    it('keeps the entries of every process in one order, stamped by Redis, and caps its length', async () => {
      const [r1, r2] = [await connect(), await connect()];
      const prefix = freshPrefix();
      const [one, two] = [new RedisAuditLog(r1, prefix, { cap: 10 }), new RedisAuditLog(r2, prefix, { cap: 10 })];
      const before = Date.now();
      for (let i = 0; i < 300; i++) await (i % 2 ? two : one).append({ actor: null, action: 'a', target: `t${i}`, outcome: 'ok' });
      const page = await two.query({ first: 500 });
      // MAXLEN ~ trims whole nodes of the stream: at most a node more than the cap is kept, newest first.
      expect(page.items.length).toBeGreaterThanOrEqual(10);
      expect(page.items.length).toBeLessThan(300);
      expect(page.items.slice(0, 3).map((e) => e.target)).toEqual(['t299', 't298', 't297']);
      expect(page.items.every((e) => e.at >= before - 1000 && e.at <= Date.now() + 1000)).toBe(true);
      const seqs = page.items.map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
      r1.disconnect();
      r2.disconnect();
    });
  });

  wallStoreContract('redis', async () => {
    const prefix = freshPrefix();
    const connections = [await connect()];
    return {
      store: new RedisWallStore(connections[0], prefix),
      other: async () => {
        const redis = await connect();
        connections.push(redis);
        return new RedisWallStore(redis, prefix);
      },
      cleanup: async () => {
        for (const r of connections) r.disconnect();
      },
    };
  });

  describe('RedisWallStore', () => {
    it('keeps the wall as one JSON document with its version, and fails with UNAVAILABLE when Redis is unreachable', async () => {
      const redis = await connect();
      const prefix = freshPrefix();
      const store = new RedisWallStore(redis, prefix);
      const s = await store.apply({ op: 'assign', tile: 2, cameraId: 'cam' }, 'alice', 0, 42);
      expect(JSON.parse((await redis.get(`${prefix}:wall`))!)).toEqual(s);
      expect(s).toMatchObject({ version: 1, updatedAt: 42, updatedBy: 'alice' });
      await redis.set(`${prefix}:wall`, '{not json');
      await expect(store.get()).rejects.toMatchObject({ code: 'CORRUPT_STORE' });
      redis.disconnect();
      await expect(store.get()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await expect(store.apply({ op: 'focus', tile: null }, 'alice')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    });
  });

  describe('SharedWallPresence', () => {
    const alice = { tokenId: 'tok_a', name: 'alice', role: 'operator' };
    const bob = { tokenId: 'tok_b', name: 'bob', role: 'admin' };

    it('lists the operators of every process, a token once, written before each change is announced', async () => {
      const [r1, r2] = [await connect(), await connect()];
      const prefix = freshPrefix();
      const seenByTwo: string[][] = [];
      let two: SharedWallPresence | undefined = undefined;
      const one = new SharedWallPresence(r1, prefix, () => void two!.list().then((l) => seenByTwo.push(l.map((e) => e.name))));
      two = new SharedWallPresence(r2, prefix, () => undefined);
      const aliceOnOne = one.join(alice, 10);
      await expect.poll(() => seenByTwo).toEqual([['alice']]);
      const bobOnTwo = two.join(bob, 20);
      const aliceOnTwo = two.join(alice, 30);
      await expect.poll(async () => (await one.list()).map((e) => [e.name, e.since])).toEqual([
        ['alice', 10],
        ['bob', 20],
      ]);
      aliceOnOne();
      await expect.poll(() => seenByTwo.length).toBe(2);
      expect(seenByTwo[1]).toEqual(['bob', 'alice']); // alice still watches through process two, since she joined there
      aliceOnTwo();
      bobOnTwo();
      await expect.poll(async () => (await one.list()).length).toBe(0);
      await Promise.all([one.close(), two.close()]);
      expect(await r1.keys(`${prefix}:*`)).toEqual([]);
      r1.disconnect();
      r2.disconnect();
    });

    it('drops the operators of a process that stopped refreshing once its key expires, and keeps a live one listed', async () => {
      const [r1, r2] = [await connect(), await connect()];
      const prefix = freshPrefix();
      const crashed = new SharedWallPresence(r1, prefix, () => undefined, { ttlMs: 300, refreshMs: 60_000, processId: 'crashed' });
      const live = new SharedWallPresence(r2, prefix, () => undefined, { ttlMs: 300, refreshMs: 100, processId: 'live' });
      crashed.join(alice, 1);
      live.join(bob, 2);
      const r3 = await connect();
      const reader = new SharedWallPresence(r3, prefix, () => undefined);
      await expect.poll(async () => (await reader.list()).map((e) => e.name)).toEqual(['alice', 'bob']);
      await new Promise((r) => setTimeout(r, 600));
      expect((await reader.list()).map((e) => e.name)).toEqual(['bob']);
      expect(await r1.smembers(`${prefix}:wall:presence`)).toEqual(['live']);
      await Promise.all([crashed.close(), live.close(), reader.close()]);
      for (const r of [r1, r2, r3]) r.disconnect();
    });
  });
} else {
  describe.skip(`redis API stores (${skipReason})`, () => {
    it('needs redis-server', () => {});
  });
}
