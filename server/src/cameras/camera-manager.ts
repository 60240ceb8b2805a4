/**
 * The running set of cameras: add, update and remove at run time (an update restarts that camera's source only, and
 * only when a decoding option changed), listing with health, persistence through a CameraRepository. Frames go to the
 * consumer given at construction; the manager knows nothing of detection.
 */
import {
  CameraError,
  differingFields,
  parseCameraConfig,
  type CameraConfig,
} from './camera-config.js';
import { applyCameraPatch } from './camera-patch.js';
import type { CameraRepository } from './camera-repository.js';
import {
  FfmpegSource,
  type CameraFrame,
  type CameraSource,
  type FfmpegSourceOptions,
  type SourceHandlers,
} from './ffmpeg-source.js';
import type { SourceHealth } from './source-health.js';

export interface CameraStatus {
  camera: CameraConfig;
  health: SourceHealth;
}

/** Builds a source; the default is an FfmpegSource with CameraManagerOptions.sourceOptions. */
export type SourceFactory = (config: CameraConfig, handlers: SourceHandlers, firstSeq: number) => CameraSource;

export interface CameraManagerOptions {
  repository: CameraRepository;
  /** Every frame of every enabled camera, with the camera's current configuration (e.g. its detectFps). */
  onFrame: (frame: CameraFrame, camera: CameraConfig) => void;
  /** Health changes of running sources (a replaced source's last reports are not passed on). */
  onHealth?: (cameraId: string, health: SourceHealth) => void;
  /** A camera was removed, disabled or is restarting: per-camera consumer state (schedulers, trackers) can go. */
  onSourceStopped?: (cameraId: string) => void;
  createSource?: SourceFactory;
  sourceOptions?: FfmpegSourceOptions;
}

/** Fields that only the consumer reads: changing them never restarts the source. */
const CONSUMER_FIELDS: ReadonlySet<keyof CameraConfig> = new Set(['name', 'detectFps', 'enabled']);

interface Entry {
  camera: CameraConfig;
  source: CameraSource | undefined;
  /** Next sequence number, carried from a stopped source to its successor. */
  nextSeq: number;
  /** When the camera last had no source (added disabled, disabled, or loaded invalid). */
  idleSince: number;
  /** Set when the stored configuration did not validate: shown as failed, never started. */
  invalid?: string;
}

export class CameraManager {
  private readonly entries = new Map<string, Entry>();
  /** Per camera id: the tail of its chain of add/update/remove operations, so they never interleave. */
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly createSource: SourceFactory;
  private started = false;
  private stopped = false;

  constructor(private readonly options: CameraManagerOptions) {
    this.createSource =
      options.createSource ??
      ((config, handlers, firstSeq) => new FfmpegSource(config, handlers, { ...options.sourceOptions, firstSeq }));
  }

  /** Loads the stored cameras and starts the enabled ones. */
  async start(): Promise<void> {
    if (this.started) throw new Error('CameraManager already started');
    this.started = true;
    for (const stored of await this.options.repository.list()) {
      let camera: CameraConfig;
      try {
        camera = parseCameraConfig(stored);
      } catch (err) {
        const invalid = (err as Error).message;
        this.entries.set(stored.id, { camera: stored, source: undefined, nextSeq: 0, idleSince: Date.now(), invalid });
        continue;
      }
      const entry: Entry = { camera, source: undefined, nextSeq: 0, idleSince: Date.now() };
      this.entries.set(camera.id, entry);
      if (camera.enabled) this.startSource(entry);
    }
  }

  /** Every camera with its health, ordered by id. */
  list(): CameraStatus[] {
    return [...this.entries.values()]
      .sort((a, b) => (a.camera.id < b.camera.id ? -1 : a.camera.id > b.camera.id ? 1 : 0))
      .map((e) => this.status(e));
  }

  get(id: string): CameraStatus | undefined {
    const entry = this.entries.get(id);
    return entry && this.status(entry);
  }

  /** Validates, stores and (when enabled) starts a new camera. CONFLICT if the id exists. */
  async add(input: unknown): Promise<CameraStatus> {
    const camera = parseCameraConfig(input);
    return this.locked(camera.id, async () => {
      if (this.entries.has(camera.id)) throw new CameraError('CONFLICT', `camera ${camera.id} already exists`);
      await this.options.repository.put(camera);
      const entry: Entry = { camera, source: undefined, nextSeq: 0, idleSince: Date.now() };
      this.entries.set(camera.id, entry);
      if (camera.enabled) this.startSource(entry);
      return this.status(entry);
    });
  }

  /**
   * Applies a partial update: given fields replace the stored ones, `null` removes an optional one (e.g. width). When
   * the url changes without a kind, the kind is inferred again. The source restarts only if a decoding option
   * changed; name and detectFps apply at once, enabled starts or stops it.
   */
  async update(id: string, patch: unknown): Promise<CameraStatus> {
    return this.locked(id, async () => {
      const entry = this.requireEntry(id);
      const camera = applyCameraPatch(entry.camera, patch);
      await this.options.repository.put(camera);
      const previous = entry.camera;
      entry.camera = camera;
      const wasInvalid = entry.invalid !== undefined;
      delete entry.invalid;
      const restart = wasInvalid || !camera.enabled || !previous.enabled || decodingChanged(previous, camera);
      if (restart) {
        await this.stopSource(entry);
        if (camera.enabled) this.startSource(entry);
      }
      return this.status(entry);
    });
  }

  /** Stops and deletes a camera. NOT_FOUND if there is none. */
  remove(id: string): Promise<void> {
    return this.locked(id, async () => {
      const entry = this.requireEntry(id);
      await this.stopSource(entry);
      await this.options.repository.delete(id);
      this.entries.delete(id);
    });
  }

  /** Stops every source (server shutdown); the manager accepts no changes afterwards. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.locks.values()].map((p) => p.catch(() => {})));
    await Promise.all([...this.entries.values()].map((e) => this.stopSource(e)));
  }

  private status(entry: Entry): CameraStatus {
    const health: SourceHealth = entry.source?.health() ?? {
      state: entry.invalid ? 'failed' : 'stopped',
      since: entry.idleSince,
      framesReceived: 0,
      reconnects: 0,
    };
    if (entry.invalid) health.lastError = entry.invalid;
    return { camera: { ...entry.camera }, health };
  }

  private requireEntry(id: string): Entry {
    const entry = this.entries.get(id);
    if (!entry) throw new CameraError('NOT_FOUND', `camera ${id} does not exist`);
    return entry;
  }

  private startSource(entry: Entry): void {
    const id = entry.camera.id;
    const source: CameraSource = this.createSource(
      entry.camera,
      {
        onFrame: (frame) => this.options.onFrame(frame, entry.camera),
        onHealth: (health) => {
          if (entry.source === source) this.options.onHealth?.(id, health);
        },
      },
      entry.nextSeq,
    );
    entry.source = source;
    source.start();
  }

  private async stopSource(entry: Entry): Promise<void> {
    const source = entry.source;
    if (!source) return;
    entry.source = undefined;
    await source.stop();
    entry.nextSeq = source.nextSeq;
    entry.idleSince = Date.now();
    this.options.onSourceStopped?.(entry.camera.id);
  }

  private locked<T>(id: string, operation: () => Promise<T>): Promise<T> {
    if (this.stopped) return Promise.reject(new Error('CameraManager is stopped'));
    if (!this.started) return Promise.reject(new Error('CameraManager is not started'));
    const previous = this.locks.get(id) ?? Promise.resolve();
    const result = previous.catch(() => {}).then(operation);
    const tail = result.catch(() => {});
    this.locks.set(id, tail);
    void tail.then(() => {
      if (this.locks.get(id) === tail) this.locks.delete(id);
    });
    return result;
  }
}

function decodingChanged(a: CameraConfig, b: CameraConfig): boolean {
  return differingFields(a, b).some((key) => !CONSUMER_FIELDS.has(key));
}
