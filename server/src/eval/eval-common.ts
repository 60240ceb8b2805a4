/** Plumbing shared by the evaluation runners: where the shared data lives, the engine pool, image batches, CLI flags. */
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { engineSettings, poolConfig, type EngineSettings } from '../config.js';
import { readImageFile } from '../engine/image-decode.js';
import type { AnalyzeOptions } from '../engine/face-analyzer.js';
import type { Face } from '../engine/types.js';
import { InferencePool } from '../engine/worker-pool.js';

/** Repository root: this file sits at server/{src,dist}/eval/. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** ../shared beside the checkout unless BOOSTFACE_SHARED says otherwise (same rule as the test fixtures). */
export function defaultSharedDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.BOOSTFACE_SHARED ?? path.join(REPO_ROOT, '../shared'));
}

/** Golden reference detections written by tools/reference (insightface), one file per detector size. */
export function defaultReferencePath(detSize: number): string {
  return path.join(REPO_ROOT, 'server/test/golden', `reference-detections-${detSize}.json`);
}

/**
 * Engine settings for an evaluation: the usual BOOSTFACE_* environment, with BOOSTFACE_MODELS defaulting to the
 * shared models folder when it is not set.
 */
export function evalEngineSettings(sharedDir: string, env: NodeJS.ProcessEnv = process.env): EngineSettings {
  return engineSettings({ ...env, BOOSTFACE_MODELS: env.BOOSTFACE_MODELS || path.join(sharedDir, 'models') });
}

export async function startEvalPool(settings: EngineSettings, recognizer: boolean, log?: (line: string) => void): Promise<InferencePool> {
  const pool = await InferencePool.start(poolConfig(settings, { recognizer }));
  const { detector, recognizer: rec } = pool.info;
  log?.(
    `engine: detector ${detector.file} on ${detector.provider}` +
      (rec ? `, recognizer ${rec.file} on ${rec.provider}` : '') +
      `, ${settings.workers} worker(s) x ${settings.threads} thread(s)`,
  );
  return pool;
}

/**
 * Decode and analyze image files with a few in flight (decoding overlaps inference). Returns faces per file in input
 * order. A file that fails to decode or analyze rejects the whole run.
 */
export async function analyzeFiles(
  pool: InferencePool,
  files: string[],
  options: AnalyzeOptions,
  opts: { concurrency?: number; label?: string; log?: (line: string) => void } = {},
): Promise<Face[][]> {
  const out: Face[][] = new Array(files.length);
  const concurrency = Math.max(1, opts.concurrency ?? pool.size + 2);
  const t0 = performance.now();
  let lastLog = t0;
  let next = 0;
  let done = 0;
  const progress = () => {
    done++;
    const now = performance.now();
    if (!opts.log || (done < files.length && now - lastLog < 5000)) return;
    lastLog = now;
    const secs = (now - t0) / 1000;
    opts.log(`${opts.label ?? 'images'}: ${done}/${files.length} (${(done / secs).toFixed(1)}/s)`);
  };
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      const img = await readImageFile(files[i]);
      out[i] = (await pool.analyze(img, options, true)).faces;
      progress();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  return out;
}

/** Minimal `--name value` / `--flag` parser for the runner CLIs. */
export function parseFlags(argv: string[], known: Record<string, 'string' | 'number' | 'boolean'>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m || !(m[1] in known)) throw new Error(`unknown argument "${a}" (known: ${Object.keys(known).map((k) => `--${k}`).join(', ')})`);
    const kind = known[m[1]];
    if (kind === 'boolean') {
      out[m[1]] = true;
      continue;
    }
    const raw = m[2] ?? argv[++i];
    if (raw === undefined) throw new Error(`--${m[1]} needs a value`);
    if (kind === 'number') {
      const v = Number(raw);
      if (!Number.isFinite(v)) throw new Error(`--${m[1]} must be a number, got "${raw}"`);
      out[m[1]] = v;
    } else out[m[1]] = raw;
  }
  return out;
}

/** True when this module file is the script node was started with. */
function isMain(metaUrl: string): boolean {
  const arg = process.argv[1];
  if (!arg) return false;
  try {
    return realpathSync(fileURLToPath(metaUrl)) === realpathSync(path.resolve(arg));
  } catch {
    return false;
  }
}

export function requireDir(dir: string, what: string): void {
  if (!existsSync(dir)) throw new Error(`${what} not found at ${dir} (set BOOSTFACE_SHARED or pass --shared)`);
}

export const round = (x: number, digits = 4) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);

/** Run `cli` when this module is the process entry point, mapping its result to the exit code. */
export function runIfMain(metaUrl: string, name: string, cli: (argv: string[]) => Promise<number>): void {
  if (!isMain(metaUrl)) return;
  cli(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: Error) => {
      process.stderr.write(`${name}: ${err.message}\n`);
      process.exitCode = 1;
    },
  );
}
