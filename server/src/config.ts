import os from 'node:os';
import path from 'node:path';
import { DEFAULT_DECODE_THREADS } from './cameras/ffmpeg-args.js';
import { parseProviders, type ProviderName } from './engine/onnx-session.js';
import { DEFAULT_MAX_PIXELS } from './engine/image-decode.js';
import { DEFAULT_DET_SIZE } from './engine/scrfd-detector.js';
import type { PoolConfig } from './engine/worker-pool.js';
import { firstAvailable, loadManifest, resolveModel } from './models/manifest.js';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './log/levels.js';

export class ConfigError extends Error {
  readonly code = 'BAD_CONFIG';
}

/** Preference order when BOOSTFACE_DETECTOR / BOOSTFACE_RECOGNIZER are not set: first file present wins. */
export const DETECTOR_PREFERENCE = ['det_2.5g', 'scrfd_2.5g_bnkps', 'det_10g', 'det_500m'];
export const RECOGNIZER_PREFERENCE = ['w600k_r50', 'w600k_mbf', 'fr_feature_dynbatch', 'fr_feature'];

/**
 * Inference threads run at the process' own priority unless BOOSTFACE_INFERENCE_NICE raises their niceness. A
 * nicer inference makes the event loop (API, event delivery to subscribers, frame intake) win every contended core:
 * lower delivery latency when the CPU is full, at the cost of detection rate (one 1080p camera on 2 cores: 15.1 →
 * 13.8 detect fps at 10; docs/performance.md, "Subscription fan-out").
 */
export const DEFAULT_INFERENCE_NICE = 0;

export interface EngineSettings {
  dataDir: string;
  modelsDir: string;
  detector?: string;
  recognizer?: string;
  providers: ProviderName[];
  workers: number;
  threads: number;
  /** Niceness of the inference threads: the main thread (I/O, API, event delivery) goes first, inference takes the rest. */
  inferenceNice: number;
  detSize: number;
  maxPixels: number;
  maxBatch: number;
  deviceId: number;
  trtCacheDir?: string;
}

/** Documented in `boostface --help`; every command reads these. */
export const ENGINE_ENV_HELP = `Environment:
  BOOSTFACE_DATA_DIR     data directory (default ./data)
  BOOSTFACE_MODELS       directory of model files (default $BOOSTFACE_DATA_DIR/models)
  BOOSTFACE_DETECTOR     detector: manifest id or file name in BOOSTFACE_MODELS
                         (default: first present of ${DETECTOR_PREFERENCE.join(', ')})
  BOOSTFACE_RECOGNIZER   recognizer: manifest id or file name
                         (default: first present of ${RECOGNIZER_PREFERENCE.join(', ')})
  BOOSTFACE_PROVIDERS    execution providers in order, e.g. cuda,cpu (cpu, cuda, tensorrt, webgpu;
                         CPU is always the last fallback; default cpu)
  BOOSTFACE_WORKERS      inference worker threads (default: cores, at most 4)
  BOOSTFACE_THREADS      onnxruntime threads per worker session (default: cores / workers)
  BOOSTFACE_INFERENCE_NICE  niceness of the inference threads, 0-19 (default 0; higher: the event loop first)
  BOOSTFACE_DET_SIZE     detector input size, multiple of 32 (default ${DEFAULT_DET_SIZE})
  BOOSTFACE_MAX_PIXELS   refuse images larger than this many pixels (default ${DEFAULT_MAX_PIXELS})
  BOOSTFACE_MAX_BATCH    recognizer batch limit (default 32)
  BOOSTFACE_DEVICE_ID    GPU device for cuda/tensorrt (default 0)
  BOOSTFACE_TRT_CACHE    TensorRT engine cache directory
  BOOSTFACE_PREPROCESS   js: use the JavaScript pre-processing instead of the WebAssembly SIMD kernels`;

export interface NumberRange {
  min: number;
  max: number;
  integer: boolean;
}

const int = (min: number, max: number): NumberRange => ({ min, max, integer: true });
const real = (min: number, max: number): NumberRange => ({ min, max, integer: false });

/** Accepted values of the numeric settings: the environment and the config file (config-file.ts) check this table. */
export const SETTING_RANGES = {
  BOOSTFACE_WORKERS: int(1, 64),
  BOOSTFACE_THREADS: int(1, 256),
  BOOSTFACE_INFERENCE_NICE: int(0, 19),
  BOOSTFACE_DET_SIZE: int(32, 4096),
  BOOSTFACE_MAX_PIXELS: int(1, 1_000_000_000),
  BOOSTFACE_MAX_BATCH: int(1, 1024),
  BOOSTFACE_DEVICE_ID: int(0, 64),
  BOOSTFACE_MATCH_THRESHOLD: real(-1, 1),
  BOOSTFACE_RETENTION_DAYS: int(0, 36_500),
  BOOSTFACE_UPDATE_MS: int(0, 60_000),
  BOOSTFACE_CUT_THRESHOLD: int(0, 255),
  BOOSTFACE_TRACK_MIN_HITS: int(1, 100),
  BOOSTFACE_TRACK_MAX_AGE: int(0, 10_000),
  BOOSTFACE_TRACK_IOU: real(0, 1),
  BOOSTFACE_TRACK_EMBEDS: int(1, 1000),
  BOOSTFACE_DECODE_THREADS: int(0, 64),
  BOOSTFACE_PORT: int(0, 65_535),
  BOOSTFACE_ALERT_UNKNOWN_SECONDS: real(0, 86_400),
  BOOSTFACE_LEASE_TTL_MS: int(500, 600_000),
} satisfies Record<string, NumberRange>;

export type NumericSetting = keyof typeof SETTING_RANGES;

/** "an integer between 1 and 64": what a numeric setting accepts, for error messages. */
export function describeRange(r: NumberRange): string {
  return `${r.integer ? 'an integer' : 'a number'} between ${r.min} and ${r.max}`;
}

export function inRange(v: unknown, r: NumberRange): v is number {
  return typeof v === 'number' && Number.isFinite(v) && (!r.integer || Number.isInteger(v)) && v >= r.min && v <= r.max;
}

function numberSetting(env: NodeJS.ProcessEnv, name: NumericSetting, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  const range = SETTING_RANGES[name];
  if (raw.trim() === '' || !inRange(v, range)) throw new ConfigError(`${name} must be ${describeRange(range)}, got "${raw}"`);
  return v;
}

/** 1/true or 0/false; unset or empty is false. */
function flagSetting(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new ConfigError(`${name} must be 1 or 0 (true or false), got "${raw}"`);
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, values: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(values as readonly string[]).includes(raw)) throw new ConfigError(`${name} must be one of ${values.join(', ')}, got "${raw}"`);
  return raw as T;
}

/** The data directory (BOOSTFACE_DATA_DIR, default ./data), absolute. */
const dataDirSetting = (env: NodeJS.ProcessEnv) => path.resolve(env.BOOSTFACE_DATA_DIR || 'data');

export function engineSettings(env: NodeJS.ProcessEnv = process.env): EngineSettings {
  const dataDir = dataDirSetting(env);
  const cores = Math.max(1, os.availableParallelism());
  // Several single-threaded workers out-run one multi-threaded session on small CPUs (2 cores: 20.4 vs 18.2
  // images/s, docs/performance.md); capped so large machines do not hold many copies of big recognizers.
  let workers = numberSetting(env, 'BOOSTFACE_WORKERS', Math.min(cores, 4));
  let providers: ProviderName[];
  try {
    providers = parseProviders(env.BOOSTFACE_PROVIDERS);
  } catch (err) {
    throw new ConfigError(`BOOSTFACE_PROVIDERS: ${(err as Error).message}`);
  }
  if (providers.includes('webgpu') && workers > 1) {
    // onnxruntime 1.30's WebGPU provider aborts the process (a failed assertion in Dawn pipeline creation) when two
    // worker threads each open a WebGPU session; one worker batches on the GPU instead (docs/performance.md).
    if (env.BOOSTFACE_WORKERS) throw new ConfigError('BOOSTFACE_WORKERS must be 1 with the webgpu provider (several WebGPU sessions in one process crash onnxruntime 1.30)');
    workers = 1;
  }
  return {
    dataDir,
    modelsDir: path.resolve(env.BOOSTFACE_MODELS || path.join(dataDir, 'models')),
    detector: env.BOOSTFACE_DETECTOR || undefined,
    recognizer: env.BOOSTFACE_RECOGNIZER || undefined,
    providers,
    workers,
    threads: numberSetting(env, 'BOOSTFACE_THREADS', Math.max(1, Math.floor(cores / workers))),
    inferenceNice: numberSetting(env, 'BOOSTFACE_INFERENCE_NICE', DEFAULT_INFERENCE_NICE),
    detSize: numberSetting(env, 'BOOSTFACE_DET_SIZE', DEFAULT_DET_SIZE),
    maxPixels: numberSetting(env, 'BOOSTFACE_MAX_PIXELS', DEFAULT_MAX_PIXELS),
    maxBatch: numberSetting(env, 'BOOSTFACE_MAX_BATCH', 32),
    deviceId: numberSetting(env, 'BOOSTFACE_DEVICE_ID', 0),
    trtCacheDir: env.BOOSTFACE_TRT_CACHE || undefined,
  };
}

/** Resolve model files and build the worker-pool configuration; throws ModelConfigError with a clear message. */
export function poolConfig(s: EngineSettings, opts: { recognizer: boolean }): PoolConfig {
  const manifest = loadManifest();
  const pick = (explicit: string | undefined, prefs: string[], role: 'detector' | 'recognizer') => {
    const ref = explicit ?? firstAvailable(s.modelsDir, prefs, manifest);
    if (!ref) {
      throw new ConfigError(
        `no ${role} model in ${s.modelsDir} (looked for ${prefs.join(', ')}). ` +
          `Run "boostface models fetch buffalo_m", or set BOOSTFACE_MODELS to a directory holding the files.`,
      );
    }
    return resolveModel(s.modelsDir, ref, role, manifest);
  };
  return {
    workers: s.workers,
    nice: s.inferenceNice,
    detector: pick(s.detector, DETECTOR_PREFERENCE, 'detector'),
    recognizer: opts.recognizer ? pick(s.recognizer, RECOGNIZER_PREFERENCE, 'recognizer') : undefined,
    maxBatch: s.maxBatch,
    session: { providers: s.providers, threads: s.threads, deviceId: s.deviceId, trtCacheDir: s.trtCacheDir },
  };
}

export interface LiveSettings {
  /** Sightings older than this many days are purged with their snapshots (0 = keep forever). */
  retentionDays: number;
  /** At most one `updated` event per track per this many ms. */
  updateIntervalMs: number;
  /** Shot-cut threshold (0 = off), see recognition/camera-pipeline.ts. */
  cutThreshold: number;
  trackMinHits: number;
  trackMaxAge: number;
  trackIou: number;
  /** Embeddings per track at most. */
  maxEmbedsPerTrack: number;
  /** ffmpeg decoder threads per camera (0 = ffmpeg's own choice). */
  decodeThreads: number;
  /** Event bus across replicas (redis://…); undefined = in-process. */
  redisUrl?: string;
  redisPrefix: string;
}

export const LIVE_ENV_HELP = `Live recognition:
  BOOSTFACE_RETENTION_DAYS   keep sightings and snapshots this many days (default 30; 0 = forever)
  BOOSTFACE_UPDATE_MS        box updates per track at most every N ms (default 100)
  BOOSTFACE_CUT_THRESHOLD    shot-cut sensitivity, 0-255 thumbnail difference (default 20; 0 = off)
  BOOSTFACE_TRACK_MIN_HITS   detections in a row before a track starts (default 3)
  BOOSTFACE_TRACK_MAX_AGE    missed frames before a track ends (default 30)
  BOOSTFACE_TRACK_IOU        minimum IoU to continue a track (default 0.3)
  BOOSTFACE_TRACK_EMBEDS     embeddings per track at most (default 8)
  BOOSTFACE_DECODE_THREADS   ffmpeg decoder threads per camera (default ${DEFAULT_DECODE_THREADS}; 0 = ffmpeg's choice, one per core)
  BOOSTFACE_REDIS_URL        share events between server replicas through Redis (redis://host:6379)
  BOOSTFACE_REDIS_PREFIX     channel prefix on that Redis (default boostface)
  BOOSTFACE_POSTGRES_URL     keep sightings and alerts in PostgreSQL, shared by every process
                             (postgres://user:password@host:5432/db; default: the store in the data directory)
  BOOSTFACE_SNAPSHOT_DIR     best-face snapshots (default $BOOSTFACE_DATA_DIR/snapshots; with several processes,
                             one directory that every process mounts)`;

export function liveSettings(env: NodeJS.ProcessEnv = process.env): LiveSettings {
  return {
    retentionDays: numberSetting(env, 'BOOSTFACE_RETENTION_DAYS', 30),
    updateIntervalMs: numberSetting(env, 'BOOSTFACE_UPDATE_MS', 100),
    cutThreshold: numberSetting(env, 'BOOSTFACE_CUT_THRESHOLD', 20),
    trackMinHits: numberSetting(env, 'BOOSTFACE_TRACK_MIN_HITS', 3),
    trackMaxAge: numberSetting(env, 'BOOSTFACE_TRACK_MAX_AGE', 30),
    trackIou: numberSetting(env, 'BOOSTFACE_TRACK_IOU', 0.3),
    maxEmbedsPerTrack: numberSetting(env, 'BOOSTFACE_TRACK_EMBEDS', 8),
    decodeThreads: numberSetting(env, 'BOOSTFACE_DECODE_THREADS', DEFAULT_DECODE_THREADS),
    redisUrl: env.BOOSTFACE_REDIS_URL || undefined,
    redisPrefix: env.BOOSTFACE_REDIS_PREFIX || 'boostface',
  };
}

export interface StoreSettings {
  /** Sightings and alerts in this PostgreSQL (shared by the processes of a deployment); undefined = the data directory's SQLite store. */
  postgresUrl?: string;
  /** Where best-face snapshots are written and served from. */
  snapshotDir: string;
}

export function storeSettings(env: NodeJS.ProcessEnv = process.env): StoreSettings {
  return {
    postgresUrl: env.BOOSTFACE_POSTGRES_URL || undefined,
    snapshotDir: path.resolve(env.BOOSTFACE_SNAPSHOT_DIR || path.join(dataDirSetting(env), 'snapshots')),
  };
}

/** The open-set match threshold from BOOSTFACE_MATCH_THRESHOLD, or undefined for the calibrated default. */
export function matchThresholdSetting(env: NodeJS.ProcessEnv = process.env): number | undefined {
  return env.BOOSTFACE_MATCH_THRESHOLD ? numberSetting(env, 'BOOSTFACE_MATCH_THRESHOLD', 0) : undefined;
}

export interface LogSettings {
  level: LogLevel;
  format: LogFormat;
}

export const LOG_ENV_HELP = `Logging (serve):
  BOOSTFACE_LOG_LEVEL    ${LOG_LEVELS.join(', ')} (default info)
  BOOSTFACE_LOG_FORMAT   json: one JSON object per line on stderr (default); pretty: one human line per record`;

export function logSettings(env: NodeJS.ProcessEnv = process.env): LogSettings {
  return { level: oneOf(env, 'BOOSTFACE_LOG_LEVEL', LOG_LEVELS, 'info'), format: oneOf(env, 'BOOSTFACE_LOG_FORMAT', LOG_FORMATS, 'json') };
}

export interface AlertSettings {
  /** Alert on a face that stays unknown this long (0 = off). */
  alertUnknownMs: number;
  /** Cameras the unknown-person alert watches (null = all). */
  alertUnknownCameras: string[] | null;
}

export interface ApiSettings extends AlertSettings {
  port: number;
  host: string;
  operatorsMayEnroll: boolean;
  viewersMaySearch: boolean;
}

const list = (v: string | undefined) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : null);

/** The alert rules' settings: read by the processes that run cameras (the rules run where track events are made). */
export function alertSettings(env: NodeJS.ProcessEnv = process.env): AlertSettings {
  return {
    alertUnknownMs: numberSetting(env, 'BOOSTFACE_ALERT_UNKNOWN_SECONDS', 0) * 1000,
    alertUnknownCameras: list(env.BOOSTFACE_ALERT_UNKNOWN_CAMERAS),
  };
}

/** The server's own settings (`serve`), checked at start before the engine loads. */
export function apiSettings(env: NodeJS.ProcessEnv = process.env): ApiSettings {
  return {
    port: numberSetting(env, 'BOOSTFACE_PORT', 8080),
    host: env.BOOSTFACE_HOST || '0.0.0.0',
    ...alertSettings(env),
    operatorsMayEnroll: flagSetting(env, 'BOOSTFACE_OPERATORS_MAY_ENROLL'),
    viewersMaySearch: flagSetting(env, 'BOOSTFACE_VIEWERS_MAY_SEARCH'),
  };
}

/** What one `serve` process runs (docs/scale-out.md). */
export const ROLES = ['all', 'api', 'worker'] as const;
export type Role = (typeof ROLES)[number];

export interface RoleSettings {
  role: Role;
  /** A worker's camera leases (and heartbeat) run out this long after their last renewal; renewed every third. */
  leaseTtlMs: number;
}

export const ROLE_ENV_HELP = `Process roles (serve):
  BOOSTFACE_ROLE           all (default): one process does everything; api: GraphQL/HTTP from the bus, no cameras;
                           worker: cameras and recognition, leased through Redis (api and worker need Redis,
                           Milvus and PostgreSQL)
  BOOSTFACE_LEASE_TTL_MS   a dead worker's cameras move after at most this plus a third of it (default 10000)`;

/**
 * The role (the --role flag wins over BOOSTFACE_ROLE) and its lease settings. A role other than all runs beside other
 * processes: it is refused, with the reason, on the single-process backends (embedded gallery, in-process bus).
 */
export function roleSettings(env: NodeJS.ProcessEnv = process.env, flag?: string): RoleSettings {
  if (flag !== undefined && !(ROLES as readonly string[]).includes(flag)) throw new ConfigError(`--role must be one of ${ROLES.join(', ')}, got "${flag}"`);
  const role = (flag as Role | undefined) ?? oneOf(env, 'BOOSTFACE_ROLE', ROLES, 'all');
  const leaseTtlMs = numberSetting(env, 'BOOSTFACE_LEASE_TTL_MS', 10_000);
  if (role !== 'all') {
    const missing: string[] = [];
    if (!env.BOOSTFACE_REDIS_URL) {
      missing.push(
        'the Redis bus (BOOSTFACE_REDIS_URL, redis.url in the config file): the in-process bus and the camera store in the data directory reach only this process, so API replicas would not see the workers\' events and workers would not see camera changes',
      );
    }
    if ((env.BOOSTFACE_GALLERY || 'embedded') !== 'milvus') {
      missing.push(
        'the Milvus gallery (BOOSTFACE_GALLERY=milvus and BOOSTFACE_MILVUS_ADDRESS, gallery.backend in the config file): the embedded gallery is a file of one process, so identities enrolled through one process would never reach the others',
      );
    }
    if (!env.BOOSTFACE_POSTGRES_URL) {
      missing.push(
        'the PostgreSQL store (BOOSTFACE_POSTGRES_URL, postgres.url in the config file): sightings and alerts in the data directory reach only this process, so the sightings and alerts a worker writes would never show on the API replicas',
      );
    }
    if (missing.length) {
      throw new ConfigError(`role ${role} runs beside other processes and needs ${missing.join('; and ')}. Use role all (the default) for a single process.`);
    }
  }
  return { role, leaseTtlMs };
}

/** The stores a backup carries, each behind its port. */
export const STORE_KINDS = ['tokens', 'audit', 'wall', 'cameras', 'sightings', 'alerts'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];
export type StoreBackend = 'sqlite' | 'redis' | 'postgres';

/**
 * Where each store lives under these settings, as `serve` opens them: with Redis, API tokens, the audit log and the
 * wall are shared there (every role); camera configurations are in Redis for roles api and worker (role all runs the
 * cameras of its own store); sightings and alerts in PostgreSQL when configured; everything else in the data
 * directory's SQLite store.
 */
/** Where each store lives. */
export type StorePlacement = Record<StoreKind, StoreBackend>;

export function storePlacement(env: NodeJS.ProcessEnv = process.env, roleFlag?: string): StorePlacement {
  const shared: StoreBackend = liveSettings(env).redisUrl ? 'redis' : 'sqlite';
  const metadata: StoreBackend = storeSettings(env).postgresUrl ? 'postgres' : 'sqlite';
  const { role } = roleSettings(env, roleFlag);
  return { tokens: shared, audit: shared, wall: shared, cameras: role === 'all' ? 'sqlite' : 'redis', sightings: metadata, alerts: metadata };
}
