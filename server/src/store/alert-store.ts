/**
 * Alerts (watchlist hits, unknown-person rules) with who acknowledged them and when. Asynchronous port: the SQLite
 * store of a data directory for a single process, PostgreSQL shared by the processes of a scale-out deployment
 * (postgres-db.ts); both run the same statements (sql-db.ts).
 */
import type Database from 'better-sqlite3';
import { inList, sqliteDb, type SqlDb } from './sql-db.js';
import { StoreError } from './store-db.js';

export type AlertKind = 'watchlist' | 'unknown';

/** Most alerts one list() returns (a backup pages through them at this size). */
export const MAX_ALERT_PAGE = 500;

export interface Alert {
  id: string;
  at: number;
  kind: AlertKind;
  cameraId: string;
  trackId: string | null;
  identityId: string | null;
  /** What the alert shows: name or label, score, snapshot paths, rule. JSON-safe. */
  payload: { label: string; score: number | null; snapshot?: { face: string; context: string }; rule?: string };
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
}

export interface AlertQuery {
  acknowledged?: boolean;
  cameraIds?: string[] | null;
  first?: number;
  /** The `at` and id of the last alert of the previous page. */
  before?: { at: number; id: string };
}

export interface AlertStore {
  /** Insert or replace (by id) one alert. */
  put(a: Alert): Promise<void>;
  get(id: string): Promise<Alert | undefined>;
  /** Newest first (ties broken by id). */
  list(q?: AlertQuery): Promise<Alert[]>;
  /** Marks an alert acknowledged (the first acknowledgement stands); returns it. */
  acknowledge(id: string, by: string, at?: number): Promise<Alert>;
  purgeBefore(before: number): Promise<number>;
}

interface Row {
  id: string;
  at: number;
  kind: AlertKind;
  camera_id: string;
  track_id: string | null;
  identity_id: string | null;
  payload: string;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
}

const toAlert = (r: Row): Alert => ({
  id: r.id,
  at: r.at,
  kind: r.kind,
  cameraId: r.camera_id,
  trackId: r.track_id,
  identityId: r.identity_id,
  payload: JSON.parse(r.payload),
  acknowledgedAt: r.acknowledged_at,
  acknowledgedBy: r.acknowledged_by,
});

export class SqlAlertStore implements AlertStore {
  constructor(private readonly db: SqlDb) {}

  async put(a: Alert): Promise<void> {
    await this.db.run(
      `INSERT INTO alerts (id, at, kind, camera_id, track_id, identity_id, payload, acknowledged_at, acknowledged_by)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET at = excluded.at, kind = excluded.kind, camera_id = excluded.camera_id, track_id = excluded.track_id,
         identity_id = excluded.identity_id, payload = excluded.payload, acknowledged_at = excluded.acknowledged_at, acknowledged_by = excluded.acknowledged_by`,
      [a.id, a.at, a.kind, a.cameraId, a.trackId, a.identityId, JSON.stringify(a.payload), a.acknowledgedAt, a.acknowledgedBy],
    );
  }

  async get(id: string): Promise<Alert | undefined> {
    const [r] = await this.db.all<Row>('SELECT * FROM alerts WHERE id = ?', [id]);
    return r && toAlert(r);
  }

  async list(q: AlertQuery = {}): Promise<Alert[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.acknowledged !== undefined) where.push(q.acknowledged ? 'acknowledged_at IS NOT NULL' : 'acknowledged_at IS NULL');
    if (q.cameraIds) {
      const cameras = inList('camera_id', q.cameraIds);
      where.push(cameras.sql);
      params.push(...cameras.params);
    }
    if (q.before) {
      where.push('(at < ? OR (at = ? AND id < ?))');
      params.push(q.before.at, q.before.at, q.before.id);
    }
    const first = Math.max(1, Math.min(MAX_ALERT_PAGE, q.first ?? 50));
    const rows = await this.db.all<Row>(`SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT ?`, [...params, first]);
    return rows.map(toAlert);
  }

  async acknowledge(id: string, by: string, at = Date.now()): Promise<Alert> {
    await this.db.run('UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ? AND acknowledged_at IS NULL', [at, by, id]);
    const alert = await this.get(id);
    if (!alert) throw new StoreError('NOT_FOUND', `no alert ${id}`);
    return alert;
  }

  purgeBefore(before: number): Promise<number> {
    return this.db.run('DELETE FROM alerts WHERE at < ?', [before]);
  }
}

/** The alerts of a data directory's store. */
export const sqliteAlertStore = (db: Database.Database): AlertStore => new SqlAlertStore(sqliteDb(db));
