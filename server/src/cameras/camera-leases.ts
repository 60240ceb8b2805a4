/**
 * Cameras assigned to workers by leases (`serve --role worker`): a camera runs on the one live worker that holds its
 * lease. Every `intervalMs` (default ttl / 3) a worker's keeper:
 *
 *   1. heartbeats (it is a live worker for ttl) and learns the live workers;
 *   2. renews the leases it holds; a lease it no longer holds (it expired while this worker was paused or cut off,
 *      and another worker took it) stops that camera at once;
 *   3. reads the shared camera configurations: removed or disabled cameras stop and their leases are released, changed
 *      ones are updated in place;
 *   4. takes free cameras, or gives one up, as the assignment policy says (camera-assignment.ts);
 *   5. writes the health of the cameras it runs, with the same ttl (what API replicas show).
 *
 * A dead worker's leases expire after ttl; another worker takes its cameras on its next scan: within ttl + interval
 * (plus the camera's own start). A keeper that cannot reach the store stops each camera whose lease may have run out
 * (one interval before its expiry), so that two workers do not run a camera for longer than a scan. `poke()` asks for a
 * scan now (a configuration change notification).
 */
import type { Logger } from '../log/logger.js';
import { planLeases } from './camera-assignment.js';
import { differingFields, parseCameraConfig, type CameraConfig } from './camera-config.js';
import type { SourceHealth } from './source-health.js';

/** The shared lease table (Redis adapter: store/redis-camera-leases.ts; contract: lease-store-contract.ts). */
export interface LeaseStore {
  /** Records `workerId` as live for ttlMs; returns every live worker (this one included). */
  heartbeat(workerId: string, ttlMs: number): Promise<string[]>;
  /** A worker shutting down cleanly: no longer live. */
  leave(workerId: string): Promise<void>;
  /** Current holders of these cameras' leases (cameras nobody holds are absent). */
  owners(cameraIds: readonly string[]): Promise<Map<string, string>>;
  /** Takes a free lease for ttlMs; false when someone holds it. */
  acquire(cameraId: string, workerId: string, ttlMs: number): Promise<boolean>;
  /** Extends these leases by ttlMs where `workerId` still holds them; per camera, whether it does. */
  renew(cameraIds: readonly string[], workerId: string, ttlMs: number): Promise<boolean[]>;
  /** Gives up these leases where `workerId` holds them (others are left alone). */
  release(cameraIds: readonly string[], workerId: string): Promise<void>;
  /** The health of cameras this worker runs, kept for ttlMs (a worker that stops writing it is gone). */
  putHealth(reports: ReadonlyMap<string, SourceHealth>, ttlMs: number): Promise<void>;
}

/** What API replicas read: the health the workers last wrote, of cameras a live worker runs. */
export interface CameraHealthSource {
  health(cameraIds: readonly string[]): Promise<Map<string, SourceHealth>>;
}

/** This worker's cameras (the composition root adapts the CameraManager). */
export interface CameraRunner {
  start(camera: CameraConfig): Promise<void>;
  /** A running camera's configuration changed. */
  update(camera: CameraConfig): Promise<void>;
  stop(cameraId: string): Promise<void>;
  health(cameraId: string): SourceHealth | undefined;
}

export interface LeaseKeeperOptions {
  workerId: string;
  store: LeaseStore;
  /** The shared camera configurations (the repository's list). */
  cameras: () => Promise<unknown[]>;
  runner: CameraRunner;
  ttlMs: number;
  /** Heartbeat, renewal and scan period (default ttl / 3). */
  intervalMs?: number;
  log: Logger;
  now?: () => number;
}

interface Held {
  camera: CameraConfig;
  /** When the lease runs out at the latest, by our clock (measured from before the command that set it). */
  validUntil: number;
}

export class CameraLeaseKeeper {
  readonly intervalMs: number;
  private readonly held = new Map<string, Held>();
  private readonly pending = new Set<Promise<void>>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private lastError: string | undefined;

  constructor(private readonly o: LeaseKeeperOptions) {
    this.intervalMs = o.intervalMs ?? Math.max(50, Math.floor(o.ttlMs / 3));
    if (this.intervalMs >= o.ttlMs) throw new Error(`lease interval ${this.intervalMs} ms must be below the ttl ${o.ttlMs} ms`);
    this.now = o.now ?? Date.now;
  }

  /** The first scan (its failure is thrown: the store is unusable), then one every interval. */
  async start(): Promise<void> {
    await this.scan(true);
    if (this.stopped) return;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
  }

  /** Cameras this worker holds now, by id. */
  running(): string[] {
    return [...this.held.keys()].sort();
  }

  /** Scan as soon as possible (after the one in progress). */
  poke(): void {
    if (this.stopped) return;
    if (this.scanning) this.again = true;
    else void this.scan(false);
  }

  /** A held camera's health changed: written at once (not only at the next scan). */
  reportHealth(cameraId: string, health: SourceHealth): void {
    if (this.stopped || !this.held.has(cameraId)) return;
    this.o.store.putHealth(new Map([[cameraId, health]]), this.o.ttlMs).catch((err: unknown) => this.report(err));
  }

  /** Stops every camera, then releases the leases and leaves (other workers take over on their next scan). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.scanning;
    const ids = [...this.held.keys()];
    for (const id of ids) this.drop(id, 'worker stopping', false);
    while (this.pending.size) await Promise.all([...this.pending]);
    await this.o.store.release(ids, this.o.workerId).catch(() => undefined);
    await this.o.store.leave(this.o.workerId).catch(() => undefined);
  }

  private tick(): void {
    this.fence();
    if (this.scanning) return;
    void this.scan(false);
  }

  private scan(rethrow: boolean): Promise<void> {
    const run = async () => {
      do {
        this.again = false;
        await this.scanOnce(rethrow);
      } while (this.again && !this.stopped);
    };
    const p = run().finally(() => {
      if (this.scanning === p) this.scanning = undefined;
    });
    this.scanning = p;
    return p;
  }

  private async scanOnce(rethrow: boolean): Promise<void> {
    if (this.stopped) return;
    const { store, workerId: me, ttlMs, runner } = this.o;
    const t0 = this.now();
    try {
      const workers = await store.heartbeat(me, ttlMs);
      const ids = [...this.held.keys()];
      if (ids.length) {
        const still = await store.renew(ids, me, ttlMs);
        for (const [i, id] of ids.entries()) {
          const h = this.held.get(id);
          if (!h) continue;
          if (still[i]) h.validUntil = t0 + ttlMs;
          else this.drop(id, 'lease lost (it expired and another worker may hold it)', false);
        }
      }
      const enabled = new Map<string, CameraConfig>();
      for (const stored of await this.o.cameras()) {
        try {
          const camera = parseCameraConfig(stored);
          if (camera.enabled) enabled.set(camera.id, camera);
        } catch {
          // An invalid stored configuration is not run anywhere; the API shows it as failed.
        }
      }
      for (const [id, h] of [...this.held]) {
        const camera = enabled.get(id);
        if (!camera) this.drop(id, 'camera removed or disabled', true);
        else if (!sameConfig(h.camera, camera)) {
          h.camera = camera;
          // A decoding change restarts the source: not waited for, like a stop.
          this.background(() => runner.update(camera).catch((err: unknown) => this.o.log.warn({ cameraId: id, err }, `camera ${id}: update failed: ${(err as Error).message}`)));
        }
      }
      if (this.stopped) return;
      const owners = await store.owners([...enabled.keys()]);
      const plan = planLeases({ me, workers, cameras: [...enabled.keys()], owners });
      for (const id of plan.release) this.drop(id, 'handed over to balance the workers', true);
      for (const id of plan.acquire) {
        if (this.stopped) break;
        if (!(await store.acquire(id, me, ttlMs))) continue; // another worker was faster
        const camera = enabled.get(id)!;
        this.held.set(id, { camera, validUntil: t0 + ttlMs });
        this.o.log.info({ cameraId: id, worker: me }, `camera ${id}: leased by worker ${me}`);
        try {
          await runner.start(camera);
        } catch (err) {
          this.held.delete(id);
          await store.release([id], me);
          this.o.log.warn({ cameraId: id, err }, `camera ${id}: could not start: ${(err as Error).message}`);
        }
      }
      const reports = new Map<string, SourceHealth>();
      for (const id of this.held.keys()) {
        const h = runner.health(id);
        if (h) reports.set(id, h);
      }
      if (reports.size) await store.putHealth(reports, ttlMs);
      if (this.lastError !== undefined) this.o.log.info({ worker: me }, 'camera leases: store reachable again');
      this.lastError = undefined;
    } catch (err) {
      if (rethrow) throw err;
      this.report(err);
      this.fence();
    }
  }

  /** Stops the cameras whose lease may run out before the next scan could renew it. */
  private fence(): void {
    const deadline = this.now() + this.intervalMs;
    for (const [id, h] of [...this.held]) {
      if (h.validUntil <= deadline) this.drop(id, 'lease could not be renewed in time', false);
    }
  }

  /**
   * Stops a camera here; with `release`, gives its lease up once it has stopped (so that the next worker never starts
   * it while this one still runs it). Not awaited by scans: a slow stop (ffmpeg's grace period) must not delay the
   * renewal of the other leases.
   */
  private drop(cameraId: string, why: string, release: boolean): void {
    if (!this.held.delete(cameraId)) return;
    this.o.log[release ? 'info' : 'warn']({ cameraId, worker: this.o.workerId, reason: why }, `camera ${cameraId}: stopping on this worker: ${why}`);
    this.background(async () => {
      await this.o.runner.stop(cameraId).catch((err: unknown) => this.o.log.warn({ cameraId, err }, `camera ${cameraId}: stop failed: ${(err as Error).message}`));
      if (release) await this.o.store.release([cameraId], this.o.workerId).catch((err: unknown) => this.report(err));
    });
  }

  /** Camera work that scans do not wait for; stop() does. */
  private background(work: () => Promise<void>): void {
    const p = work().finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  private report(err: unknown): void {
    const message = (err as Error)?.message ?? String(err);
    if (message === this.lastError) return;
    this.lastError = message;
    this.o.log.warn({ worker: this.o.workerId, err }, `camera leases: ${message}`);
  }
}

/** Same stored configuration. */
export const sameConfig = (a: CameraConfig, b: CameraConfig): boolean => differingFields(a, b).length === 0;
