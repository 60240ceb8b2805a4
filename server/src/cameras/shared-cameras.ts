/**
 * The cameras as an API replica (`serve --role api`) sees them: configurations in the shared repository, health as
 * the workers running them report it. It runs no camera. Changes are written to the shared repository; workers pick
 * them up (camera-leases.ts).
 *
 * The view is a cache, so that list() and get() answer at once like the CameraManager's: configurations are re-read on
 * every change notification and every `refreshMs`; health comes from the workers' records (re-read with the
 * configurations) and, between reads, from the bus' cameraStatus events. An enabled camera without a record (no live
 * worker runs it yet, or its worker died and the lease has not moved yet) shows as `starting`, with the reason in
 * lastError. Writes from different replicas to one camera: the last one wins.
 */
import type { EventBus } from '../bus/event-bus.js';
import type { BusTopics } from '../recognition/track-event.js';
import { CameraError, parseCameraConfig, type CameraConfig } from './camera-config.js';
import type { CameraHealthSource } from './camera-leases.js';
import type { CameraStatus } from './camera-manager.js';
import { applyCameraPatch } from './camera-patch.js';
import type { CameraRepository } from './camera-repository.js';
import type { SourceHealth } from './source-health.js';

/** What the API does with cameras; the CameraManager (role all) and SharedCameras (role api) fit. */
export interface CameraSet {
  /** Every camera with its health, ordered by id. */
  list(): CameraStatus[];
  get(id: string): CameraStatus | undefined;
  /** CONFLICT if the id exists. */
  add(input: unknown): Promise<CameraStatus>;
  /** NOT_FOUND if there is no such camera. */
  update(id: string, patch: unknown): Promise<CameraStatus>;
  remove(id: string): Promise<void>;
}

/** The shared repository (store/redis-camera-repository.ts): insert-if-free and change notifications on top. */
export interface SharedCameraRepository extends CameraRepository {
  insert(camera: CameraConfig): Promise<boolean>;
  onChange(handler: (cameraId: string) => void): () => void;
}

export interface SharedCamerasOptions {
  repository: SharedCameraRepository;
  health: CameraHealthSource;
  bus: EventBus<BusTopics>;
  refreshMs: number;
  /** A periodic re-read failed (Redis trouble); the cache stays as it was. */
  onError?: (err: unknown) => void;
}

export const WAITING_FOR_WORKER = 'waiting for a worker to run this camera';

interface Entry {
  camera: CameraConfig;
  /** The stored configuration did not validate: shown as failed, run nowhere. */
  invalid?: string;
  /** When this replica first saw the camera (the `since` of states it makes up). */
  seenAt: number;
}

export class SharedCameras implements CameraSet {
  private entries = new Map<string, Entry>();
  private health = new Map<string, SourceHealth>();
  private readonly offs: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private again = false;

  constructor(private readonly o: SharedCamerasOptions) {}

  /** The first read (its failure is thrown), then notifications, bus events and the periodic re-read. */
  async start(): Promise<void> {
    await this.read();
    this.offs.push(
      this.o.bus.subscribe('cameraStatus', ({ cameraId, health }) => {
        if (this.entries.has(cameraId)) this.health.set(cameraId, health);
      }),
      this.o.repository.onChange(() => this.refresh()),
    );
    this.timer = setInterval(() => this.refresh(), this.o.refreshMs);
  }

  stop(): void {
    clearInterval(this.timer);
    for (const off of this.offs.splice(0)) off();
  }

  list(): CameraStatus[] {
    return [...this.entries.keys()].sort().map((id) => this.status(this.entries.get(id)!));
  }

  get(id: string): CameraStatus | undefined {
    const entry = this.entries.get(id);
    return entry && this.status(entry);
  }

  async add(input: unknown): Promise<CameraStatus> {
    const camera = parseCameraConfig(input);
    if (!(await this.o.repository.insert(camera))) throw new CameraError('CONFLICT', `camera ${camera.id} already exists`);
    return this.status(this.remember(camera));
  }

  async update(id: string, patch: unknown): Promise<CameraStatus> {
    // From the repository, not the cache: another replica may have changed it a moment ago.
    const current = await this.o.repository.get(id);
    if (!current) throw new CameraError('NOT_FOUND', `camera ${id} does not exist`);
    const camera = applyCameraPatch(current, patch);
    await this.o.repository.put(camera);
    return this.status(this.remember(camera));
  }

  async remove(id: string): Promise<void> {
    if (!(await this.o.repository.delete(id))) throw new CameraError('NOT_FOUND', `camera ${id} does not exist`);
    this.entries.delete(id);
    this.health.delete(id);
  }

  /** Re-read soon; reads never overlap, one asked for during a read follows it. */
  refresh(): void {
    if (this.refreshing) {
      this.again = true;
      return;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        await this.read().catch((err: unknown) => this.o.onError?.(err));
      } while (this.again);
    })().finally(() => (this.refreshing = undefined));
  }

  private remember(camera: CameraConfig): Entry {
    const entry: Entry = { camera, seenAt: this.entries.get(camera.id)?.seenAt ?? Date.now() };
    this.entries.set(camera.id, entry);
    return entry;
  }

  private async read(): Promise<void> {
    const stored = await this.o.repository.list();
    const health = await this.o.health.health(stored.map((c) => c.id));
    const entries = new Map<string, Entry>();
    for (const raw of stored) {
      const seenAt = this.entries.get(raw.id)?.seenAt ?? Date.now();
      try {
        entries.set(raw.id, { camera: parseCameraConfig(raw), seenAt });
      } catch (err) {
        entries.set(raw.id, { camera: raw, invalid: (err as Error).message, seenAt });
      }
    }
    this.entries = entries;
    this.health = health;
  }

  private status(entry: Entry): CameraStatus {
    const { camera } = entry;
    const idle = (state: SourceHealth['state'], lastError?: string): SourceHealth => ({
      state,
      since: entry.seenAt,
      framesReceived: 0,
      reconnects: 0,
      ...(lastError ? { lastError } : {}),
    });
    let health: SourceHealth;
    if (entry.invalid) health = idle('failed', entry.invalid);
    else if (!camera.enabled) health = idle('stopped');
    else health = this.health.get(camera.id) ?? idle('starting', WAITING_FOR_WORKER);
    return { camera: { ...camera }, health: { ...health } };
  }
}
