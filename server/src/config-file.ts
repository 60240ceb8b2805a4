/**
 * The configuration file (`serve --config FILE` or BOOSTFACE_CONFIG=FILE): JSON whose keys mirror the environment
 * variables in a structured form. It is validated with zod (unknown keys, wrong types and out-of-range values are
 * refused with the key path named), then translated into the equivalent environment variables and merged UNDER the
 * environment: a variable that is set wins over the file, the file wins over the defaults. Every settings reader
 * (config.ts, the API, the gallery backends) keeps reading variables; CONFIG_KEYS is the one mapping table
 * (docs/configuration.md lists it, a test keeps the two in step).
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { MIN_SECRET_LENGTH } from './api/auth/tokens.js';
import { ConfigError, describeRange, inRange, ROLES, SETTING_RANGES, type NumericSetting } from './config.js';
import { PROVIDER_NAMES } from './engine/onnx-session.js';
import { LOG_FORMATS, LOG_LEVELS } from './log/levels.js';

type Value =
  /** A non-empty string; `dir`: a path, relative to the file's folder; `secret`: never repeated in messages. */
  | { kind: 'text'; dir?: boolean; secret?: boolean; minLength?: number }
  | { kind: 'number'; range: NumericSetting }
  | { kind: 'flag' }
  | { kind: 'choice'; values: readonly string[] }
  /** A non-empty list of choices, joined with commas. */
  | { kind: 'choices'; values: readonly string[] }
  /** A list of names without commas, joined with commas. */
  | { kind: 'names' };

export interface ConfigKey {
  /** Dotted path in the file. */
  key: string;
  env: string;
  value: Value;
}

const text: Value = { kind: 'text' };
const dir: Value = { kind: 'text', dir: true };
const secret: Value = { kind: 'text', secret: true };
const num = (range: NumericSetting): Value => ({ kind: 'number', range });
const flag: Value = { kind: 'flag' };

export const CONFIG_KEYS: readonly ConfigKey[] = [
  { key: 'dataDir', env: 'BOOSTFACE_DATA_DIR', value: dir },
  { key: 'snapshotDir', env: 'BOOSTFACE_SNAPSHOT_DIR', value: dir },
  { key: 'models.dir', env: 'BOOSTFACE_MODELS', value: dir },
  { key: 'models.detector', env: 'BOOSTFACE_DETECTOR', value: text },
  { key: 'models.recognizer', env: 'BOOSTFACE_RECOGNIZER', value: text },
  { key: 'engine.providers', env: 'BOOSTFACE_PROVIDERS', value: { kind: 'choices', values: PROVIDER_NAMES } },
  { key: 'engine.workers', env: 'BOOSTFACE_WORKERS', value: num('BOOSTFACE_WORKERS') },
  { key: 'engine.threads', env: 'BOOSTFACE_THREADS', value: num('BOOSTFACE_THREADS') },
  { key: 'engine.inferenceNice', env: 'BOOSTFACE_INFERENCE_NICE', value: num('BOOSTFACE_INFERENCE_NICE') },
  { key: 'engine.detSize', env: 'BOOSTFACE_DET_SIZE', value: num('BOOSTFACE_DET_SIZE') },
  { key: 'engine.maxPixels', env: 'BOOSTFACE_MAX_PIXELS', value: num('BOOSTFACE_MAX_PIXELS') },
  { key: 'engine.maxBatch', env: 'BOOSTFACE_MAX_BATCH', value: num('BOOSTFACE_MAX_BATCH') },
  { key: 'engine.deviceId', env: 'BOOSTFACE_DEVICE_ID', value: num('BOOSTFACE_DEVICE_ID') },
  { key: 'engine.trtCacheDir', env: 'BOOSTFACE_TRT_CACHE', value: dir },
  { key: 'gallery.backend', env: 'BOOSTFACE_GALLERY', value: { kind: 'choice', values: ['embedded', 'milvus'] } },
  { key: 'gallery.matchThreshold', env: 'BOOSTFACE_MATCH_THRESHOLD', value: num('BOOSTFACE_MATCH_THRESHOLD') },
  { key: 'milvus.address', env: 'BOOSTFACE_MILVUS_ADDRESS', value: text },
  { key: 'milvus.token', env: 'BOOSTFACE_MILVUS_TOKEN', value: secret },
  { key: 'milvus.database', env: 'BOOSTFACE_MILVUS_DATABASE', value: text },
  { key: 'milvus.ssl', env: 'BOOSTFACE_MILVUS_SSL', value: flag },
  { key: 'milvus.prefix', env: 'BOOSTFACE_MILVUS_PREFIX', value: text },
  { key: 'live.retentionDays', env: 'BOOSTFACE_RETENTION_DAYS', value: num('BOOSTFACE_RETENTION_DAYS') },
  { key: 'live.updateMs', env: 'BOOSTFACE_UPDATE_MS', value: num('BOOSTFACE_UPDATE_MS') },
  { key: 'live.cutThreshold', env: 'BOOSTFACE_CUT_THRESHOLD', value: num('BOOSTFACE_CUT_THRESHOLD') },
  { key: 'live.track.minHits', env: 'BOOSTFACE_TRACK_MIN_HITS', value: num('BOOSTFACE_TRACK_MIN_HITS') },
  { key: 'live.track.maxAge', env: 'BOOSTFACE_TRACK_MAX_AGE', value: num('BOOSTFACE_TRACK_MAX_AGE') },
  { key: 'live.track.iou', env: 'BOOSTFACE_TRACK_IOU', value: num('BOOSTFACE_TRACK_IOU') },
  { key: 'live.track.embeds', env: 'BOOSTFACE_TRACK_EMBEDS', value: num('BOOSTFACE_TRACK_EMBEDS') },
  { key: 'live.decodeThreads', env: 'BOOSTFACE_DECODE_THREADS', value: num('BOOSTFACE_DECODE_THREADS') },
  // A Redis URL may carry a password.
  { key: 'redis.url', env: 'BOOSTFACE_REDIS_URL', value: secret },
  { key: 'redis.prefix', env: 'BOOSTFACE_REDIS_PREFIX', value: text },
  // A PostgreSQL URL may carry a password.
  { key: 'postgres.url', env: 'BOOSTFACE_POSTGRES_URL', value: secret },
  { key: 'role', env: 'BOOSTFACE_ROLE', value: { kind: 'choice', values: ROLES } },
  { key: 'cameras.leaseTtlMs', env: 'BOOSTFACE_LEASE_TTL_MS', value: num('BOOSTFACE_LEASE_TTL_MS') },
  { key: 'api.port', env: 'BOOSTFACE_PORT', value: num('BOOSTFACE_PORT') },
  { key: 'api.host', env: 'BOOSTFACE_HOST', value: text },
  { key: 'api.adminToken', env: 'BOOSTFACE_ADMIN_TOKEN', value: { kind: 'text', secret: true, minLength: MIN_SECRET_LENGTH } },
  { key: 'api.mediaSecret', env: 'BOOSTFACE_MEDIA_SECRET', value: secret },
  { key: 'api.webDir', env: 'BOOSTFACE_WEB_DIR', value: dir },
  { key: 'api.operatorsMayEnroll', env: 'BOOSTFACE_OPERATORS_MAY_ENROLL', value: flag },
  { key: 'api.viewersMaySearch', env: 'BOOSTFACE_VIEWERS_MAY_SEARCH', value: flag },
  { key: 'api.alerts.unknownSeconds', env: 'BOOSTFACE_ALERT_UNKNOWN_SECONDS', value: num('BOOSTFACE_ALERT_UNKNOWN_SECONDS') },
  { key: 'api.alerts.unknownCameras', env: 'BOOSTFACE_ALERT_UNKNOWN_CAMERAS', value: { kind: 'names' } },
  { key: 'log.level', env: 'BOOSTFACE_LOG_LEVEL', value: { kind: 'choice', values: LOG_LEVELS } },
  { key: 'log.format', env: 'BOOSTFACE_LOG_FORMAT', value: { kind: 'choice', values: LOG_FORMATS } },
];

/** A short description of a value for messages: strings quoted, containers named, never a whole object. */
function shown(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === undefined) return 'nothing';
  if (v !== null && typeof v === 'object') return 'an object';
  return JSON.stringify(v);
}

/** A zod error option whose message is "expected …, got …" (the value left out for secrets). */
const expected = (what: string, hideValue = false) => ({ error: (iss: { input?: unknown }) => `expected ${what}${hideValue ? '' : `, got ${shown(iss.input)}`}` });

function leafSchema(v: Value): z.ZodType {
  switch (v.kind) {
    case 'text': {
      const what = v.minLength ? `a string of at least ${v.minLength} characters` : 'a non-empty string';
      return z.string(expected(what, v.secret)).min(v.minLength ?? 1, expected(what, v.secret));
    }
    case 'number': {
      const range = SETTING_RANGES[v.range];
      const e = expected(describeRange(range));
      return z.number(e).refine((n) => inRange(n, range), e);
    }
    case 'flag':
      return z.boolean(expected('true or false'));
    case 'choice':
      return z.enum(v.values as [string, ...string[]], expected(`one of ${v.values.join(', ')}`));
    case 'choices': {
      const e = expected(`a non-empty list of ${v.values.join(', ')}`);
      return z.array(z.enum(v.values as [string, ...string[]], expected(`one of ${v.values.join(', ')}`)), e).min(1, e);
    }
    case 'names': {
      const name = expected('a non-empty name without commas');
      return z.array(z.string(name).regex(/^[^,]+$/, name), expected('a list of names'));
    }
  }
}

type Tree = { [segment: string]: Tree | ConfigKey };
const isKey = (n: Tree | ConfigKey): n is ConfigKey => typeof (n as ConfigKey).env === 'string';

function keyTree(keys: readonly ConfigKey[]): Tree {
  const root: Tree = {};
  for (const k of keys) {
    const segments = k.key.split('.');
    let node = root;
    for (const s of segments.slice(0, -1)) node = (node[s] ??= {}) as Tree;
    node[segments.at(-1)!] = k;
  }
  return root;
}

function treeSchema(tree: Tree): z.ZodType {
  const shape = Object.fromEntries(Object.entries(tree).map(([s, n]) => [s, (isKey(n) ? leafSchema(n.value) : treeSchema(n)).optional()]));
  return z.strictObject(shape, expected('an object'));
}

const TREE = keyTree(CONFIG_KEYS);
const SCHEMA = treeSchema(TREE);

/** engine.providers[0] */
function keyPath(p: readonly PropertyKey[]): string {
  return p.map((s, i) => (typeof s === 'number' ? `[${s}]` : `${i ? '.' : ''}${String(s)}`)).join('');
}

function issueLines(issue: z.core.$ZodIssue): string[] {
  const at = keyPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    let node: Tree | ConfigKey = TREE;
    for (const s of issue.path) node = (node as Tree)[String(s)];
    const known = Object.keys(node as Tree).join(', ');
    return issue.keys.map((k) => `config ${at ? `${at}.` : ''}${k}: unknown key (expected one of: ${known})`);
  }
  return [`config ${at || '(top level)'}: ${issue.message}`];
}

export interface ConfigFile {
  /** Absolute path of the file. */
  file: string;
  /** The environment variables the file sets, with their values. */
  env: Record<string, string>;
  /** Variable → key path, for messages about values that came from the file. */
  keyOf: Map<string, string>;
}

function envValue(k: ConfigKey, v: unknown, baseDir: string): string {
  switch (k.value.kind) {
    case 'text':
      return k.value.dir ? path.resolve(baseDir, v as string) : (v as string);
    case 'number':
      return String(v);
    case 'flag':
      return v ? '1' : '0';
    case 'choices':
    case 'names':
      return (v as string[]).join(',');
    case 'choice':
      return v as string;
  }
}

/** Read and validate a configuration file; ConfigError names the file and, for each problem, the key path. */
export function readConfigFile(file: string): ConfigFile {
  const abs = path.resolve(file);
  let raw: string;
  try {
    raw = fs.readFileSync(abs, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ConfigError(e.code === 'ENOENT' ? `config file ${abs} does not exist` : `config file ${abs} cannot be read: ${e.message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (err) {
    throw new ConfigError(`config file ${abs} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = SCHEMA.safeParse(data);
  if (!parsed.success) {
    const lines = parsed.error.issues.flatMap(issueLines);
    throw new ConfigError(`config file ${abs} is invalid:\n${lines.map((l) => `  ${l}`).join('\n')}`);
  }
  const env: Record<string, string> = {};
  const keyOf = new Map<string, string>();
  for (const k of CONFIG_KEYS) {
    let v: unknown = parsed.data;
    for (const s of k.key.split('.')) v = (v as Record<string, unknown> | undefined)?.[s];
    if (v === undefined) continue;
    env[k.env] = envValue(k, v, path.dirname(abs));
    keyOf.set(k.env, k.key);
  }
  return { file: abs, env, keyOf };
}

/**
 * Read the file and set, in `env`, each variable it defines that the environment leaves unset (or empty: the
 * settings treat an empty variable as unset). Returns the file's settings and the variables actually taken from it.
 */
export function applyConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): ConfigFile & { applied: string[] } {
  const config = readConfigFile(file);
  const applied: string[] = [];
  for (const [name, value] of Object.entries(config.env)) {
    if (env[name] !== undefined && env[name] !== '') continue;
    env[name] = value;
    applied.push(name);
  }
  return { ...config, applied };
}

/**
 * A settings error about a variable that came from the file names the file's key too: the cross-checks after the
 * file's own validation (e.g. several workers with WebGPU) speak of variables.
 */
export function withConfigSource(err: unknown, config: ConfigFile & { applied: string[] }): unknown {
  if (!(err instanceof ConfigError)) return err;
  const name = config.applied.find((n) => new RegExp(`\\b${n}\\b`).test(err.message));
  return name ? new ConfigError(`${err.message} (${name} is set by ${config.keyOf.get(name)} in ${config.file})`) : err;
}
