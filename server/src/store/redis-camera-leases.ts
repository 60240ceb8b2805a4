/**
 * The camera lease table in Redis (the LeaseStore and CameraHealthSource of camera-leases.ts), over ioredis. Keys,
 * under the deployment's prefix:
 *
 *   {prefix}:workers        sorted set: worker id → when its heartbeat runs out (ms, Redis' own clock)
 *   {prefix}:lease:{camera} string: the holder's worker id, with a PX ttl
 *   {prefix}:health:{camera} string: the holder's SourceHealth as JSON, with a PX ttl
 *
 * Atomicity: a lease is taken with SET NX PX; renew and release check the holder and act in one Lua script, so a
 * worker never extends or deletes a lease another worker took after its own expired. Heartbeats use Redis' clock
 * (TIME inside the script): worker clocks may differ, the live set does not depend on them.
 */
import type { Redis } from 'ioredis';
import type { CameraHealthSource, LeaseStore } from '../cameras/camera-leases.js';
import type { SourceHealth } from '../cameras/source-health.js';

const HEARTBEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return redis.call('ZRANGE', KEYS[1], 0, -1)`;

const RENEW = `
local held = {}
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then
    redis.call('PEXPIRE', key, ARGV[2])
    held[i] = 1
  else
    held[i] = 0
  end
end
return held`;

const RELEASE = `
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
end
return 0`;

export class RedisLeaseStore implements LeaseStore, CameraHealthSource {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private get workersKey() {
    return `${this.prefix}:workers`;
  }

  private leaseKey(cameraId: string) {
    return `${this.prefix}:lease:${cameraId}`;
  }

  private healthKey(cameraId: string) {
    return `${this.prefix}:health:${cameraId}`;
  }

  async heartbeat(workerId: string, ttlMs: number): Promise<string[]> {
    return (await this.redis.eval(HEARTBEAT, 1, this.workersKey, workerId, Math.round(ttlMs))) as string[];
  }

  async leave(workerId: string): Promise<void> {
    await this.redis.zrem(this.workersKey, workerId);
  }

  owners(cameraIds: readonly string[]): Promise<Map<string, string>> {
    return this.readEach(cameraIds, (id) => this.leaseKey(id), (owner) => owner);
  }

  async acquire(cameraId: string, workerId: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.leaseKey(cameraId), workerId, 'PX', Math.round(ttlMs), 'NX')) === 'OK';
  }

  async renew(cameraIds: readonly string[], workerId: string, ttlMs: number): Promise<boolean[]> {
    if (!cameraIds.length) return [];
    const keys = cameraIds.map((id) => this.leaseKey(id));
    const held = (await this.redis.eval(RENEW, keys.length, ...keys, workerId, Math.round(ttlMs))) as number[];
    return held.map((h) => h === 1);
  }

  async release(cameraIds: readonly string[], workerId: string): Promise<void> {
    if (!cameraIds.length) return;
    const keys = cameraIds.map((id) => this.leaseKey(id));
    await this.redis.eval(RELEASE, keys.length, ...keys, workerId);
  }

  async putHealth(reports: ReadonlyMap<string, SourceHealth>, ttlMs: number): Promise<void> {
    if (!reports.size) return;
    const batch = this.redis.multi();
    for (const [id, health] of reports) batch.set(this.healthKey(id), JSON.stringify(health), 'PX', Math.round(ttlMs));
    for (const [err] of (await batch.exec()) ?? []) if (err) throw err;
  }

  health(cameraIds: readonly string[]): Promise<Map<string, SourceHealth>> {
    return this.readEach(cameraIds, (id) => this.healthKey(id), (json) => JSON.parse(json) as SourceHealth);
  }

  /** One MGET for the cameras' keys; cameras without a value are left out. */
  private async readEach<T>(cameraIds: readonly string[], keyOf: (id: string) => string, parse: (value: string) => T): Promise<Map<string, T>> {
    const out = new Map<string, T>();
    if (!cameraIds.length) return out;
    const values = await this.redis.mget(cameraIds.map(keyOf));
    cameraIds.forEach((id, i) => {
      const value = values[i];
      if (value !== null) out.set(id, parse(value));
    });
    return out;
  }
}
