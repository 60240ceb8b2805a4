/**
 * The composition root: the only place that wires adapters together.
 *
 *   openCore(env, options)  engine (worker pool) + gallery (embedded or Milvus) + store (cameras; sightings and
 *                           alerts in SQLite or, with BOOSTFACE_POSTGRES_URL, PostgreSQL; snapshots) + enrollment
 *                           and identity services: what every command needs.
 *   startLive(core)         event bus + live recognition + alert rules + camera manager, each camera's frames through
 *                           a latest-wins scheduler into its pipeline: what the server runs (role all). With a
 *                           cluster (role worker) it runs the cameras it leases from the shared configuration.
 *   openCluster(env, ttl)   what the processes of a scale-out deployment share in Redis: camera configurations,
 *                           camera leases, the workers' camera health, API tokens and the audit log
 *                           (docs/scale-out.md).
 *   startApiView(core, c)   role api: the cameras and tracks as the bus and the shared store show them; runs none.
 */
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { BusTracks } from './api/bus-tracks.js';
import { SharedWallPresence } from './api/shared-wall-presence.js';
import { InProcessBus } from './bus/in-process-bus.js';
import { RedisBus } from './bus/redis-bus.js';
import type { EventBus } from './bus/event-bus.js';
import { CameraManager } from './cameras/camera-manager.js';
import type { CameraConfig } from './cameras/camera-config.js';
import { CameraLeaseKeeper, type CameraRunner } from './cameras/camera-leases.js';
import { patchBetween } from './cameras/camera-patch.js';
import type { CameraRepository } from './cameras/camera-repository.js';
import { SharedCameras, type CameraSet } from './cameras/shared-cameras.js';
import { keepFrame, type CameraFrame } from './cameras/ffmpeg-source.js';
import { FrameScheduler, type SchedulerStats } from './cameras/frame-scheduler.js';
import { isFinalState, type SourceHealth } from './cameras/source-health.js';
import { alertSettings, engineSettings, liveSettings, matchThresholdSetting, poolConfig, storeSettings, type AlertSettings, type EngineSettings, type LiveSettings } from './config.js';
import { engineSummary } from './engine/engine-summary.js';
import { InferencePool } from './engine/worker-pool.js';
import { EmbeddedGallery } from './gallery/embedded-gallery.js';
import { EnrollmentService } from './gallery/enrollment-service.js';
import type { Gallery } from './gallery/gallery.js';
import { DEFAULT_MATCH_THRESHOLD } from './gallery/match-threshold.js';
import { MilvusGallery } from './gallery/milvus-gallery.js';
import { galleryBackend, milvusOptions } from './ops/backends.js';
import { lineLog, splitComponent } from './log/line-log.js';
import { forComponent, lineLogger, stderrLine, type Logger } from './log/logger.js';
import { AlertRules } from './recognition/alert-rules.js';
import { DEFAULT_EMBED_POLICY } from './recognition/embed-policy.js';
import { IdentityAdmin } from './recognition/identity-admin.js';
import { LiveRecognition } from './recognition/live-recognition.js';
import type { RecognitionView } from './recognition/recognition-view.js';
import { SightingRetention } from './recognition/sighting-retention.js';
import type { BusTopics } from './recognition/track-event.js';
import { RedisCameraRepository } from './store/redis-camera-repository.js';
import { RedisAuditLog } from './store/redis-audit-log.js';
import { RedisLeaseStore } from './store/redis-camera-leases.js';
import { RedisTokenStore } from './store/redis-token-store.js';
import { RedisWallStore } from './store/redis-wall-store.js';
import { connectSharedRedis } from './store/redis-connection.js';
import { sqliteAlertStore, type AlertStore } from './store/alert-store.js';
import { openPostgresMetadata } from './store/postgres-db.js';
import { sqliteSightingStore, type SightingStore } from './store/sighting-store.js';
import { SnapshotStore } from './store/snapshot-store.js';
import { SqliteCameraRepository } from './store/sqlite-camera-repository.js';
import { openStoreDb, StoreError } from './store/store-db.js';

export interface CoreOptions {
  /** embedded (default) or milvus; default BOOSTFACE_GALLERY. */
  gallery?: string;
  /** Open-set threshold; default BOOSTFACE_MATCH_THRESHOLD or the calibrated default. */
  threshold?: number;
  /** Structured records of the engine start (provider in use, fallbacks); takes precedence over `log`. */
  logger?: Logger;
  /** Or the same as plain "component: message" lines (default: stderr). */
  log?: (line: string) => void;
}

export interface Core {
  settings: EngineSettings;
  live: LiveSettings;
  matchThreshold: number;
  pool: InferencePool;
  gallery: Gallery;
  enrollment: EnrollmentService;
  db: Database.Database;
  sightings: SightingStore;
  alerts: AlertStore;
  /** Sightings and alerts are in PostgreSQL, shared with other processes (not this process' alone). */
  sharedMetadata: boolean;
  /** The alert rules' settings, for the processes that run cameras. */
  alerting: AlertSettings;
  snapshots: SnapshotStore;
  retention: SightingRetention;
  admin: IdentityAdmin;
  close(): Promise<void>;
}

/** Start the engine, open the gallery in the recognizer's embedding space, open the store. */
export async function openCore(env: NodeJS.ProcessEnv, options: CoreOptions = {}): Promise<Core> {
  const logger = options.logger ?? lineLogger(options.log ?? stderrLine);
  const backend = galleryBackend(env, options.gallery);
  const matchThreshold = options.threshold ?? matchThresholdSetting(env) ?? DEFAULT_MATCH_THRESHOLD;
  const settings = engineSettings(env);
  const live = liveSettings(env);
  const pool = await InferencePool.start(poolConfig(settings, { recognizer: true }));
  const cleanups: (() => Promise<void> | void)[] = [() => pool.close()];
  const unwind = async () => {
    for (const c of cleanups.reverse()) await c();
  };
  try {
    logEngineStart(forComponent(logger, 'engine'), pool.info, settings);
    const recognizer = pool.info.recognizer!;
    const space = { model: path.basename(recognizer.file, '.onnx'), dim: recognizer.dim };
    const gallery =
      backend === 'milvus'
        ? await MilvusGallery.open(milvusOptions(env, space))
        : await EmbeddedGallery.open({ dataDir: settings.dataDir, space });
    cleanups.push(() => gallery.close());
    const db = openStoreDb(settings.dataDir);
    cleanups.push(() => void db.close());
    const stores = storeSettings(env);
    const storeLog = forComponent(logger, 'store');
    const postgres = stores.postgresUrl ? await openPostgresMetadata(stores.postgresUrl, { onError: (err) => storeLog.warn({ err }, `PostgreSQL: ${err.message}`) }) : undefined;
    if (postgres) cleanups.push(() => postgres.close());
    const sightings = postgres?.sightings ?? sqliteSightingStore(db);
    const snapshots = new SnapshotStore(stores.snapshotDir);
    const retention = new SightingRetention(sightings, snapshots, live.retentionDays);
    cleanups.push(() => retention.stop());
    const enrollment = new EnrollmentService(pool, gallery, { matchThreshold, detSize: settings.detSize, maxPixels: settings.maxPixels });
    return {
      settings,
      live,
      matchThreshold,
      pool,
      gallery,
      enrollment,
      db,
      sightings,
      alerts: postgres?.alerts ?? sqliteAlertStore(db),
      sharedMetadata: !!postgres,
      alerting: alertSettings(env),
      snapshots,
      retention,
      admin: new IdentityAdmin(gallery, retention),
      close: unwind,
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}

/** The engine summary lines as records: provider fallbacks as warnings, then what runs where, also as fields. */
function logEngineStart(log: Logger, info: Core['pool']['info'], s: EngineSettings): void {
  const lines = engineSummary(info, s.workers, s.threads).map((line) => splitComponent(line).msg);
  const summary = lines.pop()!;
  for (const fallback of lines) log.warn({ providers: s.providers }, fallback);
  const { detector, recognizer } = info;
  log.info(
    {
      providers: s.providers,
      detector: { file: path.basename(detector.file), provider: detector.provider },
      recognizer: recognizer && { file: path.basename(recognizer.file), provider: recognizer.provider, maxBatch: recognizer.maxBatch, dim: recognizer.dim },
      fallbacks: [...detector.fallbacks, ...(recognizer?.fallbacks ?? [])],
      workers: s.workers,
      threads: s.threads,
    },
    summary,
  );
}

export interface LiveOptions {
  bus?: EventBus<BusTopics>;
  /** Structured records (camera health, bus trouble, recognition failures); takes precedence over `log`. */
  logger?: Logger;
  /** Or the same as plain "component: message" lines (default: stderr). */
  log?: (line: string) => void;
  /** Camera health changes (the API's cameraStatus subscription). */
  onHealth?: (cameraId: string, health: SourceHealth) => void;
  /** Run the hourly retention purge (default true). */
  retention?: boolean;
  /**
   * Role worker: run the cameras this process leases from the cluster's shared configuration, instead of the ones
   * stored in the data directory.
   */
  cluster?: Cluster;
}

/** What the API reads of a live system: a process running cameras (startLive) or an API replica (startApiView). */
export interface Live {
  bus: EventBus<BusTopics>;
  recognition: RecognitionView;
  cameras: CameraSet;
  /** Frame scheduling counters of a camera running here (offered, delivered, dropped, skipped). */
  schedulerStats(cameraId: string): SchedulerStats | undefined;
  /** The newest decoded frame of a camera running here (live video to clients; its seq matches the track events' frame). */
  latestFrame(cameraId: string): CameraFrame | undefined;
  stop(): Promise<void>;
}

/** A process that runs cameras (roles all and worker). */
export interface LocalLive extends Live {
  recognition: LiveRecognition;
  cameras: CameraManager;
}

/** What the processes of a scale-out deployment share in Redis (roles api and worker; role all with Redis). */
export interface Cluster {
  cameras: RedisCameraRepository;
  leases: RedisLeaseStore;
  /** API tokens, so that a token created or revoked through one process holds on every one. */
  tokens: RedisTokenStore;
  /** The audit log of every process, in one order. */
  audit: RedisAuditLog;
  /** The operators' wall, one for every API process. */
  wall: RedisWallStore;
  /** Who watches the wall through any API process; `onChange` republishes the wall (one per API server). */
  wallPresence(onChange: () => void): SharedWallPresence;
  leaseTtlMs: number;
  /** This process' worker id: host, pid and a random part (a restarted worker is a new one). */
  workerId: string;
  close(): Promise<void>;
}

/** Connect to the deployment's Redis (BOOSTFACE_REDIS_URL); StoreError UNAVAILABLE when it cannot be reached. */
export async function openCluster(env: NodeJS.ProcessEnv, leaseTtlMs: number): Promise<Cluster> {
  const live = liveSettings(env);
  if (!live.redisUrl) throw new StoreError('UNAVAILABLE', 'a cluster needs BOOSTFACE_REDIS_URL');
  // Commands never hang longer than a lease interval: the lease keeper must learn in time that it cannot renew.
  const redis = await connectSharedRedis(live.redisUrl, {
    name: `${live.redisPrefix}:cluster`,
    commandTimeoutMs: Math.max(250, Math.floor(leaseTtlMs / 3)),
    purpose: 'the shared camera store and leases',
  });
  const cameras = new RedisCameraRepository(redis, live.redisPrefix);
  const tokens = new RedisTokenStore(redis, live.redisPrefix);
  return {
    cameras,
    leases: new RedisLeaseStore(redis, live.redisPrefix),
    tokens,
    audit: new RedisAuditLog(redis, live.redisPrefix),
    wall: new RedisWallStore(redis, live.redisPrefix),
    wallPresence: (onChange) => new SharedWallPresence(redis, live.redisPrefix, onChange),
    leaseTtlMs,
    workerId: `${os.hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    async close() {
      await cameras.close();
      await tokens.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** The bus of the live settings: Redis when configured, else in-process. */
function openBus(s: LiveSettings, logger: Logger): EventBus<BusTopics> {
  const busLog = forComponent(logger, 'bus');
  return s.redisUrl
    ? new RedisBus<BusTopics>({
        url: s.redisUrl,
        prefix: s.redisPrefix,
        onError: (what, err) => busLog.warn({ err }, `${what}: ${(err as Error)?.message ?? err}`),
      })
    : new InProcessBus<BusTopics>();
}

/** A worker's CameraManager keeps its leased cameras in memory: their configuration lives in the cluster. */
const NOT_STORED: CameraRepository = {
  list: async () => [],
  get: async () => undefined,
  put: async () => undefined,
  delete: async () => false,
};

/** Live recognition over the core's engine, gallery and store; without sightings nothing is written to the store. */
export function createRecognition(core: Core, bus: EventBus<BusTopics>, options: { sightings?: boolean; log?: (line: string) => void } = {}): LiveRecognition {
  const s = core.live;
  const store = options.sightings !== false;
  return new LiveRecognition({
    pool: core.pool,
    gallery: core.gallery,
    enrollment: core.enrollment,
    bus,
    sightings: store ? core.sightings : undefined,
    snapshots: store ? core.snapshots : undefined,
    maxBatch: core.settings.maxBatch,
    detSize: core.settings.detSize,
    recognizer: {
      tracker: { minHits: s.trackMinHits, maxAge: s.trackMaxAge, iouThreshold: s.trackIou },
      updateIntervalMs: s.updateIntervalMs,
      embedPolicy: { ...DEFAULT_EMBED_POLICY, maxPerTrack: s.maxEmbedsPerTrack },
    },
    cutThreshold: s.cutThreshold,
    log: options.log,
  });
}

/** Nominal frame interval for the tracker's motion model when the camera does not fix its fps. */
const DEFAULT_FRAME_INTERVAL_MS = 40;

/**
 * Start the cameras stored in the data directory (or, with options.cluster, those this worker leases) and recognize
 * faces on them.
 */
export async function startLive(core: Core, options: LiveOptions = {}): Promise<LocalLive> {
  const logger = options.logger ?? lineLogger(options.log ?? stderrLine);
  const camerasLog = forComponent(logger, 'cameras');
  const s = core.live;
  const cluster = options.cluster;
  const ownBus = !options.bus;
  const bus = options.bus ?? openBus(s, logger);
  const recognition = createRecognition(core, bus, { log: lineLog(logger, { component: 'recognition' }) });
  // A process alone with its store ends what its last run left live; in a shared store other processes' sightings
  // are live, and each camera's are closed when it starts here (LiveRecognition.camera).
  if (!core.sharedMetadata) await core.sightings.closeDangling();
  // Alerts from the track events made here only: every alert is raised, stored and published once, by the process
  // running its camera, however many processes share the bus.
  const alertRules = new AlertRules({
    trackEvents: (handler) => recognition.onTrackEvent(handler),
    bus,
    gallery: core.gallery,
    store: core.alerts,
    options: { unknownAfterMs: core.alerting.alertUnknownMs, unknownCameras: core.alerting.alertUnknownCameras },
    log: lineLog(logger, { component: 'alerts' }),
  });
  const schedulers = new Map<string, { scheduler: FrameScheduler<CameraFrame>; loop: Promise<void> }>();
  const latest = new Map<string, CameraFrame>();

  const schedulerFor = (camera: CameraConfig) => {
    let entry = schedulers.get(camera.id);
    if (entry) {
      entry.scheduler.setDetectFps(camera.detectFps);
      return entry.scheduler;
    }
    // A lent frame is overwritten after the next one: what waits for detection, and is detected, is a copy.
    const scheduler = new FrameScheduler<CameraFrame>({ detectFps: camera.detectFps, keep: keepFrame });
    const pipeline = recognition.camera(camera.id, { frameIntervalMs: camera.fps ? 1000 / camera.fps : DEFAULT_FRAME_INTERVAL_MS });
    const loop = (async () => {
      for (let frame = await scheduler.next(); frame; frame = await scheduler.next()) {
        try {
          await pipeline.handle(frame);
        } catch (err) {
          camerasLog.warn({ cameraId: camera.id, seq: frame.seq, err }, `camera ${camera.id}: frame ${frame.seq} failed: ${(err as Error).message}`);
        }
      }
    })();
    schedulers.set(camera.id, (entry = { scheduler, loop }));
    return scheduler;
  };
  // Stopping a camera waits for its frame loop and its tracks' recognition; stop() waits for every one in progress,
  // so that the engine is never closed under an inference still running.
  const stopping = new Set<Promise<void>>();
  const stopCamera = (cameraId: string): Promise<void> => {
    const entry = schedulers.get(cameraId);
    if (!entry) return Promise.resolve();
    schedulers.delete(cameraId);
    latest.delete(cameraId);
    entry.scheduler.close();
    const done = entry.loop.then(() => recognition.stopCamera(cameraId));
    stopping.add(done);
    void done.finally(() => stopping.delete(done));
    return done;
  };

  // Health reports repeat (frame counters, sizes): a record per state change.
  const lastState = new Map<string, SourceHealth['state']>();
  const logHealthChange = (cameraId: string, h: SourceHealth) => {
    if (lastState.get(cameraId) === h.state) return;
    lastState.set(cameraId, h.state);
    const trouble = h.state === 'reconnecting' || h.state === 'failed';
    const fields = { cameraId, state: h.state, lastError: h.lastError, reconnects: h.reconnects };
    // ffmpeg's last line sums its error up; the whole tail is in the lastError field.
    const why = trouble && h.lastError ? `: ${h.lastError.trim().split('\n').at(-1)}` : '';
    camerasLog[trouble ? 'warn' : 'info'](fields, `camera ${cameraId}: ${h.state}${why}`);
  };
  let leases: CameraLeaseKeeper | undefined;
  const onHealth = (cameraId: string, health: SourceHealth) => {
    options.onHealth?.(cameraId, health);
    logHealthChange(cameraId, health);
    // A worker letting a camera go (lease lost, handed over, shutdown) is not the camera stopping: another worker
    // runs it, and API replicas show a disabled camera as stopped from its configuration.
    if (!(cluster && health.state === 'stopped')) bus.publish('cameraStatus', { cameraId, health });
    leases?.reportHealth(cameraId, health);
    const kind = cameras.get(cameraId)?.camera.kind;
    // A broken-off stream ends its tracks (a gap, then maybe another scene); a finished file ends its pipeline.
    if (kind && isFinalState(health.state, kind)) void stopCamera(cameraId);
    else if (health.state === 'reconnecting' || health.state === 'failed') recognition.endTracks(cameraId);
  };
  const cameras = new CameraManager({
    repository: cluster ? NOT_STORED : new SqliteCameraRepository(core.db),
    sourceOptions: { decodeThreads: s.decodeThreads },
    onFrame: (frame, camera) => {
      latest.set(camera.id, frame);
      schedulerFor(camera).offer(frame);
    },
    onHealth,
    onSourceStopped: (cameraId) => void stopCamera(cameraId),
  });
  await cameras.start();
  let offChanges = () => {};
  if (cluster) {
    const runner: CameraRunner = {
      async start(camera) {
        const status = await cameras.add(camera);
        onHealth(camera.id, status.health); // "starting": API replicas learn at once that this worker has it
      },
      async update(camera) {
        const current = cameras.get(camera.id);
        if (current) await cameras.update(camera.id, patchBetween(current.camera, camera));
      },
      stop: (cameraId) => cameras.remove(cameraId),
      health: (cameraId) => cameras.get(cameraId)?.health,
    };
    leases = new CameraLeaseKeeper({
      workerId: cluster.workerId,
      store: cluster.leases,
      cameras: () => cluster.cameras.list(),
      runner,
      ttlMs: cluster.leaseTtlMs,
      log: camerasLog,
    });
    offChanges = cluster.cameras.onChange(() => leases?.poke());
    try {
      await leases.start();
    } catch (err) {
      offChanges();
      alertRules.close();
      await cameras.stop();
      if (ownBus) await bus.close();
      throw err;
    }
    camerasLog.info({ worker: cluster.workerId, leaseTtlMs: cluster.leaseTtlMs, cameras: leases.running() }, `worker ${cluster.workerId}: leasing cameras (lease ttl ${cluster.leaseTtlMs} ms)`);
  }
  if (options.retention !== false) core.retention.start(undefined, lineLog(logger, { component: 'retention' }));
  return {
    bus,
    recognition,
    cameras,
    schedulerStats: (id) => schedulers.get(id)?.scheduler.stats(),
    latestFrame: (id) => latest.get(id),
    async stop() {
      offChanges();
      await leases?.stop();
      await cameras.stop();
      await Promise.all([...schedulers.keys()].map(stopCamera));
      await Promise.all([...stopping]);
      await recognition.stopAll();
      // The last tracks' alerts are stored before the stores close.
      await alertRules.idle();
      alertRules.close();
      core.retention.stop();
      if (ownBus) await bus.close();
    },
  };
}

/**
 * Role api: the cameras as the shared configuration and the workers' health show them, the live tracks as the bus
 * carries them. No camera runs here; camera changes go to the shared configuration, where workers pick them up.
 */
export async function startApiView(core: Core, cluster: Cluster, options: { logger?: Logger; log?: (line: string) => void } = {}): Promise<Live> {
  const logger = options.logger ?? lineLogger(options.log ?? stderrLine);
  const camerasLog = forComponent(logger, 'cameras');
  const bus = openBus(core.live, logger);
  let lastError: string | undefined;
  const cameras = new SharedCameras({
    repository: cluster.cameras,
    health: cluster.leases,
    bus,
    refreshMs: Math.max(100, Math.floor(cluster.leaseTtlMs / 3)),
    onError: (err) => {
      const message = (err as Error).message;
      if (message !== lastError) camerasLog.warn({ err }, `shared cameras: ${message}`);
      lastError = message;
    },
  });
  const recognition = new BusTracks({ bus });
  try {
    await cameras.start();
  } catch (err) {
    recognition.close();
    await bus.close();
    throw err;
  }
  return {
    bus,
    recognition,
    cameras,
    schedulerStats: () => undefined,
    latestFrame: () => undefined,
    async stop() {
      cameras.stop();
      recognition.close();
      await bus.close();
    },
  };
}
