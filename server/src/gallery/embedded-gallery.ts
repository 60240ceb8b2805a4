/**
 * The embedded Gallery adapter: one SQLite file (`<dataDir>/gallery.sqlite`, WAL, synchronous=FULL) is the store of
 * record; an in-memory TemplateIndex (all embeddings in one Float32Array) answers searches exactly.
 *
 * - Every mutation is one SQLite transaction, all or none; the index follows only after the commit.
 * - better-sqlite3 is synchronous, so each method body runs to completion before another starts: no interleaving
 *   within a process. Two processes on one data directory are refused by a pid lock file (`gallery.lock`).
 * - Opening checks what the file is before anything is written to it: a file that is not a BoostFace gallery, or one
 *   of a newer schema, is refused with CORRUPT_STORE and left byte for byte as it was; a gallery made for another
 *   recognizer (model or dimension) is refused with MODEL_MISMATCH.
 * - Embeddings are stored as little-endian float32 blobs. An embedding that is not unit length (|v|² off by more than
 *   1e-4) is normalized on the way in, so scores are always cosine similarities.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  GalleryError,
  type EmbeddingSpace,
  type Gallery,
  type Identity,
  type IdentityInput,
  type IdentityPage,
  type IdentityPatch,
  type ListIdentitiesOptions,
  type SearchFilter,
  type SearchHit,
  type Template,
  type TemplateKind,
} from './gallery.js';
import { acquireLockFile, type HeldLock } from './lock-file.js';
import { TemplateIndex, type IndexEntry } from './template-index.js';
import { bad, checkId, checkName, checkNotes, checkSpace, checkTags, decodeCursor, encodeCursor, notFound } from './gallery-input.js';

export interface EmbeddedGalleryOptions {
  dataDir: string;
  space: EmbeddingSpace;
}

export const GALLERY_FILE = 'gallery.sqlite';
export const LOCK_FILE = 'gallery.lock';
const FORMAT = 'boostface-gallery';
export const SCHEMA_VERSION = 1;
/** PRAGMA application_id of a gallery file: "BFg1". */
const APPLICATION_ID = 0x42466731;
const KINDS: readonly TemplateKind[] = ['positive', 'negative'];
const UNIT_TOLERANCE = 1e-4;

const SCHEMA = `
CREATE TABLE meta (
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE identities (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  notes TEXT NOT NULL DEFAULT '',
  tags TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX identities_by_name ON identities (name, id);
CREATE TABLE templates (
  id TEXT PRIMARY KEY NOT NULL,
  identity_id TEXT NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('positive', 'negative')),
  quality REAL NOT NULL,
  source TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  embedding BLOB NOT NULL
);
CREATE INDEX templates_by_identity ON templates (identity_id, kind);
`;

const REQUIRED_COLUMNS: Record<string, string[]> = {
  meta: ['key', 'value'],
  identities: ['id', 'name', 'notes', 'tags', 'created_at', 'updated_at'],
  templates: ['id', 'identity_id', 'kind', 'quality', 'source', 'created_at', 'embedding'],
};

const SELECT_IDENTITY = `
SELECT i.id, i.name, i.notes, i.tags, i.created_at AS createdAt, i.updated_at AS updatedAt,
  (SELECT count(*) FROM templates t WHERE t.identity_id = i.id AND t.kind = 'positive') AS templateCount
FROM identities i`;

interface IdentityRow {
  id: string;
  name: string;
  notes: string;
  tags: string;
  createdAt: number;
  updatedAt: number;
  templateCount: number;
}

interface TemplateRow {
  id: string;
  identityId: string;
  kind: TemplateKind;
  quality: number;
  source: string;
  createdAt: number;
  embedding: Buffer;
}

export class EmbeddedGallery implements Gallery {
  private closed = false;
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(
    readonly space: EmbeddingSpace,
    /** The database file. */
    readonly file: string,
    private readonly db: Database.Database,
    private readonly lock: HeldLock,
    private readonly index: TemplateIndex,
  ) {}

  /** Open (or create) the gallery of a data directory for one embedding space. */
  static async open(options: EmbeddedGalleryOptions): Promise<EmbeddedGallery> {
    const space = checkSpace(options.space);
    const dataDir = path.resolve(options.dataDir);
    fs.mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, GALLERY_FILE);
    const lock = acquireLockFile(path.join(dataDir, LOCK_FILE), `the gallery in ${dataDir}`);
    let db: Database.Database | undefined;
    try {
      let fresh: boolean;
      try {
        const stat = fs.statSync(file);
        if (!stat.isFile()) throw corrupt(file, 'is not a regular file');
        // A zero-length file is what a creation that died before its first commit leaves.
        fresh = stat.size === 0;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        fresh = true;
      }
      try {
        db = new Database(file);
      } catch (err) {
        throw corrupt(file, `cannot be opened as SQLite (${(err as Error).message})`);
      }
      if (fresh) {
        // Rollback journal while creating: the schema and metadata land in one atomic commit, and a crash before it
        // leaves a zero-length file (fresh again next time). WAL is switched on after.
        const now = Date.now();
        db.transaction(() => {
          db!.exec(SCHEMA);
          db!.pragma(`application_id = ${APPLICATION_ID}`);
          db!.pragma(`user_version = ${SCHEMA_VERSION}`);
          const put = db!.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
          put.run('format', FORMAT);
          put.run('schema_version', String(SCHEMA_VERSION));
          put.run('model', space.model);
          put.run('dim', String(space.dim));
          put.run('created_at', new Date(now).toISOString());
        })();
      } else {
        inspect(db, file, dataDir, space); // reads only
      }
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (String(mode).toLowerCase() !== 'wal') throw new GalleryError('UNAVAILABLE', `${file}: could not switch to WAL (journal mode ${mode})`);
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      // Keep the WAL from staying huge after a large enrollment once it has been checkpointed.
      db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
      db.function('bf_fold', { deterministic: true }, (s: unknown) => (typeof s === 'string' ? s.toLowerCase() : s));
      const index = loadIndex(db, file, space.dim);
      return new EmbeddedGallery(space, file, db, lock, index);
    } catch (err) {
      try {
        db?.close();
      } catch {
        // closing a connection that failed to read
      }
      lock.release();
      throw sqliteToGallery(err, file);
    }
  }

  async createIdentity(input: IdentityInput): Promise<Identity> {
    return this.guard(() => {
      if (!input || typeof input !== 'object') throw bad('identity input must be an object');
      const id = input.id === undefined ? randomUUID() : checkId(input.id, 'identity id');
      const name = checkName(input.name);
      const notes = checkNotes(input.notes ?? '');
      const tags = checkTags(input.tags ?? []);
      if (this.stmt('SELECT 1 FROM identities WHERE id = ?').get(id)) throw new GalleryError('CONFLICT', `identity ${id} already exists`);
      const now = Date.now();
      this.stmt('INSERT INTO identities (id, name, notes, tags, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)').run(
        id,
        name,
        notes,
        JSON.stringify(tags),
        now,
        now,
      );
      return { id, name, notes, tags, createdAt: now, updatedAt: now, templateCount: 0 };
    });
  }

  async updateIdentity(id: string, patch: IdentityPatch): Promise<Identity> {
    return this.guard(() => {
      if (!patch || typeof patch !== 'object') throw bad('identity patch must be an object');
      const current = this.identityRow(id);
      if (!current) throw notFound('identity', id);
      const name = patch.name === undefined ? current.name : checkName(patch.name);
      const notes = patch.notes === undefined ? current.notes : checkNotes(patch.notes);
      const tags = patch.tags === undefined ? current.tags : JSON.stringify(checkTags(patch.tags));
      const updatedAt = Math.max(Date.now(), current.updatedAt);
      this.stmt('UPDATE identities SET name = ?, notes = ?, tags = ?, updated_at = ? WHERE id = ?').run(name, notes, tags, updatedAt, id);
      return toIdentity(this.identityRow(id)!);
    });
  }

  async getIdentity(id: string): Promise<Identity | undefined> {
    return this.guard(() => {
      if (typeof id !== 'string') throw bad('identity id must be a string');
      const row = this.identityRow(id);
      return row && toIdentity(row);
    });
  }

  async listIdentities(options: ListIdentitiesOptions): Promise<IdentityPage> {
    return this.guard(() => {
      if (!options || typeof options !== 'object') throw bad('list options must be an object');
      const { first, after, nameContains, tag } = options;
      if (!Number.isInteger(first) || first < 1) throw bad(`first must be a positive integer (got ${first})`);
      const where: string[] = [];
      const params: unknown[] = [];
      if (after !== undefined) {
        const [name, id] = decodeCursor(after);
        where.push('(i.name, i.id) > (?, ?)');
        params.push(name, id);
      }
      if (nameContains !== undefined && nameContains !== '') {
        if (typeof nameContains !== 'string') throw bad('nameContains must be a string');
        where.push('instr(bf_fold(i.name), ?) > 0');
        params.push(nameContains.toLowerCase());
      }
      if (tag !== undefined) {
        if (typeof tag !== 'string') throw bad('tag must be a string');
        where.push('EXISTS (SELECT 1 FROM json_each(i.tags) WHERE json_each.value = ?)');
        params.push(tag);
      }
      const sql = `${SELECT_IDENTITY}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY i.name, i.id LIMIT ?`;
      const rows = this.stmt(sql).all(...params, first + 1) as IdentityRow[];
      const items = rows.slice(0, first).map(toIdentity);
      const last = items[items.length - 1];
      return rows.length > first && last ? { items, endCursor: encodeCursor(last.name, last.id) } : { items };
    });
  }

  async deleteIdentity(id: string): Promise<number> {
    return this.guard(() => {
      if (typeof id !== 'string') throw bad('identity id must be a string');
      const removed = this.db.transaction(() => {
        const { n } = this.stmt('SELECT count(*) AS n FROM templates WHERE identity_id = ?').get(id) as { n: number };
        // Templates go with it (ON DELETE CASCADE).
        if (this.stmt('DELETE FROM identities WHERE id = ?').run(id).changes === 0) throw notFound('identity', id);
        return n;
      })();
      this.index.removeIdentity(id);
      return removed;
    });
  }

  async upsertTemplates(templates: Template[]): Promise<void> {
    return this.guard(() => {
      if (!Array.isArray(templates)) throw bad('templates must be an array');
      if (templates.length === 0) return;
      const clean = templates.map((t, i) => this.checkTemplate(t, i));
      const seen = new Set<string>();
      for (const t of clean) {
        if (seen.has(t.id)) throw bad(`template ${t.id} appears twice in one upsert`);
        seen.add(t.id);
      }
      const owners = new Set(clean.map((t) => t.identityId));
      this.db.transaction(() => {
        const exists = this.stmt('SELECT 1 FROM identities WHERE id = ?');
        for (const id of owners) if (!exists.get(id)) throw notFound('identity', id);
        const upsert = this.stmt(
          `INSERT INTO templates (id, identity_id, kind, quality, source, created_at, embedding) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET identity_id = excluded.identity_id, kind = excluded.kind, quality = excluded.quality,
             source = excluded.source, created_at = excluded.created_at, embedding = excluded.embedding`,
        );
        for (const t of clean) upsert.run(t.id, t.identityId, t.kind, t.quality, t.source, t.createdAt, blobOf(t.embedding));
      })();
      for (const t of clean) this.index.put(t.id, t.identityId, t.kind, t.embedding);
    });
  }

  async deleteTemplates(templateIds: string[]): Promise<number> {
    return this.guard(() => {
      if (!Array.isArray(templateIds)) throw bad('template ids must be an array');
      const ids = [...new Set(templateIds)];
      for (const id of ids) if (typeof id !== 'string') throw bad('template ids must be strings');
      if (ids.length === 0) return 0;
      const removed = this.db.transaction(() => {
        const del = this.stmt('DELETE FROM templates WHERE id = ?');
        return ids.filter((id) => del.run(id).changes > 0);
      })();
      for (const id of removed) this.index.remove(id);
      return removed.length;
    });
  }

  async listTemplates(identityId: string): Promise<Template[]> {
    return this.guard(() => {
      if (typeof identityId !== 'string') throw bad('identity id must be a string');
      if (!this.stmt('SELECT 1 FROM identities WHERE id = ?').get(identityId)) throw notFound('identity', identityId);
      const rows = this.stmt(
        `SELECT id, identity_id AS identityId, kind, quality, source, created_at AS createdAt, embedding
         FROM templates WHERE identity_id = ? ORDER BY created_at, id`,
      ).all(identityId) as TemplateRow[];
      return rows.map((r) => ({
        id: r.id,
        identityId: r.identityId,
        kind: r.kind,
        quality: r.quality,
        source: r.source,
        createdAt: r.createdAt,
        embedding: floatsOf(r.embedding),
      }));
    });
  }

  async mergeIdentities(fromId: string, toId: string): Promise<number> {
    return this.guard(() => {
      if (typeof fromId !== 'string' || typeof toId !== 'string') throw bad('identity ids must be strings');
      if (fromId === toId) throw bad(`cannot merge identity ${fromId} into itself`);
      const moved = this.db.transaction(() => {
        const exists = this.stmt('SELECT updated_at AS updatedAt FROM identities WHERE id = ?');
        if (!exists.get(fromId)) throw notFound('identity', fromId);
        const target = exists.get(toId) as { updatedAt: number } | undefined;
        if (!target) throw notFound('identity', toId);
        const n = this.stmt('UPDATE templates SET identity_id = ? WHERE identity_id = ?').run(toId, fromId).changes;
        this.stmt('DELETE FROM identities WHERE id = ?').run(fromId);
        this.stmt('UPDATE identities SET updated_at = ? WHERE id = ?').run(Math.max(Date.now(), target.updatedAt), toId);
        return n;
      })();
      this.index.moveIdentity(fromId, toId);
      return moved;
    });
  }

  async search(embedding: Float32Array, k: number, filter?: SearchFilter): Promise<SearchHit[]> {
    return this.guard(() => {
      const query = this.checkEmbedding(embedding, 'query embedding');
      if (!Number.isInteger(k) || k < 0) throw bad(`k must be a non-negative integer (got ${k})`);
      const kinds = filter?.kinds ?? ['positive'];
      if (!Array.isArray(kinds) || kinds.some((x) => !KINDS.includes(x))) throw bad(`kinds must be a list of ${KINDS.join(' / ')}`);
      const identityIds = filter?.identityIds;
      if (identityIds !== undefined && !Array.isArray(identityIds)) throw bad('identityIds must be an array');
      return this.index.search(query, k, kinds, identityIds);
    });
  }

  async count(): Promise<{ identities: number; templates: number }> {
    return this.guard(
      () => this.stmt('SELECT (SELECT count(*) FROM identities) AS identities, (SELECT count(*) FROM templates) AS templates').get() as {
        identities: number;
        templates: number;
      },
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      this.db.close();
    } finally {
      this.lock.release();
    }
  }

  /** The in-memory index, row by row (for consistency checks and tests). */
  indexEntries(): IndexEntry[] {
    this.ensureOpen();
    return [...this.index.entries()];
  }

  /** Bytes held by the in-memory index's matrix and per-row arrays. */
  get indexBytes(): number {
    return this.index.matrixBytes;
  }

  private guard<T>(fn: () => T): Promise<T> {
    try {
      this.ensureOpen();
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(sqliteToGallery(err, this.file));
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new GalleryError('UNAVAILABLE', `the gallery ${this.file} is closed`);
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private identityRow(id: string): IdentityRow | undefined {
    return this.stmt(`${SELECT_IDENTITY} WHERE i.id = ?`).get(id) as IdentityRow | undefined;
  }

  private checkTemplate(t: Template, i: number): Template {
    if (!t || typeof t !== 'object') throw bad(`template ${i} must be an object`);
    const id = t.id === undefined || t.id === '' ? randomUUID() : checkId(t.id, `template ${i} id`);
    const what = `template ${id}`;
    if (typeof t.identityId !== 'string' || t.identityId === '') throw bad(`${what}: identityId must be a non-empty string`);
    if (!KINDS.includes(t.kind)) throw bad(`${what}: kind must be ${KINDS.join(' or ')} (got ${String(t.kind)})`);
    if (typeof t.quality !== 'number' || !Number.isFinite(t.quality) || t.quality < 0 || t.quality > 1) {
      throw bad(`${what}: quality must be a number in [0, 1] (got ${String(t.quality)})`);
    }
    const source = t.source ?? '';
    if (typeof source !== 'string') throw bad(`${what}: source must be a string`);
    const createdAt = t.createdAt ?? Date.now();
    if (typeof createdAt !== 'number' || !Number.isFinite(createdAt)) throw bad(`${what}: createdAt must be a finite number`);
    const embedding = this.checkEmbedding(t.embedding, `${what} embedding`, true);
    return { id, identityId: t.identityId, kind: t.kind, quality: t.quality, source, createdAt, embedding };
  }

  /** Validate an embedding against the space; returns it unit-length (a copy when `copy` or when normalized). */
  private checkEmbedding(v: Float32Array, what: string, copy = false): Float32Array {
    if (!(v instanceof Float32Array)) throw bad(`${what} must be a Float32Array`);
    if (v.length !== this.space.dim) {
      throw new GalleryError(
        'MODEL_MISMATCH',
        `${what} has ${v.length} values; this gallery holds ${this.space.dim}-d embeddings of model "${this.space.model}"`,
      );
    }
    let sq = 0;
    for (let i = 0; i < v.length; i++) sq += v[i] * v[i];
    if (!Number.isFinite(sq)) throw bad(`${what} has non-finite values (NaN or Infinity)`);
    if (sq === 0) throw bad(`${what} is all zeros`);
    if (Math.abs(sq - 1) <= UNIT_TOLERANCE) return copy ? v.slice() : v;
    const out = new Float32Array(v.length);
    const inv = 1 / Math.sqrt(sq);
    for (let i = 0; i < v.length; i++) out[i] = v[i] * inv;
    return out;
  }
}

/** Refuse, read-only, anything that is not a BoostFace gallery of this schema and embedding space. */
function inspect(db: Database.Database, file: string, dataDir: string, space: EmbeddingSpace): void {
  let objects: { type: string; name: string }[];
  try {
    objects = db.prepare('SELECT type, name FROM sqlite_master').all() as { type: string; name: string }[];
  } catch (err) {
    throw corrupt(file, `is not a readable SQLite database (${(err as Error).message})`);
  }
  const tables = objects.filter((o) => o.type === 'table').map((o) => o.name);
  if (!tables.includes('meta')) {
    const others = tables.filter((t) => !t.startsWith('sqlite_'));
    throw corrupt(
      file,
      others.length
        ? `is a SQLite database of something else (tables ${others.slice(0, 6).join(', ')}${others.length > 6 ? ', …' : ''}), not a BoostFace gallery`
        : 'is a SQLite database without BoostFace gallery metadata',
    );
  }
  const meta = new Map<string, string>();
  try {
    for (const row of db.prepare('SELECT key, value FROM meta').all() as { key: unknown; value: unknown }[]) meta.set(String(row.key), String(row.value));
  } catch (err) {
    throw corrupt(file, `has a meta table that is not a BoostFace gallery's (${(err as Error).message})`);
  }
  if (meta.get('format') !== FORMAT) throw corrupt(file, 'has a meta table but is not a BoostFace gallery');
  const version = Number(meta.get('schema_version'));
  if (!Number.isInteger(version) || version < 1) throw corrupt(file, `has an unreadable gallery schema version (${meta.get('schema_version')})`);
  if (version > SCHEMA_VERSION) {
    throw corrupt(file, `was written by a newer BoostFace (gallery schema v${version}; this build reads up to v${SCHEMA_VERSION}); upgrade BoostFace to open it`);
  }
  for (const [table, columns] of Object.entries(REQUIRED_COLUMNS)) {
    const have = new Set((db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map((c) => c.name));
    const missing = columns.filter((c) => !have.has(c));
    if (missing.length) throw corrupt(file, `is a BoostFace gallery with a damaged schema (table ${table} lacks ${missing.join(', ')})`);
  }
  const model = meta.get('model');
  const dim = Number(meta.get('dim'));
  if (!model || !Number.isInteger(dim) || dim < 1) throw corrupt(file, 'has no embedding space (model and dimension) in its metadata');
  if (model !== space.model || dim !== space.dim) {
    throw new GalleryError(
      'MODEL_MISMATCH',
      `the gallery ${file} holds ${dim}-d embeddings of model "${model}", but the recognizer in use is "${space.model}" (${space.dim}-d); ` +
        `embeddings of different models cannot be compared. Either use the recognizer "${model}" again, or re-embed: export the ` +
        `identities, then delete ${file} (or move ${dataDir} aside) and re-enroll them from their source images with "${space.model}".`,
    );
  }
}

function loadIndex(db: Database.Database, file: string, dim: number): TemplateIndex {
  const counts = db.prepare('SELECT kind, count(*) AS n FROM templates GROUP BY kind').all() as { kind: string; n: number }[];
  const expected = (kind: TemplateKind) => counts.find((c) => c.kind === kind)?.n ?? 0;
  const index = new TemplateIndex(dim, [expected('positive'), expected('negative')]);
  const rows = db.prepare('SELECT id, identity_id, kind, embedding FROM templates').raw().iterate() as IterableIterator<[string, string, string, unknown]>;
  for (const [id, identityId, kind, embedding] of rows) {
    if (!(embedding instanceof Uint8Array) || embedding.byteLength !== dim * 4) {
      throw corrupt(file, `holds template ${id} whose embedding is not ${dim} float32 values`);
    }
    if (kind !== 'positive' && kind !== 'negative') throw corrupt(file, `holds template ${id} of unknown kind ${kind}`);
    index.putBytes(id, identityId, kind, embedding);
  }
  return index;
}

function blobOf(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function floatsOf(blob: Uint8Array): Float32Array {
  const out = new Float32Array(blob.byteLength >> 2);
  new Uint8Array(out.buffer).set(blob.subarray(0, out.byteLength));
  return out;
}

function toIdentity(row: IdentityRow): Identity {
  let tags: string[] = [];
  try {
    const parsed: unknown = JSON.parse(row.tags);
    if (Array.isArray(parsed)) tags = parsed.filter((t): t is string => typeof t === 'string');
  } catch {
    // unreadable tags read as none
  }
  return {
    id: row.id,
    name: row.name,
    notes: row.notes,
    tags,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    templateCount: row.templateCount,
  };
}

function corrupt(file: string, reason: string): GalleryError {
  return new GalleryError(
    'CORRUPT_STORE',
    `${file} ${reason}. It was left untouched: move it aside or choose another data directory.`,
  );
}

/** SQLite failures as gallery errors; anything else unchanged. */
function sqliteToGallery(err: unknown, file: string): unknown {
  if (err instanceof GalleryError || !(err instanceof Database.SqliteError)) return err;
  const code = err.code;
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return corrupt(file, `is damaged (${err.message})`);
  if (code.startsWith('SQLITE_CONSTRAINT')) return new GalleryError('CONFLICT', `${err.message}`);
  return new GalleryError('UNAVAILABLE', `gallery ${file}: ${err.message} (${code})`);
}
