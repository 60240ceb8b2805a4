/**
 * Sightings: one row per face track (written when the track is identified and again when it ends), with its time span,
 * identity decision, best-face snapshots and a representative embedding, so that "where was this person seen" works by
 * identity, camera, time, and by face, also for people never enrolled.
 */
import type Database from 'better-sqlite3';
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

function toSighting(r: Row): Sighting {
  let embedding: Float32Array | null = null;
  if (r.embedding) {
    embedding = new Float32Array(r.embedding.byteLength / 4);
    new Uint8Array(embedding.buffer).set(r.embedding);
  }
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
    embedding,
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

export class SightingStore {
  private readonly upsertStmt: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.upsertStmt = db.prepare(`INSERT INTO sightings (id, camera_id, track_id, started_at, ended_at, identity_id, identity_name, label, score, quality,
        frames, face_snapshot, context_snapshot, embedding, ended)
      VALUES (@id, @cameraId, @trackId, @startedAt, @endedAt, @identityId, @identityName, @label, @score, @quality, @frames, @faceSnapshot,
        @contextSnapshot, @embedding, @ended)
      ON CONFLICT (id) DO UPDATE SET ended_at = excluded.ended_at, identity_id = excluded.identity_id, identity_name = excluded.identity_name,
        label = excluded.label, score = excluded.score, quality = excluded.quality, frames = excluded.frames, face_snapshot = excluded.face_snapshot,
        context_snapshot = excluded.context_snapshot, embedding = excluded.embedding, ended = excluded.ended`);
  }

  /** Insert or update (by id) one sighting. */
  put(s: Sighting): void {
    this.upsertStmt.run({
      ...s,
      embedding: s.embedding ? Buffer.from(s.embedding.buffer, s.embedding.byteOffset, s.embedding.byteLength) : null,
      ended: s.ended ? 1 : 0,
    });
  }

  get(id: string): Sighting | undefined {
    const r = this.db.prepare('SELECT * FROM sightings WHERE id = ?').get(id) as Row | undefined;
    return r && toSighting(r);
  }

  private where(q: SightingQuery): { sql: string; params: unknown[] } {
    const parts: string[] = [];
    const params: unknown[] = [];
    if (q.identityId !== undefined) {
      parts.push('identity_id = ?');
      params.push(q.identityId);
    }
    if (q.unknownOnly) parts.push('identity_id IS NULL');
    if (q.cameraIds) {
      if (q.cameraIds.length === 0) parts.push('0');
      else {
        parts.push(`camera_id IN (${q.cameraIds.map(() => '?').join(',')})`);
        params.push(...q.cameraIds);
      }
    }
    // A sighting overlaps [from, to] when it ends after `from` and starts before `to`.
    if (q.from !== undefined) {
      parts.push('ended_at >= ?');
      params.push(q.from);
    }
    if (q.to !== undefined) {
      parts.push('started_at <= ?');
      params.push(q.to);
    }
    return { sql: parts.length ? parts.join(' AND ') : '1', params };
  }

  /** Newest first, cursor-paginated. */
  list(q: SightingQuery = {}): SightingPage {
    const first = Math.max(1, Math.min(MAX_PAGE, q.first ?? 50));
    const { sql, params } = this.where(q);
    let cursorSql = '';
    if (q.after) {
      const [t, id] = decodeCursor(q.after);
      cursorSql = ' AND (started_at < ? OR (started_at = ? AND id < ?))';
      params.push(t, t, id);
    }
    const rows = this.db
      .prepare(`SELECT * FROM sightings WHERE ${sql}${cursorSql} ORDER BY started_at DESC, id DESC LIMIT ?`)
      .all(...params, first + 1) as Row[];
    const items = rows.slice(0, first).map(toSighting);
    return { items, hasNextPage: rows.length > first, endCursor: items.length ? encodeCursor(items[items.length - 1]) : undefined };
  }

  /**
   * "Where was this face seen": cosine between the probe and each sighting's embedding (within the filters), best
   * first, at least `threshold`. An exact scan: sightings are bounded by the retention period.
   */
  searchByFace(embedding: Float32Array, opts: SightingQuery & { limit?: number; threshold?: number } = {}): FaceMatch[] {
    const limit = Math.max(1, Math.min(MAX_PAGE, opts.limit ?? 20));
    const threshold = opts.threshold ?? -1;
    const { sql, params } = this.where(opts);
    const dim = embedding.length;
    const best: { id: string; score: number }[] = [];
    const vec = new Float32Array(dim);
    const bytes = new Uint8Array(vec.buffer);
    for (const r of this.db.prepare(`SELECT id, embedding FROM sightings WHERE embedding IS NOT NULL AND ${sql}`).iterate(...params) as Iterable<{ id: string; embedding: Buffer }>) {
      if (r.embedding.byteLength !== dim * 4) continue; // another embedding space (recognizer changed)
      bytes.set(r.embedding);
      let s = 0;
      for (let i = 0; i < dim; i++) s += vec[i] * embedding[i];
      if (s < threshold) continue;
      if (best.length === limit && s <= best[limit - 1].score) continue;
      best.push({ id: r.id, score: s });
      best.sort((a, b) => b.score - a.score);
      if (best.length > limit) best.pop();
    }
    return best.map((b) => ({ sighting: this.get(b.id)!, score: b.score }));
  }

  /** Deletes an identity's sightings; returns them (their snapshot files are the caller's to remove). */
  deleteByIdentity(identityId: string): Sighting[] {
    return this.db.transaction(() => {
      const rows = (this.db.prepare('SELECT * FROM sightings WHERE identity_id = ?').all(identityId) as Row[]).map(toSighting);
      this.db.prepare('DELETE FROM sightings WHERE identity_id = ?').run(identityId);
      return rows;
    })();
  }

  /** A renamed or merged identity: its sightings follow. */
  relabelIdentity(identityId: string, to: { id: string; name: string }): number {
    return this.db.prepare('UPDATE sightings SET identity_id = ?, identity_name = ?, label = ? WHERE identity_id = ?').run(to.id, to.name, to.name, identityId).changes;
  }

  /** Deletes ended sightings that ended before `before` (ms); returns them for snapshot removal. */
  purgeEndedBefore(before: number, batch = 1000): Sighting[] {
    return this.db.transaction(() => {
      const rows = (this.db.prepare('SELECT * FROM sightings WHERE ended = 1 AND ended_at < ? LIMIT ?').all(before, batch) as Row[]).map(toSighting);
      const del = this.db.prepare('DELETE FROM sightings WHERE id = ?');
      for (const r of rows) del.run(r.id);
      return rows;
    })();
  }

  /** Sightings left "live" by a process that stopped without ending them: mark them ended at their last time. */
  closeDangling(): number {
    return this.db.prepare('UPDATE sightings SET ended = 1 WHERE ended = 0').run().changes;
  }

  /** The highest N of the anonymous labels "Unknown N" handed out so far, so that new strangers continue the count. */
  maxStrangerNumber(): number {
    const r = this.db.prepare("SELECT max(CAST(substr(label, 9) AS INTEGER)) AS n FROM sightings WHERE label LIKE 'Unknown %'").get() as { n: number | null };
    return r.n ?? 0;
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM sightings').get() as { n: number }).n;
  }
}
