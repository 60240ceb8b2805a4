/**
 * `boostface doctor`: what this process would use, each piece checked, with a one-line reason per check.
 * Nothing in the data directory is created or changed: a gallery or store that does not exist yet is reported as such.
 */
import fs from 'node:fs';
import path from 'node:path';
import { applyConfigFile, withConfigSource } from '../config-file.js';
import { engineSettings, liveSettings, poolConfig, storeSettings, type EngineSettings, type LiveSettings } from '../config.js';
import type { PoolConfig } from '../engine/worker-pool.js';
import { FaceAnalyzer, type AnalyzerInfo } from '../engine/face-analyzer.js';
import { EmbeddedGallery, GALLERY_FILE } from '../gallery/embedded-gallery.js';
import { GalleryError, type EmbeddingSpace } from '../gallery/gallery.js';
import { verifyModels } from '../models/fetch.js';
import { loadManifest, type ResolvedModel } from '../models/manifest.js';
import { STORE_FILE, STORE_SCHEMA_VERSION } from '../store/store-db.js';
import { allocatorAdvice, currentAllocator } from './allocator.js';
import { galleryBackend, milvusOptions, recognizerSpace, type GalleryBackend } from './backends.js';
import { POSTGRES_SCHEMA_VERSION } from '../store/postgres-db.js';
import { redactUrl } from '../util/redact-url.js';
import { commandVersion, freeBytes, listMilvusCollections, nearestExisting, pingPostgres, pingRedis } from './probes.js';
import { sqliteSummary } from './sqlite-copy.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  name: string;
  status: CheckStatus;
  /** One line: what was found, or why it is a problem. */
  detail: string;
  data?: Record<string, unknown>;
}

export interface DoctorReport {
  ok: boolean;
  checks: DoctorCheck[];
}

export interface DoctorOptions {
  env: NodeJS.ProcessEnv;
  /** A JSON configuration file (as `serve --config`): fills in what `env` leaves unset. */
  configFile?: string;
  /** embedded | milvus (the --gallery flag); default BOOSTFACE_GALLERY. */
  gallery?: string;
  /** Per network probe (Redis, Milvus) and per command (ffmpeg -version); default 5000. */
  timeoutMs?: number;
  /** Less free space than this in the data directory is a warning; default 1 GiB. */
  minFreeBytes?: number;
}

/** package.json "engines": node >= 20.19. */
const MIN_NODE: [number, number] = [20, 19];
const GIB = 1024 ** 3;

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const checks: DoctorCheck[] = [];
  const add = (name: string, status: CheckStatus, detail: string, data?: Record<string, unknown>) => checks.push({ name, status, detail, ...(data ? { data } : {}) });

  add(...nodeCheck());
  const allocator = currentAllocator();
  const advice = allocatorAdvice(allocator);
  add('allocator', advice ? 'warn' : 'ok', advice ?? `${allocator === 'default' ? 'the platform' : allocator}'s malloc`, { allocator });

  let settings: EngineSettings | undefined;
  let live: LiveSettings | undefined;
  let backend: GalleryBackend | undefined;
  const env = { ...options.env };
  let config: ReturnType<typeof applyConfigFile> | undefined;
  try {
    if (options.configFile) config = applyConfigFile(options.configFile, env);
    settings = engineSettings(env);
    live = liveSettings(env);
    backend = galleryBackend(env, options.gallery);
    const source = config ? `${config.file} (${config.applied.length} setting(s) taken from it), ` : '';
    add('config', 'ok', `${source}gallery ${backend}, providers ${settings.providers.join(',')}, ${settings.workers} worker(s) x ${settings.threads} thread(s), detector size ${settings.detSize}`);
  } catch (err) {
    add('config', 'fail', messageOf(config ? withConfigSource(err, config) : err));
  }

  if (settings) {
    add(...dataDirCheck(settings.dataDir, options.minFreeBytes ?? GIB));
    const models = await modelChecks(settings);
    checks.push(...models.checks);
    let space: EmbeddingSpace | undefined;
    if (models.config) {
      const engine = await engineCheck(settings, models.config);
      checks.push(engine.check);
      space = engine.info?.recognizer
        ? { model: path.basename(engine.info.recognizer.file, '.onnx'), dim: engine.info.recognizer.dim }
        : await recognizerSpace(settings, models.config.recognizer).catch(() => undefined);
    }
    if (backend === 'milvus') checks.push(await milvusCheck(env, timeoutMs));
    else checks.push(await embeddedGalleryCheck(settings.dataDir, space));
    checks.push(storeCheck(settings.dataDir));
  }
  if (live) checks.push(await redisCheck(live.redisUrl, timeoutMs));
  const postgresUrl = live && storeSettings(env).postgresUrl;
  if (postgresUrl) checks.push(await postgresCheck(postgresUrl, timeoutMs));
  for (const command of ['ffmpeg', 'ffprobe']) {
    try {
      add(command, 'ok', await commandVersion(command, timeoutMs));
    } catch (err) {
      add(command, 'fail', `${messageOf(err)}; cameras cannot be decoded without it (Debian: apt-get install ffmpeg)`);
    }
  }
  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}

function nodeCheck(): [string, CheckStatus, string] {
  const [major, minor] = process.versions.node.split('.').map(Number);
  const fine = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  return ['node', fine ? 'ok' : 'fail', `${process.version}${fine ? '' : `: BoostFace needs Node.js >= ${MIN_NODE.join('.')}`}`];
}

function dataDirCheck(dir: string, minFree: number): [string, CheckStatus, string, Record<string, unknown>] {
  const data: Record<string, unknown> = { path: dir };
  let exists = false;
  try {
    const st = fs.statSync(dir);
    if (!st.isDirectory()) return ['data dir', 'fail', `${dir} is not a directory`, data];
    exists = true;
  } catch (err) {
    // ENOTDIR: a parent is a file; the write probe below names it.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') return ['data dir', 'fail', `${dir}: ${messageOf(err)}`, data];
  }
  // A real write, not access(): it also catches read-only filesystems, and root ignores permission bits.
  const probeIn = exists ? dir : nearestExisting(dir);
  const probe = path.join(probeIn, `.boostface-doctor-${process.pid}`);
  try {
    if (!fs.statSync(probeIn).isDirectory()) throw Object.assign(new Error(`${probeIn} is a file`), { code: 'ENOTDIR' });
    fs.writeFileSync(probe, 'probe');
    fs.rmSync(probe, { force: true });
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? messageOf(err);
    return ['data dir', 'fail', exists ? `${dir} is not writable (${why})` : `${dir} does not exist and cannot be created (${why} at ${probeIn})`, data];
  }
  const free = freeBytes(dir);
  data.freeBytes = free;
  const freeText = `${(free / GIB).toFixed(1)} GiB free`;
  if (free < minFree) return ['data dir', 'warn', `${dir}: only ${freeText} (sightings, snapshots and the gallery grow)`, data];
  return ['data dir', 'ok', exists ? `${dir}, writable, ${freeText}` : `${dir} does not exist yet (created at first start), ${freeText}`, data];
}

/** The detector and recognizer this configuration picks, each verified against models/manifest.json. */
async function modelChecks(settings: EngineSettings): Promise<{ checks: DoctorCheck[]; config?: PoolConfig & { recognizer: ResolvedModel } }> {
  let config: PoolConfig;
  try {
    config = poolConfig(settings, { recognizer: true });
  } catch (err) {
    return { checks: [{ name: 'models', status: 'fail', detail: messageOf(err), data: { modelsDir: settings.modelsDir } }] };
  }
  const manifest = loadManifest();
  const checks: DoctorCheck[] = [];
  for (const [role, model] of [['detector', config.detector], ['recognizer', config.recognizer!]] as const) {
    const data: Record<string, unknown> = { role, id: model.spec.id, file: model.spec.file, path: model.path };
    if (!model.known) {
      checks.push({ name: role, status: 'warn', detail: `${model.path}: not in models/manifest.json, so its checksum is not verified`, data: { ...data, verified: false } });
      continue;
    }
    // The manifest's own verification (size, then sha256), on the directory the file was found in.
    const [v] = await verifyModels(path.dirname(model.path), manifest, { ids: [model.spec.id] });
    Object.assign(data, { sha256: v.actualSha256 ?? null, expectedSha256: v.expectedSha256, verified: v.status === 'ok' });
    if (v.status === 'ok') checks.push({ name: role, status: 'ok', detail: `${model.spec.id} (${model.path}), sha256 ${v.actualSha256!.slice(0, 12)}… verified`, data });
    else if (v.status === 'unverified') checks.push({ name: role, status: 'warn', detail: `${model.path}: the manifest has no sha256 for ${model.spec.id}`, data });
    else {
      const why = v.status === 'missing' ? 'missing' : v.actualSize !== undefined && v.expectedSize !== null && v.actualSize !== v.expectedSize ? `${v.actualSize} bytes, expected ${v.expectedSize}` : `sha256 ${v.actualSha256?.slice(0, 12)}…, expected ${v.expectedSha256?.slice(0, 12)}…`;
      checks.push({ name: role, status: 'fail', detail: `${model.path} is damaged or not the file the manifest names (${why}); run "boostface models fetch <pack>" again`, data });
    }
  }
  return { checks, config: config as PoolConfig & { recognizer: ResolvedModel } };
}

/** Open the detector and recognizer once, as a worker would: which execution provider each really runs on. */
async function engineCheck(settings: EngineSettings, config: PoolConfig): Promise<{ check: DoctorCheck; info?: AnalyzerInfo }> {
  const requested = settings.providers.join(',');
  let analyzer: FaceAnalyzer;
  const t0 = performance.now();
  try {
    analyzer = await FaceAnalyzer.open(config);
  } catch (err) {
    return { check: { name: 'engine', status: 'fail', detail: `the models do not load: ${messageOf(err)}`, data: { requested: settings.providers } } };
  }
  try {
    const info = analyzer.info();
    const r = info.recognizer!;
    const fallbacks = [...info.detector.fallbacks, ...r.fallbacks];
    const data = { requested: settings.providers, detector: info.detector, recognizer: r, loadMs: Math.round(performance.now() - t0) };
    const running = info.detector.provider === r.provider ? `both on ${r.provider}` : `detector on ${info.detector.provider}, recognizer on ${r.provider}`;
    const detail = `requested ${requested}: ${running}, ${r.dim}-d embeddings, batch <= ${r.maxBatch}${fallbacks.length ? `; ${[...new Set(fallbacks)].join('; ')}` : ''}`;
    return { check: { name: 'engine', status: fallbacks.length ? 'warn' : 'ok', detail, data }, info };
  } finally {
    await analyzer.release();
  }
}

async function embeddedGalleryCheck(dataDir: string, space: EmbeddingSpace | undefined): Promise<DoctorCheck> {
  const file = path.join(dataDir, GALLERY_FILE);
  const data = { backend: 'embedded', path: file };
  if (!fs.existsSync(file)) return { name: 'gallery', status: 'ok', detail: `embedded, ${file} does not exist yet (created at first start)`, data };
  if (!space) return { name: 'gallery', status: 'warn', detail: `embedded, ${file} not opened: no usable recognizer to open it with`, data };
  let gallery: EmbeddedGallery;
  try {
    gallery = await EmbeddedGallery.open({ dataDir, space });
  } catch (err) {
    if (err instanceof GalleryError && err.code === 'CONFLICT') {
      const pid = /process (\d+)/.exec(err.message)?.[1];
      return { name: 'gallery', status: 'warn', detail: `embedded, ${file} is in use by ${pid ? `pid ${pid}` : 'another process'} (a running BoostFace); not opened`, data: { ...data, pid: pid ? Number(pid) : null } };
    }
    return { name: 'gallery', status: 'fail', detail: messageOf(err), data };
  }
  try {
    const n = await gallery.count();
    return { name: 'gallery', status: 'ok', detail: `embedded, ${n.identities} identities, ${n.templates} templates (${space.model}, ${space.dim}-d)`, data: { ...data, ...n, space } };
  } finally {
    await gallery.close();
  }
}

async function milvusCheck(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<DoctorCheck> {
  const options = milvusOptions(env, { model: '', dim: 0 });
  const prefix = options.collectionPrefix ?? 'boostface_';
  const data: Record<string, unknown> = { backend: 'milvus', address: options.address, prefix };
  try {
    const names = await listMilvusCollections(options, timeoutMs);
    const ours = names.filter((n) => n.startsWith(prefix));
    data.collections = ours;
    return {
      name: 'gallery',
      status: 'ok',
      detail: `milvus at ${options.address} reachable, ${ours.length ? `collections ${ours.join(', ')}` : `no ${prefix}* collections yet (created at first start)`}`,
      data,
    };
  } catch (err) {
    return { name: 'gallery', status: 'fail', detail: `milvus at ${options.address}: ${messageOf(err)}`, data };
  }
}

function storeCheck(dataDir: string): DoctorCheck {
  const file = path.join(dataDir, STORE_FILE);
  const data: Record<string, unknown> = { path: file };
  if (!fs.existsSync(file)) return { name: 'store', status: 'ok', detail: `${file} does not exist yet (created at first start)`, data };
  try {
    // Only reads; SQLite's WAL lets this read beside a running server (the store has no pid lock).
    const s = sqliteSummary(file);
    Object.assign(data, s);
    if (s.userVersion > STORE_SCHEMA_VERSION) return { name: 'store', status: 'fail', detail: `${file} has schema v${s.userVersion}, newer than this BoostFace (v${STORE_SCHEMA_VERSION}); upgrade BoostFace`, data };
    const rows = ['cameras', 'sightings'].map((t) => `${s.tables[t] ?? 0} ${t}`).join(', ');
    const migrate = s.userVersion < STORE_SCHEMA_VERSION ? ` (schema v${s.userVersion}, migrated to v${STORE_SCHEMA_VERSION} at next start)` : '';
    return { name: 'store', status: 'ok', detail: `${file}: ${rows}${migrate}`, data };
  } catch (err) {
    return { name: 'store', status: 'fail', detail: `${file}: ${messageOf(err)}`, data };
  }
}

async function redisCheck(url: string | undefined, timeoutMs: number): Promise<DoctorCheck> {
  if (!url) return { name: 'redis', status: 'ok', detail: 'BOOSTFACE_REDIS_URL not set: events stay in this process (single server)' };
  const shown = redactUrl(url);
  try {
    const ms = await pingRedis(url, timeoutMs);
    return { name: 'redis', status: 'ok', detail: `${shown} answered PING in ${ms.toFixed(0)} ms`, data: { url: shown } };
  } catch (err) {
    return { name: 'redis', status: 'fail', detail: `${shown} unreachable: ${messageOf(err)}`, data: { url: shown } };
  }
}

/** BOOSTFACE_POSTGRES_URL: reachable, and a schema this BoostFace can use (none yet is fine: created at first start). */
async function postgresCheck(url: string, timeoutMs: number): Promise<DoctorCheck> {
  const shown = redactUrl(url);
  try {
    const p = await pingPostgres(url, timeoutMs);
    const data = { url: shown, server: p.server, schemaVersion: p.schemaVersion };
    if (p.schemaVersion !== null && p.schemaVersion > POSTGRES_SCHEMA_VERSION) {
      return { name: 'postgres', status: 'fail', detail: `${shown}: BoostFace schema v${p.schemaVersion}, newer than this BoostFace (v${POSTGRES_SCHEMA_VERSION}); upgrade BoostFace`, data };
    }
    const schema = p.schemaVersion === null ? 'no BoostFace tables yet (created at first start)' : `BoostFace schema v${p.schemaVersion}`;
    return { name: 'postgres', status: 'ok', detail: `${shown}: PostgreSQL ${p.server} answered in ${p.ms.toFixed(0)} ms, ${schema}`, data };
  } catch (err) {
    return { name: 'postgres', status: 'fail', detail: `${shown} unreachable: ${messageOf(err)}`, data: { url: shown } };
  }
}

/** The report as a table for people: status, check, detail. */
export function formatDoctorTable(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((c) => c.name.length));
  const mark: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };
  const lines = report.checks.map((c) => `${mark[c.status]}  ${c.name.padEnd(width)}  ${c.detail}`);
  const fails = report.checks.filter((c) => c.status === 'fail').length;
  const warns = report.checks.filter((c) => c.status === 'warn').length;
  lines.push('', fails ? `${fails} problem(s), ${warns} warning(s)` : `no problems${warns ? `, ${warns} warning(s)` : ''}`);
  return lines.join('\n');
}

function messageOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
}
