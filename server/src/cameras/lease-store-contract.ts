/**
 * The contract every LeaseStore adapter passes (it also serves health to API replicas: CameraHealthSource), and an
 * in-memory adapter for tests. Call it from the adapter's test file:
 *
 *   leaseStoreContract('redis', async () => ({ store, cleanup }));
 *
 * `make` is called once per test and hands back an empty store. Times are real (ttls of a few hundred ms).
 *
 * What it pins down: heartbeats list live workers until their ttl runs out or they leave; a lease has one holder,
 * taken only when free, renewed and released only by its holder, free again after its ttl; health reports come back
 * as written and disappear with their ttl.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CameraHealthSource, LeaseStore } from './camera-leases.js';
import type { SourceHealth } from './source-health.js';

export interface LeaseStoreSubject {
  store: LeaseStore & CameraHealthSource;
  cleanup: () => Promise<void>;
}

/** Test-only adapter: expiry times in Maps, by Date.now(). */
export class MemoryLeaseStore implements LeaseStore, CameraHealthSource {
  private readonly workers = new Map<string, number>();
  private readonly leases = new Map<string, { owner: string; until: number }>();
  private readonly reports = new Map<string, { health: SourceHealth; until: number }>();

  async heartbeat(workerId: string, ttlMs: number): Promise<string[]> {
    const now = Date.now();
    this.workers.set(workerId, now + ttlMs);
    return [...this.workers].filter(([, until]) => until > now).map(([id]) => id).sort();
  }

  async leave(workerId: string): Promise<void> {
    this.workers.delete(workerId);
  }

  private lease(cameraId: string) {
    const l = this.leases.get(cameraId);
    return l && l.until > Date.now() ? l : undefined;
  }

  async owners(cameraIds: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const id of cameraIds) {
      const l = this.lease(id);
      if (l) out.set(id, l.owner);
    }
    return out;
  }

  async acquire(cameraId: string, workerId: string, ttlMs: number): Promise<boolean> {
    if (this.lease(cameraId)) return false;
    this.leases.set(cameraId, { owner: workerId, until: Date.now() + ttlMs });
    return true;
  }

  async renew(cameraIds: readonly string[], workerId: string, ttlMs: number): Promise<boolean[]> {
    return cameraIds.map((id) => {
      const l = this.lease(id);
      if (l?.owner !== workerId) return false;
      l.until = Date.now() + ttlMs;
      return true;
    });
  }

  async release(cameraIds: readonly string[], workerId: string): Promise<void> {
    for (const id of cameraIds) if (this.lease(id)?.owner === workerId) this.leases.delete(id);
  }

  async putHealth(reports: ReadonlyMap<string, SourceHealth>, ttlMs: number): Promise<void> {
    for (const [id, health] of reports) this.reports.set(id, { health: structuredClone(health), until: Date.now() + ttlMs });
  }

  async health(cameraIds: readonly string[]): Promise<Map<string, SourceHealth>> {
    const out = new Map<string, SourceHealth>();
    for (const id of cameraIds) {
      const r = this.reports.get(id);
      if (r && r.until > Date.now()) out.set(id, structuredClone(r.health));
    }
    return out;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function leaseStoreContract(name: string, make: () => Promise<LeaseStoreSubject>): void {
  describe(`LeaseStore contract: ${name}`, () => {
    let subject: LeaseStoreSubject | undefined;
    afterEach(async () => {
      await subject?.cleanup();
      subject = undefined;
    });

    it('lists live workers until their heartbeat runs out or they leave', async () => {
      subject = await make();
      const s = subject.store;
      expect(await s.heartbeat('w1', 300)).toEqual(['w1']);
      expect((await s.heartbeat('w2', 5000)).sort()).toEqual(['w1', 'w2']);
      await sleep(400);
      expect(await s.heartbeat('w3', 5000)).toEqual(['w2', 'w3']);
      await s.leave('w2');
      expect(await s.heartbeat('w3', 5000)).toEqual(['w3']);
    });

    it('gives a lease to one worker; only the holder renews or releases it', async () => {
      subject = await make();
      const s = subject.store;
      expect(await s.acquire('door', 'w1', 5000)).toBe(true);
      expect(await s.acquire('door', 'w2', 5000)).toBe(false);
      expect(await s.acquire('gate', 'w2', 5000)).toBe(true);
      expect(await s.owners(['door', 'gate', 'hall'])).toEqual(new Map([['door', 'w1'], ['gate', 'w2']]));
      expect(await s.renew(['door', 'gate', 'hall'], 'w1', 5000)).toEqual([true, false, false]);
      await s.release(['door', 'gate'], 'w1');
      expect(await s.owners(['door', 'gate'])).toEqual(new Map([['gate', 'w2']]));
      expect(await s.acquire('door', 'w2', 5000)).toBe(true);
    });

    it('a renewed lease outlives its first ttl; a lease not renewed is free after its ttl', async () => {
      subject = await make();
      const s = subject.store;
      expect(await s.acquire('kept', 'w1', 400)).toBe(true);
      expect(await s.acquire('lapsed', 'w1', 400)).toBe(true);
      await sleep(250);
      expect(await s.renew(['kept'], 'w1', 400)).toEqual([true]);
      await sleep(250);
      expect(await s.owners(['kept', 'lapsed'])).toEqual(new Map([['kept', 'w1']]));
      expect(await s.acquire('lapsed', 'w2', 400)).toBe(true);
      expect(await s.renew(['lapsed'], 'w1', 400)).toEqual([false]);
    });

    it('keeps health reports for their ttl', async () => {
      subject = await make();
      const s = subject.store;
      const live: SourceHealth = { state: 'live', since: 1000, framesReceived: 42, reconnects: 1, width: 640, height: 360, fps: 25, lastError: 'x' };
      const starting: SourceHealth = { state: 'starting', since: 2000, framesReceived: 0, reconnects: 0 };
      await s.putHealth(new Map([['door', live]]), 5000);
      await s.putHealth(new Map([['gate', starting]]), 300);
      expect(await s.health(['door', 'gate', 'hall'])).toEqual(new Map([['door', live], ['gate', starting]]));
      await sleep(400);
      expect(await s.health(['door', 'gate'])).toEqual(new Map([['door', live]]));
    });
  });
}
