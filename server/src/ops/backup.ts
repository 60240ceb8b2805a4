/**
 * `boostface backup`: the gallery, every store and optionally the snapshots of a deployment into one archive
 * (format: backup-format.ts), each read from where the configuration keeps it (storePlacement, as `serve`).
 *
 * - Embedded gallery and SQLite store: SQLite online-backup copies first (consistent, and possible while a server
 *   runs: the gallery's pid lock is not needed because the copy, not the live file, is opened through the ports).
 *   The two copies are taken one after the other, not in one transaction.
 * - Milvus gallery, stores in Redis and PostgreSQL: read live through the ports; changes made while the backup runs
 *   may or may not be in it.
 * - Snapshots: from the configured snapshot directory (BOOSTFACE_SNAPSHOT_DIR, default in the data directory).
 * - Nothing half-written: everything goes into a hidden work directory beside the output, and the finished archive
 *   is fsynced and renamed to its name at the end.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { engineSettings, STORE_KINDS, storePlacement, storeSettings } from '../config.js';
import { EmbeddedGallery, GALLERY_FILE } from '../gallery/embedded-gallery.js';
import { GalleryError, type EmbeddingSpace, type Gallery } from '../gallery/gallery.js';
import { MilvusGallery } from '../gallery/milvus-gallery.js';
import { STORE_FILE } from '../store/store-db.js';
import { galleryBackend, milvusOptions, recognizerSpace, type GalleryBackend } from './backends.js';
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  BackupError,
  BOOSTFACE_VERSION,
  GALLERY_PREFIX,
  HEADER_ENTRY,
  identityRecord,
  MANIFEST_ENTRY,
  SNAPSHOTS_PREFIX,
  storePartName,
  type BackupCounts,
  type BackupHeader,
  type BackupManifest,
  type ManifestEntry,
} from './backup-format.js';
import { mapConcurrent } from './concurrency.js';
import { copySqlite } from './sqlite-copy.js';
import { STORE_RECORDS } from './store-records.js';
import { openStores, usesSqlite, type OpenedStores } from './store-set.js';
import { TarWriter } from './tar.js';

export interface OpsProgress {
  stage: 'gallery' | 'store' | 'snapshots' | 'verify';
  done: number;
  total: number;
  unit: 'identities' | 'records' | 'files' | 'bytes';
}

export interface BackupOptions {
  /** Environment to read the configuration from (BOOSTFACE_DATA_DIR, BOOSTFACE_MILVUS_*, models). */
  env: NodeJS.ProcessEnv;
  out: string;
  /** embedded | milvus; default BOOSTFACE_GALLERY or embedded. */
  gallery?: string;
  /** all | api | worker, as `serve --role`: where the camera configurations are (default BOOSTFACE_ROLE or all). */
  role?: string;
  withSnapshots?: boolean;
  /** Replace an existing output file. */
  force?: boolean;
  onProgress?: (p: OpsProgress) => void;
}

export interface BackupResult {
  file: string;
  bytes: number;
  seconds: number;
  backend: GalleryBackend;
  space: EmbeddingSpace;
  counts: BackupCounts;
}

/** Identities per gallery part, and the size at which a part is cut early. */
const PART_IDENTITIES = 1000;
/** Store records per part (tokens, sightings, ...), cut early at the same size. */
const PART_RECORDS = 10_000;
const PART_BYTES = 32 * 1024 * 1024;
const PAGE = 200;
const READS_IN_FLIGHT = 8;

export async function createBackup(options: BackupOptions): Promise<BackupResult> {
  const started = performance.now();
  const progress = options.onProgress ?? (() => undefined);
  const settings = engineSettings(options.env);
  const backend = galleryBackend(options.env, options.gallery);
  const placement = storePlacement(options.env, options.role);
  const snapshotRoot = storeSettings(options.env).snapshotDir;
  const space = await recognizerSpace(settings);
  const dataDir = settings.dataDir;
  const out = path.resolve(options.out);
  if (fs.existsSync(out) && !options.force) throw new BackupError('EXISTS', `${out} exists; choose another name or pass --force to replace it`);
  if (!fs.existsSync(path.dirname(out))) throw new BackupError('NOT_FOUND', `the directory ${path.dirname(out)} does not exist`);
  if ((backend === 'embedded' || usesSqlite(placement)) && !fs.existsSync(dataDir)) throw new BackupError('NOT_FOUND', `the data directory ${dataDir} does not exist`);

  const work = fs.mkdtempSync(path.join(path.dirname(out), `.${path.basename(out)}.partial-`));
  let gallery: Gallery | undefined;
  let opened: OpenedStores | undefined;
  try {
    gallery = await openSourceGallery(backend, options.env, dataDir, space, work);

    // SQLite stores are read from a consistent copy (an empty store when the data directory has none yet).
    const storeCopy = path.join(work, 'store');
    fs.mkdirSync(storeCopy);
    const storeSource = path.join(dataDir, STORE_FILE);
    if (usesSqlite(placement) && fs.existsSync(storeSource)) await copySqlite(storeSource, path.join(storeCopy, STORE_FILE));
    opened = await openStores(options.env, placement, storeCopy);
    const snapshotFiles = options.withSnapshots ? listFiles(snapshotRoot) : [];

    const archive = path.join(work, 'archive.tar.gz');
    const gzip = zlib.createGzip({ level: 6 });
    const written = pipeline(gzip, fs.createWriteStream(archive));
    // A failed write ends `written` early; its rejection is awaited below, never left unhandled.
    written.catch(() => undefined);
    const tar = new TarWriter(gzip);
    const entries: ManifestEntry[] = [];
    const counts: BackupCounts = { identities: 0, templates: 0, store: {}, snapshots: 0 };

    const header: BackupHeader = {
      format: BACKUP_FORMAT,
      formatVersion: BACKUP_FORMAT_VERSION,
      createdAt: new Date().toISOString(),
      boostface: BOOSTFACE_VERSION,
      gallery: { backend, space },
      stores: placement,
      withSnapshots: Boolean(options.withSnapshots),
    };
    entries.push(await tar.add(HEADER_ENTRY, json(header)));

    if (gallery) {
      const total = (await gallery.count()).identities;
      const seen = new Set<string>();
      const parts = new JsonlParts(tar, entries, (n) => `${GALLERY_PREFIX}identities-${String(n).padStart(5, '0')}.jsonl`, PART_IDENTITIES);
      let after: string | undefined;
      do {
        const page = await gallery.listIdentities({ first: PAGE, after });
        // A rename on a live (Milvus) gallery can move an identity past the cursor: never write one twice.
        const fresh = page.items.filter((i) => !seen.has(i.id));
        fresh.forEach((i) => seen.add(i.id));
        // Several reads in flight: a remote gallery answers each after a round trip.
        const templatesOf = await mapConcurrent(fresh, READS_IN_FLIGHT, (i) =>
          gallery!.listTemplates(i.id).catch((err: unknown) => {
            if (err instanceof GalleryError && err.code === 'NOT_FOUND') return undefined; // deleted meanwhile
            throw err;
          }),
        );
        for (const [k, identity] of fresh.entries()) {
          const templates = templatesOf[k];
          if (!templates) continue;
          await parts.add(identityRecord(identity, templates));
          counts.identities++;
          counts.templates += templates.length;
          progress({ stage: 'gallery', done: counts.identities, total: Math.max(total, counts.identities), unit: 'identities' });
        }
        after = page.endCursor;
      } while (after);
      await parts.flush();
    }

    // Every store, through its port, whichever backend it is on; progress once a part.
    let records = 0;
    const report = () => progress({ stage: 'store', done: records, total: records, unit: 'records' });
    for (const kind of STORE_KINDS) {
      const codec = STORE_RECORDS[kind];
      const parts = new JsonlParts(tar, entries, (n) => storePartName(kind, n), PART_RECORDS, report);
      let n = 0;
      for await (const record of codec.read(opened.stores)) {
        await parts.add(codec.encode(record));
        n++;
        records++;
      }
      await parts.flush();
      counts.store![kind] = n;
    }

    for (const rel of snapshotFiles) {
      let data: Buffer;
      let mtimeMs: number;
      try {
        // Read whole (small JPEGs): the size in the tar header and the bytes hashed are then the same file version.
        data = await fs.promises.readFile(path.join(snapshotRoot, rel));
        mtimeMs = (await fs.promises.stat(path.join(snapshotRoot, rel))).mtimeMs;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // purged by retention meanwhile
        throw err;
      }
      entries.push(await tar.add(SNAPSHOTS_PREFIX + rel, data, mtimeMs));
      counts.snapshots++;
      progress({ stage: 'snapshots', done: counts.snapshots, total: snapshotFiles.length, unit: 'files' });
    }

    const manifest: BackupManifest = { format: BACKUP_FORMAT, formatVersion: BACKUP_FORMAT_VERSION, entries, counts };
    await tar.add(MANIFEST_ENTRY, json(manifest));
    await tar.finish();
    gzip.end();
    await written;
    const fd = fs.openSync(archive, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(archive, out);
    syncDir(path.dirname(out));
    return { file: out, bytes: fs.statSync(out).size, seconds: (performance.now() - started) / 1000, backend, space, counts };
  } finally {
    await gallery?.close();
    await opened?.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** JSON Lines parts of an archive: a record per line, a part cut at `maxLines` lines or PART_BYTES. */
class JsonlParts {
  private lines: string[] = [];
  private bytes = 0;
  private part = 0;

  constructor(
    private readonly tar: TarWriter,
    private readonly entries: ManifestEntry[],
    private readonly name: (part: number) => string,
    private readonly maxLines: number,
    private readonly onFlush: () => void = () => undefined,
  ) {}

  async add(record: unknown): Promise<void> {
    const line = JSON.stringify(record) + '\n';
    this.lines.push(line);
    this.bytes += line.length;
    if (this.lines.length >= this.maxLines || this.bytes >= PART_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.lines.length === 0) return;
    this.entries.push(await this.tar.add(this.name(this.part++), Buffer.from(this.lines.join(''), 'utf8')));
    this.lines = [];
    this.bytes = 0;
    this.onFlush();
  }
}

/** The gallery to read: the embedded one through a copy in `work` (undefined when there is none yet), or Milvus. */
async function openSourceGallery(backend: GalleryBackend, env: NodeJS.ProcessEnv, dataDir: string, space: EmbeddingSpace, work: string): Promise<Gallery | undefined> {
  if (backend === 'milvus') return MilvusGallery.open(milvusOptions(env, space));
  const source = path.join(dataDir, GALLERY_FILE);
  if (!fs.existsSync(source) || fs.statSync(source).size === 0) return undefined;
  const copyDir = path.join(work, 'gallery');
  fs.mkdirSync(copyDir);
  const copy = path.join(copyDir, GALLERY_FILE);
  await copySqlite(source, copy);
  try {
    return await EmbeddedGallery.open({ dataDir: copyDir, space });
  } catch (err) {
    // Name the real file, not the copy.
    if (err instanceof GalleryError) throw new GalleryError(err.code, err.message.split(copy).join(source).split(copyDir).join(dataDir));
    throw err;
  }
}

/** Relative paths of the regular files under a directory (sorted; temporary files of writers in progress left out). */
function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(child);
      else if (e.isFile() && !e.name.endsWith('.tmp')) out.push(child);
    }
  };
  walk('');
  return out.sort();
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value, null, 1) + '\n', 'utf8');
}

/** Make a rename durable (best effort: not every platform can open a directory). */
export function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // not supported here
  }
}
