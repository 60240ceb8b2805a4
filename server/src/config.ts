import os from 'node:os';
import path from 'node:path';
import { parseProviders, type ProviderName } from './engine/onnx-session.js';
import { DEFAULT_MAX_PIXELS } from './engine/image-decode.js';
import { DEFAULT_DET_SIZE } from './engine/scrfd-detector.js';
import type { PoolConfig } from './engine/worker-pool.js';
import { firstAvailable, loadManifest, resolveModel } from './models/manifest.js';

export class ConfigError extends Error {
  readonly code = 'BAD_CONFIG';
}

/** Preference order when BOOSTFACE_DETECTOR / BOOSTFACE_RECOGNIZER are not set: first file present wins. */
export const DETECTOR_PREFERENCE = ['det_2.5g', 'scrfd_2.5g_bnkps', 'det_10g', 'det_500m'];
export const RECOGNIZER_PREFERENCE = ['w600k_r50', 'w600k_mbf', 'fr_feature_dynbatch', 'fr_feature'];

export interface EngineSettings {
  dataDir: string;
  modelsDir: string;
  detector?: string;
  recognizer?: string;
  providers: ProviderName[];
  workers: number;
  threads: number;
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
  BOOSTFACE_DET_SIZE     detector input size, multiple of 32 (default ${DEFAULT_DET_SIZE})
  BOOSTFACE_MAX_PIXELS   refuse images larger than this many pixels (default ${DEFAULT_MAX_PIXELS})
  BOOSTFACE_MAX_BATCH    recognizer batch limit (default 32)
  BOOSTFACE_DEVICE_ID    GPU device for cuda/tensorrt (default 0)
  BOOSTFACE_TRT_CACHE    TensorRT engine cache directory
  BOOSTFACE_PREPROCESS   js: use the JavaScript pre-processing instead of the WebAssembly SIMD kernels`;

function intSetting(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  return v;
}

export function engineSettings(env: NodeJS.ProcessEnv = process.env): EngineSettings {
  const dataDir = path.resolve(env.BOOSTFACE_DATA_DIR || 'data');
  const cores = Math.max(1, os.availableParallelism());
  // Several single-threaded workers out-run one multi-threaded session on small CPUs (2 cores: 20.4 vs 18.2
  // images/s, docs/performance.md); capped so large machines do not hold many copies of big recognizers.
  let workers = intSetting(env, 'BOOSTFACE_WORKERS', Math.min(cores, 4), 1, 64);
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
    threads: intSetting(env, 'BOOSTFACE_THREADS', Math.max(1, Math.floor(cores / workers)), 1, 256),
    detSize: intSetting(env, 'BOOSTFACE_DET_SIZE', DEFAULT_DET_SIZE, 32, 4096),
    maxPixels: intSetting(env, 'BOOSTFACE_MAX_PIXELS', DEFAULT_MAX_PIXELS, 1, 1_000_000_000),
    maxBatch: intSetting(env, 'BOOSTFACE_MAX_BATCH', 32, 1, 1024),
    deviceId: intSetting(env, 'BOOSTFACE_DEVICE_ID', 0, 0, 64),
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
  BOOSTFACE_REDIS_URL        share events between server replicas through Redis (redis://host:6379)
  BOOSTFACE_REDIS_PREFIX     channel prefix on that Redis (default boostface)`;

function unitSetting(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0 || v > 1) throw new ConfigError(`${name} must be a number between 0 and 1, got "${raw}"`);
  return v;
}

export function liveSettings(env: NodeJS.ProcessEnv = process.env): LiveSettings {
  return {
    retentionDays: intSetting(env, 'BOOSTFACE_RETENTION_DAYS', 30, 0, 36_500),
    updateIntervalMs: intSetting(env, 'BOOSTFACE_UPDATE_MS', 100, 0, 60_000),
    cutThreshold: intSetting(env, 'BOOSTFACE_CUT_THRESHOLD', 20, 0, 255),
    trackMinHits: intSetting(env, 'BOOSTFACE_TRACK_MIN_HITS', 3, 1, 100),
    trackMaxAge: intSetting(env, 'BOOSTFACE_TRACK_MAX_AGE', 30, 0, 10_000),
    trackIou: unitSetting(env, 'BOOSTFACE_TRACK_IOU', 0.3),
    maxEmbedsPerTrack: intSetting(env, 'BOOSTFACE_TRACK_EMBEDS', 8, 1, 1000),
    redisUrl: env.BOOSTFACE_REDIS_URL || undefined,
    redisPrefix: env.BOOSTFACE_REDIS_PREFIX || 'boostface',
  };
}
