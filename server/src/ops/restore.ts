/**
 * `boostface restore FILE`: a backup (backup-format.ts) back into the gallery and the stores of the target
 * configuration, wherever it keeps them (storePlacement, as `serve`): so a single box's backup restores into a
 * scale-out deployment (SQLite → Redis and PostgreSQL) and back.
 *
 * Order, so that a bad archive or a wrong target changes nothing:
 *  1. the header (first entry) is read: a backup of another embedding space is refused at once;
 *  2. the data directory is locked (the gallery's pid lock: no server may run on it meanwhile) and must not hold a
 *     gallery, a store (when a store is kept there) or snapshots, unless --force; stores kept in Redis or PostgreSQL
 *     must be empty, unless --force;
 *  3. the whole archive is extracted into a hidden directory inside the data directory while every entry is hashed,
 *     and checked against the manifest (sizes, sha256, nothing missing, nothing extra); gzip's CRC guards the rest;
 *     every store record is parsed and checked;
 *  4. the gallery is rebuilt through the Gallery port: embedded, into a new gallery file in the hidden directory;
 *     Milvus (which must be empty unless --force), with idempotent upserts straight into the collections;
 *  5. the stores are written through their ports: those kept in the data directory into a new store file in the
 *     hidden directory, the others (Redis, PostgreSQL) straight in, upserted by id. A version-1 backup's store file is
 *     read through the SQLite adapters (checked, and migrated when it is from an older BoostFace);
 *  6. the new files are renamed into place (each rename atomic), and the hidden directory removed.
 *
 * --force: the data directory's gallery, store and snapshots are replaced; Milvus, Redis and PostgreSQL are upserted
 * (what is not in the backup is kept; audit entries already there are skipped).
 *
 * The Gallery port sets an identity's creation and update times itself, so those are the restore time; template
 * times, and every store record (ids, token hashes, times, versions), are kept. Camera configurations carry no times.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { finished } from 'node:stream/promises';
import zlib from 'node:zlib';
import { engineSettings, STORE_KINDS, storePlacement, storeSettings, type StoreKind, type StorePlacement } from '../config.js';
import { EmbeddedGallery, GALLERY_FILE, LOCK_FILE } from '../gallery/embedded-gallery.js';
import { GalleryError, type EmbeddingSpace, type Gallery } from '../gallery/gallery.js';
import { acquireLockFile, type HeldLock } from '../gallery/lock-file.js';
import { MilvusGallery } from '../gallery/milvus-gallery.js';
import { STORE_FILE } from '../store/store-db.js';
import { galleryBackend, milvusOptions, recognizerSpace, type GalleryBackend } from './backends.js';
import type { OpsProgress } from './backup.js';
import { syncDir } from './backup.js';
import {
  BACKUP_FORMAT,
  BackupError,
  checkHeader,
  GALLERY_PREFIX,
  HEADER_ENTRY,
  MANIFEST_ENTRY,
  parseIdentityLine,
  sameSpace,
  SNAPSHOTS_PREFIX,
  spaceMismatch,
  STORE_ENTRY,
  storePartKind,
  STORES_PREFIX,
  type BackupHeader,
  type BackupManifest,
} from './backup-format.js';
import { mapConcurrent } from './concurrency.js';
import { parseStoreLine, STORE_RECORDS } from './store-records.js';
import { ALL_SQLITE, openStores, usesSqlite, type OpenedStores } from './store-set.js';
import { readTar, TarError } from './tar.js';

export interface RestoreOptions {
  env: NodeJS.ProcessEnv;
  file: string;
  /** embedded | milvus; default BOOSTFACE_GALLERY or embedded. */
  gallery?: string;
  /** all | api | worker, as `serve --role`: where the camera configurations go (default BOOSTFACE_ROLE or all). */
  role?: string;
  /** Restore into a data directory / Milvus gallery / stores that are not empty. */
  force?: boolean;
  onProgress?: (p: OpsProgress) => void;
}

export interface RestoreResult {
  file: string;
  dataDir: string;
  backend: GalleryBackend;
  space: EmbeddingSpace;
  gallery: { identities: number; templates: number; created: number; updated: number };
  /** Records written per store; null when the backup has no store (a version-1 backup of a directory without one). */
  store: Record<string, number> | null;
  snapshots: number;
  seconds: number;
}

const TEMPLATE_BATCH = 256;
const IDENTITY_GROUP = 64;
const WRITES_IN_FLIGHT = 8;
const MAX_JSON_ENTRY = 64 * 1024 * 1024;

export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  const started = performance.now();
  const progress = options.onProgress ?? (() => undefined);
  const settings = engineSettings(options.env);
  const backend = galleryBackend(options.env, options.gallery);
  const placement = storePlacement(options.env, options.role);
  const snapshotDir = storeSettings(options.env).snapshotDir;
  const space = await recognizerSpace(settings);
  const file = path.resolve(options.file);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new BackupError('NOT_FOUND', `no backup file ${file}`);
  const early = await readHeader(file);
  if (!sameSpace(early.gallery.space, space)) throw spaceMismatch(file, early.gallery.space, space);

  const dataDir = settings.dataDir;
  const createdDir = !fs.existsSync(dataDir);
  try {
    fs.mkdirSync(dataDir, { recursive: true });
  } catch (err) {
    throw new BackupError('NOT_FOUND', `cannot create the data directory ${dataDir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let lock: HeldLock | undefined;
  let staging: string | undefined;
  let gallery: Gallery | undefined;
  let target: OpenedStores | undefined;
  let committed = false;
  try {
    try {
      lock = acquireLockFile(path.join(dataDir, LOCK_FILE), `the data directory ${dataDir}`);
    } catch (err) {
      if (err instanceof GalleryError && err.code === 'CONFLICT') throw new BackupError('IN_USE', err.message);
      throw err;
    }
    const present = [
      backend === 'embedded' && nonEmptyFile(path.join(dataDir, GALLERY_FILE)) && `a gallery (${GALLERY_FILE})`,
      usesSqlite(placement) && nonEmptyFile(path.join(dataDir, STORE_FILE)) && `a store (${STORE_FILE})`,
      early.withSnapshots && nonEmptyDir(snapshotDir) && `snapshots (${snapshotDir})`,
    ].filter(Boolean);
    if (present.length > 0 && !options.force) {
      throw new BackupError(
        'NOT_EMPTY',
        `the data directory ${dataDir} already holds ${present.join(', ')}; restore only fills an empty one. ` +
          `Choose an empty --data-dir, or pass --force to replace them.`,
      );
    }

    staging = fs.mkdtempSync(path.join(dataDir, '.restore-'));
    // The stores: those of the data directory into a new store file here, the others where they are kept.
    const newStoreDir = path.join(staging, 'store-db');
    target = await openStores(options.env, placement, newStoreDir);
    await refuseHeldStores(target, placement, options.force);

    const { header, manifest } = await extractVerified(file, staging, progress);
    if (!sameSpace(header.gallery.space, space)) throw spaceMismatch(file, header.gallery.space, space);
    const parts = manifest.entries.map((e) => e.path).filter((p) => p.startsWith(GALLERY_PREFIX)).sort();
    const storeParts = storePartsOf(manifest.entries.map((e) => e.path), file);
    // Every record is checked before anything is written.
    for (const [kind, names] of storeParts) for (const name of names) for await (const _ of storeLines(staging, name, kind));

    // The gallery.
    let imported: RestoreResult['gallery'];
    let newGalleryFile: string | undefined;
    if (backend === 'milvus') {
      gallery = await MilvusGallery.open(milvusOptions(options.env, space));
      const held = await gallery.count();
      if (held.identities > 0 && !options.force) {
        throw new BackupError(
          'NOT_EMPTY',
          `the Milvus gallery at ${options.env.BOOSTFACE_MILVUS_ADDRESS} already holds ${held.identities} identities; restore only fills an empty one. ` +
            `Set BOOSTFACE_MILVUS_PREFIX to new collections, or pass --force to upsert the backup into it (identities not in the backup are kept).`,
        );
      }
      imported = await importGallery(gallery, staging, parts, space.dim, manifest.counts.identities, progress);
    } else {
      const dir = path.join(staging, 'gallery-db');
      fs.mkdirSync(dir);
      gallery = await EmbeddedGallery.open({ dataDir: dir, space });
      imported = await importGallery(gallery, staging, parts, space.dim, manifest.counts.identities, progress);
      newGalleryFile = path.join(dir, GALLERY_FILE);
    }
    await gallery.close();
    gallery = undefined;
    // Closing the last connection checkpoints the WAL into the main file, which alone is renamed into place.
    if (newGalleryFile && nonEmptyFile(`${newGalleryFile}-wal`)) throw new Error(`${newGalleryFile}: the write-ahead log was not checkpointed on close`);

    // The stores, record by record through their ports: from the parts, or from a version-1 store file.
    const total = Object.values(manifest.counts.store ?? {}).reduce((a, b) => a + b, 0);
    const hasV1Store = manifest.entries.some((e) => e.path === STORE_ENTRY);
    const storeCounts = hasV1Store
      ? await copyV1Store(options.env, path.join(staging, path.dirname(STORE_ENTRY)), target, total, progress)
      : storeParts.size > 0 || header.stores
        ? await importStoreParts(target, staging, storeParts, total, progress)
        : null;
    await target.close();
    target = undefined;
    const newStoreFile = path.join(newStoreDir, STORE_FILE);
    if (usesSqlite(placement) && nonEmptyFile(`${newStoreFile}-wal`)) throw new Error(`${newStoreFile}: the write-ahead log was not checkpointed on close`);
    const newSnapshots = path.join(staging, SNAPSHOTS_PREFIX);
    const snapshots = manifest.entries.filter((e) => e.path.startsWith(SNAPSHOTS_PREFIX)).length;

    // Commit: every new piece is complete; each rename replaces one piece atomically.
    if (newGalleryFile) replaceSqlite(newGalleryFile, path.join(dataDir, GALLERY_FILE));
    if (usesSqlite(placement)) replaceSqlite(newStoreFile, path.join(dataDir, STORE_FILE));
    if (snapshots > 0) placeSnapshots(newSnapshots, snapshotDir, staging);
    syncDir(dataDir);
    committed = true;
    return {
      file,
      dataDir,
      backend,
      space,
      gallery: imported,
      store: storeCounts,
      snapshots,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await gallery?.close().catch(() => undefined);
    await target?.close().catch(() => undefined);
    if (staging) fs.rmSync(staging, { recursive: true, force: true });
    lock?.release();
    if (!committed && createdDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The archive's bytes, decompressed; a damaged gzip stream ends it with a CHECKSUM error. */
function openArchive(file: string): { tar: AsyncIterable<Buffer>; input: fs.ReadStream; gzipDamaged(): Promise<boolean>; close(): void } {
  const magic = Buffer.alloc(2);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, magic, 0, 2, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (magic[0] !== 0x1f || magic[1] !== 0x8b) throw new BackupError('BAD_ARCHIVE', `${file} is not a BoostFace backup (not a gzip file)`);
  const input = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  const gunzip = zlib.createGunzip();
  input.on('error', (err) => gunzip.destroy(err));
  input.pipe(gunzip);
  const tar = (async function* () {
    try {
      // Not destroyed when the reader stops early: gzipDamaged() may read the rest.
      for await (const chunk of gunzip.iterator({ destroyOnReturn: false })) yield chunk as Buffer;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code?.startsWith('Z_')) {
        throw new BackupError('CHECKSUM', `${file} is damaged (gzip: ${e.message}); nothing was restored. Use another copy of the backup.`);
      }
      throw err;
    }
  })();
  return {
    tar,
    input,
    /** Reads the rest of the gzip stream: does it fail gzip's own checks (its CRC at the end, a broken block)? */
    async gzipDamaged() {
      try {
        for await (const _ of gunzip.iterator({ destroyOnReturn: false })) void _;
        return false;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code?.startsWith('Z_') ?? false;
      }
    },
    close() {
      input.destroy();
      gunzip.destroy();
    },
  };
}

/**
 * What a reading error means. A flipped bit in the compressed stream can garble the tar structure or the header's
 * JSON before gzip's own check at the end is reached: when the rest of the stream fails that check, it is damage
 * (CHECKSUM), not a file that is no backup (BAD_ARCHIVE).
 */
async function archiveError(err: unknown, file: string, archive: { gzipDamaged(): Promise<boolean> }): Promise<unknown> {
  const structural = err instanceof TarError || (err instanceof BackupError && err.code === 'BAD_ARCHIVE');
  if (structural && (await archive.gzipDamaged())) {
    return new BackupError('CHECKSUM', `${file} is damaged (its gzip stream fails its check); nothing was restored. Use another copy of the backup.`);
  }
  if (err instanceof TarError) return new BackupError('BAD_ARCHIVE', `${file}: ${err.message}; nothing was restored`);
  return err;
}

/** The first entry, backup.json, without reading further. */
export async function readHeader(file: string): Promise<BackupHeader> {
  const archive = openArchive(file);
  try {
    for await (const entry of readTar(archive.tar)) {
      if (entry.path !== HEADER_ENTRY) break;
      return checkHeader(JSON.parse((await collect(entry.body, MAX_JSON_ENTRY, entry.path)).toString('utf8')), file);
    }
    throw new BackupError('BAD_ARCHIVE', `${file} is not a BoostFace backup (no ${HEADER_ENTRY} at its start)`);
  } catch (err) {
    throw await archiveError(err instanceof SyntaxError ? new BackupError('BAD_ARCHIVE', `${file}: ${HEADER_ENTRY} is not JSON`) : err, file, archive);
  } finally {
    archive.close();
  }
}

/** Extract every entry under `dir`, hashing on the way, then check them all against the manifest. */
async function extractVerified(file: string, dir: string, progress: (p: OpsProgress) => void): Promise<{ header: BackupHeader; manifest: BackupManifest }> {
  const total = fs.statSync(file).size;
  const archive = openArchive(file);
  const found = new Map<string, { size: number; sha256: string }>();
  let manifestBytes: Buffer | undefined;
  let last = 0;
  try {
    for await (const entry of readTar(archive.tar)) {
      if (entry.type === 'directory') continue;
      if (manifestBytes) throw new BackupError('BAD_ARCHIVE', `${file}: entry ${entry.path} after ${MANIFEST_ENTRY}`);
      if (entry.path === MANIFEST_ENTRY) {
        manifestBytes = await collect(entry.body, MAX_JSON_ENTRY, entry.path);
        continue;
      }
      if (found.has(entry.path)) throw new BackupError('BAD_ARCHIVE', `${file}: entry ${entry.path} appears twice`);
      const target = path.join(dir, entry.path);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      const hash = createHash('sha256');
      const out = fs.createWriteStream(target);
      try {
        for await (const chunk of entry.body) {
          hash.update(chunk);
          if (!out.write(chunk)) await once(out, 'drain');
        }
        out.end();
        await finished(out);
      } catch (err) {
        // Closed before the staging directory is removed: a file still opening would fail later, unhandled.
        out.destroy();
        await finished(out).catch(() => undefined);
        throw err;
      }
      found.set(entry.path, { size: entry.size, sha256: hash.digest('hex') });
      if (archive.input.bytesRead - last > 8 << 20) {
        last = archive.input.bytesRead;
        progress({ stage: 'verify', done: last, total, unit: 'bytes' });
      }
    }
  } catch (err) {
    throw await archiveError(err, file, archive);
  } finally {
    archive.close();
  }
  progress({ stage: 'verify', done: total, total, unit: 'bytes' });
  if (!manifestBytes) throw new BackupError('BAD_ARCHIVE', `${file} has no ${MANIFEST_ENTRY} at its end (an incomplete backup?); nothing was restored`);
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8')) as BackupManifest;
  } catch {
    throw new BackupError('CHECKSUM', `${file}: ${MANIFEST_ENTRY} is not JSON (damaged); nothing was restored`);
  }
  if (manifest?.format !== BACKUP_FORMAT || !Array.isArray(manifest.entries)) throw new BackupError('BAD_ARCHIVE', `${file}: ${MANIFEST_ENTRY} is not a BoostFace backup manifest`);
  const listed = new Set<string>();
  for (const e of manifest.entries) {
    listed.add(e.path);
    const got = found.get(e.path);
    if (!got) throw new BackupError('CHECKSUM', `${file}: ${e.path} is listed in the manifest but missing from the archive; nothing was restored`);
    if (got.size !== e.size || got.sha256 !== e.sha256) {
      throw new BackupError('CHECKSUM', `${file}: checksum mismatch for ${e.path} (sha256 ${got.sha256.slice(0, 16)}…, the manifest says ${String(e.sha256).slice(0, 16)}…); the backup is damaged, nothing was restored`);
    }
  }
  for (const p of found.keys()) if (!listed.has(p)) throw new BackupError('CHECKSUM', `${file}: ${p} is in the archive but not in its manifest; nothing was restored`);
  if (!found.has(HEADER_ENTRY)) throw new BackupError('BAD_ARCHIVE', `${file} has no ${HEADER_ENTRY}`);
  let header: BackupHeader;
  try {
    header = checkHeader(JSON.parse(fs.readFileSync(path.join(dir, HEADER_ENTRY), 'utf8')), file);
  } catch (err) {
    if (err instanceof SyntaxError) throw new BackupError('BAD_ARCHIVE', `${file}: ${HEADER_ENTRY} is not JSON`);
    throw err;
  }
  return { header, manifest };
}

/** Create or update every identity of the gallery parts, then upsert its templates in batches. */
async function importGallery(
  gallery: Gallery,
  dir: string,
  parts: string[],
  dim: number,
  total: number,
  progress: (p: OpsProgress) => void,
): Promise<RestoreResult['gallery']> {
  const result = { identities: 0, templates: 0, created: 0, updated: 0 };
  let group: ReturnType<typeof parseIdentityLine>[] = [];
  const flush = async () => {
    // Identities first (several in flight: a remote gallery answers each after a round trip), then their templates.
    await mapConcurrent(group, WRITES_IN_FLIGHT, async ({ identity }) => {
      const fields = { name: identity.name, notes: identity.notes, tags: identity.tags };
      if (await gallery.getIdentity(identity.id)) {
        await gallery.updateIdentity(identity.id, fields);
        result.updated++;
      } else {
        await gallery.createIdentity({ id: identity.id, ...fields });
        result.created++;
      }
    });
    const templates = group.flatMap((g) => g.templates);
    for (let i = 0; i < templates.length; i += TEMPLATE_BATCH) {
      const batch = templates.slice(i, i + TEMPLATE_BATCH);
      await gallery.upsertTemplates(batch);
      result.templates += batch.length;
    }
    result.identities += group.length;
    group = [];
    progress({ stage: 'gallery', done: result.identities, total: Math.max(total, result.identities), unit: 'identities' });
  };
  for (const part of parts) {
    for await (const identity of jsonLines(dir, part, (line, where) => parseIdentityLine(line, dim, where))) {
      group.push(identity);
      if (group.length >= IDENTITY_GROUP) await flush();
    }
  }
  await flush();
  return result;
}

/** NOT_EMPTY, before anything is written, when a store kept outside the data directory holds records (unless --force). */
async function refuseHeldStores(target: OpenedStores, placement: StorePlacement, force: boolean | undefined): Promise<void> {
  if (force) return;
  const remote = STORE_KINDS.filter((k) => placement[k] !== 'sqlite');
  const held = (await Promise.all(remote.map(async (k) => ((await STORE_RECORDS[k].held(target.stores)) ? k : undefined)))).filter((k) => k !== undefined);
  if (held.length === 0) return;
  throw new BackupError(
    'NOT_EMPTY',
    `${held.map((k) => `the ${k} store (${target.where[placement[k]]})`).join(', ')} already hold${held.length === 1 ? 's' : ''} records; ` +
      `restore only fills empty stores. Point the configuration at empty ones (another BOOSTFACE_REDIS_PREFIX, another PostgreSQL database), ` +
      `or pass --force to upsert the backup into them (records not in the backup are kept).`,
  );
}

/** The store parts of a version-2 archive, per store in order; anything else under stores/ is refused. */
function storePartsOf(paths: string[], file: string): Map<StoreKind, string[]> {
  const parts = new Map<StoreKind, string[]>();
  for (const p of [...paths].sort()) {
    if (!p.startsWith(STORES_PREFIX)) continue;
    const kind = storePartKind(p);
    if (!kind) throw new BackupError('BAD_ARCHIVE', `${file}: unknown store part ${p}`);
    parts.set(kind, [...(parts.get(kind) ?? []), p]);
  }
  return parts;
}

/** The non-blank lines of an extracted JSON Lines part, each parsed and checked (`where` names the line in errors). */
async function* jsonLines<T>(dir: string, part: string, parse: (line: string, where: string) => T): AsyncGenerator<T> {
  const lines = readline.createInterface({ input: fs.createReadStream(path.join(dir, part)), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim()) yield parse(line, `${part} line ${n}`);
  }
}

/** The checked records of one store part. */
const storeLines = (dir: string, part: string, kind: StoreKind) => jsonLines(dir, part, (line, where) => parseStoreLine(kind, line, where));

/** Write every record of the parts into the target stores; the records written per store. */
async function importStoreParts(target: OpenedStores, dir: string, parts: Map<StoreKind, string[]>, total: number, progress: (p: OpsProgress) => void): Promise<Record<string, number>> {
  return importRecords(target, total, progress, async function* (kind) {
    for (const part of parts.get(kind) ?? []) yield* storeLines(dir, part, kind);
  });
}

/** A version-1 backup: its store file (migrated when older), read through the SQLite adapters into the target stores. */
async function copyV1Store(env: NodeJS.ProcessEnv, dir: string, target: OpenedStores, total: number, progress: (p: OpsProgress) => void): Promise<Record<string, number>> {
  const source = await openStores(env, ALL_SQLITE, dir);
  try {
    return await importRecords(target, total, progress, (kind) => STORE_RECORDS[kind].read(source.stores));
  } finally {
    await source.close();
  }
}

async function importRecords(
  target: OpenedStores,
  total: number,
  progress: (p: OpsProgress) => void,
  recordsOf: (kind: StoreKind) => AsyncIterable<unknown>,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let done = 0;
  for (const kind of STORE_KINDS) {
    counts[kind] = 0;
    for await (const record of recordsOf(kind)) {
      if ((await STORE_RECORDS[kind].write(target.stores, record)) !== false) counts[kind]++;
      if (++done % 1000 === 0) progress({ stage: 'store', done, total: Math.max(total, done), unit: 'records' });
    }
  }
  progress({ stage: 'store', done, total: Math.max(total, done), unit: 'records' });
  return counts;
}

/**
 * The restored snapshots into the configured directory. In the data directory (the default) the directory is
 * replaced in one rename; one elsewhere (BOOSTFACE_SNAPSHOT_DIR, perhaps another file system shared by every
 * process) is merged into, file by file.
 */
function placeSnapshots(from: string, to: string, staging: string): void {
  if (path.dirname(to) === path.dirname(staging)) {
    if (fs.existsSync(to)) fs.renameSync(to, path.join(staging, 'old-snapshots'));
    fs.renameSync(from, to);
    return;
  }
  fs.cpSync(from, to, { recursive: true, force: true });
}

async function collect(body: AsyncIterable<Buffer>, max: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of body) {
    size += c.byteLength;
    if (size > max) throw new BackupError('BAD_ARCHIVE', `${what} is larger than ${max} bytes`);
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

/** Rename a complete SQLite file over another; the old file's WAL and shared-memory files must not outlive it. */
function replaceSqlite(from: string, to: string): void {
  for (const suffix of ['-wal', '-shm']) fs.rmSync(to + suffix, { force: true });
  fs.renameSync(from, to);
}

function nonEmptyFile(file: string): boolean {
  try {
    return fs.statSync(file).size > 0;
  } catch {
    return false;
  }
}

function nonEmptyDir(dir: string): boolean {
  try {
    return fs.readdirSync(dir).length > 0;
  } catch {
    return false;
  }
}
