/**
 * Sightings: one row per face track (written when the track is identified and again when it ends), with its time span,
 * identity decision, best-face snapshots and a representative embedding, so that "where was this person seen" works by
 * identity, camera, time, and by face, also for people never enrolled.
 *
 * The port is asynchronous: a single process keeps sightings in the SQLite store of its data directory
 * (sqliteSightingStore); the processes of a scale-out deployment share them in PostgreSQL (postgres-db.ts). Both run
 * the same statements (SqlSightingStore over sql-db.ts).
 */
import type Database from 'better-sqlite3';
import { inList, SqlConditions, sqliteDb, type SqlDb } from './sql-db.js';
import { StoreError } from './store-db.js';

export interface Sighting {
  id: string;
  cameraId: string;
  trackId: string;
  startedAt: number;
  endedAt: number;
  identityId: string | null;
  identityName: string | null;
  /** The name, or the anonymous label of a stranger. */
  label: string;
  score: number | null;
  quality: number;
  frames: number;
  faceSnapshot: string | null;
  contextSnapshot: string | null;
  /** Best-quality face embedding of the track (L2-normalized). */
  embedding: Float32Array | null;
  /** False while the track is still live. */
  ended: boolean;
}

export interface SightingQuery {
  identityId?: string;
  /** Only strangers (identity null). */
  unknownOnly?: boolean;
  cameraIds?: string[];
  from?: number;
  to?: number;
  first?: number;
  /** Cursor from a previous page's endCursor. */
  after?: string;
}

export interface SightingPage {
  items: Sighting[];
  endCursor?: string;
  hasNextPage: boolean;
}

export interface FaceMatch {
  sighting: Sighting;
  score: number;
}

export interface SightingStore {
  /** Insert or update (by id) one sighting. */
  put(s: Sighting): Promise<void>;
  get(id: string): Promise<Sighting | undefined>;
  /** Newest first, cursor-paginated. */
  list(q?: SightingQuery): Promise<SightingPage>;
  /**
   * "Where was this face seen": cosine between the probe and each sighting's embedding (within the filters), best
   * first, at least `threshold`. An exact scan: sightings are bounded by the retention period.
   */
  searchByFace(embedding: Float32Array, opts?: SightingQuery & { limit?: number; threshold?: number }): Promise<FaceMatch[]>;
  /** Deletes an identity's sightings; returns them (their snapshot files are the caller's to remove). */
  deleteByIdentity(identityId: string): Promise<Sighting[]>;
  /** A renamed or merged identity: its sightings follow. */
  relabelIdentity(identityId: string, to: { id: string; name: string }): Promise<number>;
  /** Deletes up to `batch` ended sightings that ended before `before` (ms); returns them for snapshot removal. */
  purgeEndedBefore(before: number, batch?: number): Promise<Sighting[]>;
  /**
   * Sightings left "live" by a process that stopped without ending them: mark them ended at their last time. Of one
   * camera (the process about to run it), or of every camera (a single process starting).
   */
  closeDangling(cameraId?: string): Promise<number>;
  /** `count` numbers for new anonymous labels "Unknown N", never handed out before by a process sharing the store. */
  reserveStrangerNumbers(count: number): Promise<number[]>;
  count(): Promise<number>;
}

/** A row as both databases return it (PostgreSQL's BIGINT columns are read as numbers, postgres-db.ts). */
interface Row {
  id: string;
  camera_id: string;
  track_id: string;
  started_at: number;
  ended_at: number;
  identity_id: string | null;
  identity_name: string | null;
  label: string;
  score: number | null;
  quality: number;
  frames: number;
  face_snapshot: string | null;
  context_snapshot: string | null;
  embedding: Buffer | null;
  ended: number;
}

const MAX_PAGE = 500;
/** Rows per round trip of a face search: the scan reads embeddings in keyset pages of this size. */
const SEARCH_BATCH = 1000;

function embeddingOf(bytes: Buffer): Float32Array {
  const embedding = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(embedding.buffer).set(bytes);
  return embedding;
}

function toSighting(r: Row): Sighting {
  return {
    id: r.id,
    cameraId: r.camera_id,
    trackId: r.track_id,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    identityId: r.identity_id,
    identityName: r.identity_name,
    label: r.label,
    score: r.score,
    quality: r.quality,
    frames: r.frames,
    faceSnapshot: r.face_snapshot,
    contextSnapshot: r.context_snapshot,
    embedding: r.embedding ? embeddingOf(r.embedding) : null,
    ended: r.ended === 1,
  };
}

/** Newest first; the cursor is (started_at, id) of the last row, base64url. */
const encodeCursor = (s: Sighting) => Buffer.from(JSON.stringify([s.startedAt, s.id])).toString('base64url');
function decodeCursor(c: string): [number, string] {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8'));
    if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string') return [v[0], v[1]];
  } catch {
    // fall through
  }
  throw new StoreError('BAD_INPUT', 'invalid sighting cursor');
}

/** Rows after (started_at, id) in the newest-first order. */
const after = ([t, id]: [number, string]) => ({ sql: ' AND (started_at < ? OR (started_at = ? AND id < ?))', params: [t, t, id] });

function filter(q: SightingQuery): { sql: string; params: unknown[] } {
  const where = new SqlConditions();
  if (q.identityId !== undefined) where.add('identity_id = ?', q.identityId);
  if (q.unknownOnly) where.add('identity_id IS NULL');
  if (q.cameraIds) where.add(inList('camera_id', q.cameraIds));
  // A sighting overlaps [from, to] when it ends after `from` and starts before `to`.
  if (q.from !== undefined) where.add('ended_at >= ?', q.from);
  if (q.to !== undefined) where.add('started_at <= ?', q.to);
  return { sql: where.sql, params: where.params };
}

/** The best `limit` scores at least `threshold`, best first. */
class TopScores {
  readonly best: { id: string; score: number }[] = [];
  constructor(
    private readonly limit: number,
    private readonly threshold: number,
  ) {}

  offer(id: string, score: number): void {
    const { best, limit } = this;
    if (score < this.threshold || (best.length === limit && score <= best[limit - 1].score)) return;
    best.push({ id, score });
    best.sort((a, b) => b.score - a.score);
    if (best.length > limit) best.pop();
  }
}

const UPSERT = `INSERT INTO sightings (id, camera_id, track_id, started_at, ended_at, identity_id, identity_name, label, score, quality,
    frames, face_snapshot, context_snapshot, embedding, ended)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET ended_at = excluded.ended_at, identity_id = excluded.identity_id, identity_name = excluded.identity_name,
    label = excluded.label, score = excluded.score, quality = excluded.quality, frames = excluded.frames, face_snapshot = excluded.face_snapshot,
    context_snapshot = excluded.context_snapshot, embedding = excluded.embedding, ended = excluded.ended`;

/** The sighting store over either database; `strangerNumbers` is the database's own way to hand out numbers. */
export class SqlSightingStore implements SightingStore {
  constructor(
    private readonly db: SqlDb,
    private readonly strangerNumbers: (count: number) => Promise<number[]>,
    private readonly searchBatch = SEARCH_BATCH,
  ) {}

  async put(s: Sighting): Promise<void> {
    const embedding = s.embedding ? Buffer.from(s.embedding.buffer, s.embedding.byteOffset, s.embedding.byteLength) : null;
    await this.db.run(UPSERT, [
      s.id, s.cameraId, s.trackId, s.startedAt, s.endedAt, s.identityId, s.identityName, s.label, s.score, s.quality,
      s.frames, s.faceSnapshot, s.contextSnapshot, embedding, s.ended ? 1 : 0,
    ]);
  }

  async get(id: string): Promise<Sighting | undefined> {
    const [r] = await this.db.all<Row>('SELECT * FROM sightings WHERE id = ?', [id]);
    return r && toSighting(r);
  }

  async list(q: SightingQuery = {}): Promise<SightingPage> {
    const first = Math.max(1, Math.min(MAX_PAGE, q.first ?? 50));
    const where = filter(q);
    const cursor = q.after ? after(decodeCursor(q.after)) : { sql: '', params: [] };
    const rows = await this.db.all<Row>(`SELECT * FROM sightings WHERE ${where.sql}${cursor.sql} ORDER BY started_at DESC, id DESC LIMIT ?`, [
      ...where.params,
      ...cursor.params,
      first + 1,
    ]);
    const items = rows.slice(0, first).map(toSighting);
    return { items, hasNextPage: rows.length > first, endCursor: items.length ? encodeCursor(items[items.length - 1]) : undefined };
  }

  async searchByFace(embedding: Float32Array, opts: SightingQuery & { limit?: number; threshold?: number } = {}): Promise<FaceMatch[]> {
    const top = new TopScores(Math.max(1, Math.min(MAX_PAGE, opts.limit ?? 20)), opts.threshold ?? -1);
    const where = filter(opts);
    const dim = embedding.length;
    const vec = new Float32Array(dim);
    const bytes = new Uint8Array(vec.buffer);
    // Keyset pages rather than one result set: a PostgreSQL result is held whole in memory by the client.
    let last: [number, string] | undefined;
    for (;;) {
      const cursor = last ? after(last) : { sql: '', params: [] };
      const rows = await this.db.all<{ id: string; started_at: number; embedding: Buffer }>(
        `SELECT id, started_at, embedding FROM sightings WHERE embedding IS NOT NULL AND ${where.sql}${cursor.sql} ORDER BY started_at DESC, id DESC LIMIT ?`,
        [...where.params, ...cursor.params, this.searchBatch],
      );
      for (const r of rows) {
        if (r.embedding.byteLength !== dim * 4) continue; // another embedding space (recognizer changed)
        bytes.set(r.embedding);
        let s = 0;
        for (let i = 0; i < dim; i++) s += vec[i] * embedding[i];
        top.offer(r.id, s);
      }
      if (rows.length < this.searchBatch) break;
      last = [rows[rows.length - 1].started_at, rows[rows.length - 1].id];
    }
    if (top.best.length === 0) return [];
    const ids = inList('id', top.best.map((b) => b.id));
    const found = new Map((await this.db.all<Row>(`SELECT * FROM sightings WHERE ${ids.sql}`, ids.params)).map((r) => [r.id, toSighting(r)]));
    // A sighting deleted since the scan is left out.
    return top.best.flatMap((b) => {
      const sighting = found.get(b.id);
      return sighting ? [{ sighting, score: b.score }] : [];
    });
  }

  async deleteByIdentity(identityId: string): Promise<Sighting[]> {
    return (await this.db.all<Row>('DELETE FROM sightings WHERE identity_id = ? RETURNING *', [identityId])).map(toSighting);
  }

  relabelIdentity(identityId: string, to: { id: string; name: string }): Promise<number> {
    return this.db.run('UPDATE sightings SET identity_id = ?, identity_name = ?, label = ? WHERE identity_id = ?', [to.id, to.name, to.name, identityId]);
  }

  async purgeEndedBefore(before: number, batch = 1000): Promise<Sighting[]> {
    const rows = await this.db.all<Row>('DELETE FROM sightings WHERE id IN (SELECT id FROM sightings WHERE ended = 1 AND ended_at < ? LIMIT ?) RETURNING *', [before, batch]);
    return rows.map(toSighting);
  }

  closeDangling(cameraId?: string): Promise<number> {
    return cameraId === undefined
      ? this.db.run('UPDATE sightings SET ended = 1 WHERE ended = 0')
      : this.db.run('UPDATE sightings SET ended = 1 WHERE ended = 0 AND camera_id = ?', [cameraId]);
  }

  reserveStrangerNumbers(count: number): Promise<number[]> {
    return this.strangerNumbers(count);
  }

  async count(): Promise<number> {
    const [r] = await this.db.all<{ n: number | string }>('SELECT count(*) AS n FROM sightings');
    return Number(r.n);
  }
}

/**
 * The sightings of a data directory's store. Stranger numbers come from a counter in this process, started past the
 * highest "Unknown N" stored: the store file belongs to this process alone.
 */
export function sqliteSightingStore(db: Database.Database, options: { searchBatch?: number } = {}): SightingStore {
  let next: number | undefined;
  const numbers = async (count: number) => {
    if (next === undefined) {
      const r = db.prepare("SELECT max(CAST(substr(label, 9) AS INTEGER)) AS n FROM sightings WHERE label LIKE 'Unknown %'").get() as { n: number | null };
      next = (r.n ?? 0) + 1;
    }
    const start = next;
    next += count;
    return Array.from({ length: count }, (_, i) => start + i);
  };
  return new SqlSightingStore(sqliteDb(db), numbers, options.searchBatch);
}
