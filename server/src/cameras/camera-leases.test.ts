import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { lineLogger } from '../log/logger.js';
import { parseCameraConfig, type CameraConfig } from './camera-config.js';
import { CameraLeaseKeeper, sameConfig, type CameraRunner, type LeaseStore } from './camera-leases.js';
import { leaseStoreContract, MemoryLeaseStore } from './lease-store-contract.js';
import type { SourceHealth } from './source-health.js';

leaseStoreContract('memory', async () => ({ store: new MemoryLeaseStore(), cleanup: async () => undefined }));

const TTL = 3000;

/** Every worker's running cameras, checked for a camera running on two workers at once. */
class Cluster {
  readonly running = new Map<string, string>();
  overlaps = 0;
  readonly updates: string[] = [];

  runner(worker: string): CameraRunner & { ids(): string[] } {
    const mine = new Map<string, CameraConfig>();
    return {
      start: async (camera) => {
        if (this.running.has(camera.id)) this.overlaps++;
        this.running.set(camera.id, worker);
        mine.set(camera.id, camera);
      },
      update: async (camera) => {
        mine.set(camera.id, camera);
        this.updates.push(`${worker}:${camera.id}:${camera.name}`);
      },
      stop: async (id) => {
        mine.delete(id);
        if (this.running.get(id) === worker) this.running.delete(id);
      },
      health: (id): SourceHealth | undefined => (mine.has(id) ? { state: 'live', since: 0, framesReceived: 1, reconnects: 0 } : undefined),
      ids: () => [...mine.keys()].sort(),
    };
  }

  perWorker(): Record<string, number> {
    const c: Record<string, number> = {};
    for (const w of this.running.values()) c[w] = (c[w] ?? 0) + 1;
    return c;
  }
}

/** A store seen through a network that can be cut. */
function partitionable(store: LeaseStore): LeaseStore & { cut: boolean } {
  const p = { cut: false } as LeaseStore & { cut: boolean };
  for (const name of ['heartbeat', 'leave', 'owners', 'acquire', 'renew', 'release', 'putHealth'] as const) {
    (p as unknown as Record<string, unknown>)[name] = (...args: unknown[]) =>
      p.cut ? Promise.reject(new Error('connection lost')) : (store[name] as (...a: unknown[]) => Promise<unknown>).apply(store, args);
  }
  return p;
}

const camera = (id: string, extra: Record<string, unknown> = {}) => parseCameraConfig({ id, name: id, url: `rtsp://10.0.0.1/${id}`, ...extra });

describe('CameraLeaseKeeper', () => {
  let store: MemoryLeaseStore;
  let cluster: Cluster;
  let configs: CameraConfig[];
  const keepers: CameraLeaseKeeper[] = [];
  const quiet = lineLogger(() => undefined);

  beforeEach(() => {
    vi.useFakeTimers();
    store = new MemoryLeaseStore();
    cluster = new Cluster();
    configs = ['a', 'b', 'c', 'd'].map((id) => camera(id));
  });

  afterEach(async () => {
    // stop() clears each keeper's timer at once, then waits for camera stops that may sit on fake timers
    const stops = keepers.splice(0).map((k) => k.stop());
    await vi.runAllTimersAsync();
    await Promise.all(stops);
    vi.useRealTimers();
  });

  function keeper(worker: string, via: LeaseStore = store) {
    const runner = cluster.runner(worker);
    const k = new CameraLeaseKeeper({ workerId: worker, store: via, cameras: async () => configs, runner, ttlMs: TTL, log: quiet });
    keepers.push(k);
    return { k, runner };
  }

  it('runs each enabled camera on exactly one worker, balanced, and hands cameras over to a worker that joins', async () => {
    const w1 = keeper('w1');
    await w1.k.start();
    expect(w1.k.running()).toEqual(['a', 'b', 'c', 'd']);
    const w2 = keeper('w2');
    await w2.k.start();
    await vi.advanceTimersByTimeAsync(5 * w1.k.intervalMs);
    expect(cluster.perWorker()).toEqual({ w1: 2, w2: 2 });
    expect(cluster.overlaps).toBe(0);
    expect([...w1.k.running(), ...w2.k.running()].sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('applies configuration changes: updated in place, stopped and released when disabled or removed, started when added', async () => {
    const w1 = keeper('w1');
    await w1.k.start();
    configs = [camera('a', { name: 'A renamed' }), camera('b', { enabled: false }), camera('c'), camera('e')];
    w1.k.poke();
    await vi.advanceTimersByTimeAsync(0);
    expect(cluster.updates).toEqual(['w1:a:A renamed']);
    expect(w1.runner.ids()).toEqual(['a', 'c', 'e']);
    expect(await store.owners(['a', 'b', 'c', 'd', 'e'])).toEqual(new Map([['a', 'w1'], ['c', 'w1'], ['e', 'w1']]));
  });

  it('a worker that dies silently: its cameras move to the survivor within ttl + interval', async () => {
    const dying = partitionable(store);
    const w1 = keeper('w1', dying);
    await w1.k.start();
    const w2 = keeper('w2');
    await w2.k.start();
    await vi.advanceTimersByTimeAsync(5 * w1.k.intervalMs);
    const moved = w1.runner.ids();
    expect(moved.length).toBe(2);
    dying.cut = true;
    const cutAt = Date.now();
    let takenAt: number | undefined;
    for (let t = 0; t < 3 * TTL && takenAt === undefined; t += 100) {
      await vi.advanceTimersByTimeAsync(100);
      if (moved.every((id) => cluster.running.get(id) === 'w2')) takenAt = Date.now();
      // never two workers at once: the cut-off worker stops its cameras before their leases can lapse
      expect(cluster.overlaps).toBe(0);
    }
    expect(takenAt).toBeDefined();
    expect(takenAt! - cutAt).toBeLessThanOrEqual(TTL + w2.k.intervalMs + 100);
    expect(w1.runner.ids()).toEqual([]);
    expect(w2.k.running()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('stops a camera whose lease another worker now holds (this worker was paused past the ttl)', async () => {
    const w1 = keeper('w1');
    await w1.k.start();
    // the lease lapsed and an intruder took it, as after a long pause
    await store.release(['a'], 'w1');
    expect(await store.acquire('a', 'intruder', TTL)).toBe(true);
    await vi.advanceTimersByTimeAsync(w1.k.intervalMs);
    expect(w1.runner.ids()).toEqual(['b', 'c', 'd']);
  });

  it('a slow camera stop does not hold up the renewal of the other leases; its lease is released once it stopped', async () => {
    const runner = cluster.runner('w1');
    const slow = { ...runner, stop: async (id: string) => {
      await new Promise((r) => setTimeout(r, 2 * TTL));
      await runner.stop(id);
    } };
    const k = new CameraLeaseKeeper({ workerId: 'w1', store, cameras: async () => configs, runner: slow, ttlMs: TTL, log: quiet });
    keepers.push(k);
    await k.start();
    configs = configs.filter((c) => c.id !== 'a');
    k.poke();
    await vi.advanceTimersByTimeAsync(2 * k.intervalMs);
    // 'a' is still stopping: its lease is not given up before the camera has stopped
    expect(await store.owners(['a', 'b', 'c', 'd'])).toEqual(new Map([['a', 'w1'], ['b', 'w1'], ['c', 'w1'], ['d', 'w1']]));
    await vi.advanceTimersByTimeAsync(TTL);
    // the others were renewed meanwhile (not fenced off)
    expect(k.running()).toEqual(['b', 'c', 'd']);
    expect(await store.owners(['b', 'c', 'd'])).toEqual(new Map([['b', 'w1'], ['c', 'w1'], ['d', 'w1']]));
    await vi.advanceTimersByTimeAsync(TTL);
    expect(runner.ids()).toEqual(['b', 'c', 'd']);
    expect((await store.owners(['a', 'b'])).has('a')).toBe(false);
  });

  it('a clean stop releases every lease and leaves at once', async () => {
    const w1 = keeper('w1');
    await w1.k.start();
    await w1.k.stop();
    expect(w1.runner.ids()).toEqual([]);
    expect(await store.owners(['a', 'b', 'c', 'd'])).toEqual(new Map());
    expect(await store.heartbeat('w2', TTL)).toEqual(['w2']);
  });

  it('writes the health of the cameras it runs', async () => {
    const w1 = keeper('w1');
    await w1.k.start();
    expect([...(await store.health(['a', 'z'])).keys()]).toEqual(['a']);
  });
});

describe('sameConfig', () => {
  it('compares every field, absent optional fields included', () => {
    expect(sameConfig(camera('a'), camera('a'))).toBe(true);
    expect(sameConfig(camera('a'), camera('a', { detectFps: 2 }))).toBe(false);
    expect(sameConfig(camera('a', { detectFps: 2 }), camera('a'))).toBe(false);
  });
});
