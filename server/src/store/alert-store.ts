/** Alerts (watchlist hits, unknown-person rules) with who acknowledged them and when. */
import type Database from 'better-sqlite3';
import { StoreError } from './store-db.js';

export type AlertKind = 'watchlist' | 'unknown';

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

export class AlertStore {
  constructor(private readonly db: Database.Database) {}

  put(a: Alert): void {
    this.db
      .prepare(
        `INSERT INTO alerts (id, at, kind, camera_id, track_id, identity_id, payload, acknowledged_at, acknowledged_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(a.id, a.at, a.kind, a.cameraId, a.trackId, a.identityId, JSON.stringify(a.payload), a.acknowledgedAt, a.acknowledgedBy);
  }

  get(id: string): Alert | undefined {
    const r = this.db.prepare('SELECT * FROM alerts WHERE id = ?').get(id) as Row | undefined;
    return r && toAlert(r);
  }

  /** Newest first; `before` is the `at` of the last alert of the previous page (ties broken by id). */
  list(q: { acknowledged?: boolean; cameraIds?: string[] | null; first?: number; before?: { at: number; id: string } } = {}): Alert[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.acknowledged !== undefined) where.push(q.acknowledged ? 'acknowledged_at IS NOT NULL' : 'acknowledged_at IS NULL');
    if (q.cameraIds) {
      where.push(q.cameraIds.length ? `camera_id IN (${q.cameraIds.map(() => '?').join(',')})` : '0');
      params.push(...q.cameraIds);
    }
    if (q.before) {
      where.push('(at < ? OR (at = ? AND id < ?))');
      params.push(q.before.at, q.before.at, q.before.id);
    }
    const first = Math.max(1, Math.min(500, q.first ?? 50));
    const rows = this.db
      .prepare(`SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT ?`)
      .all(...params, first) as Row[];
    return rows.map(toAlert);
  }

  /** Marks an alert acknowledged (the first acknowledgement stands); returns it. */
  acknowledge(id: string, by: string, at = Date.now()): Alert {
    this.db.prepare('UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ? AND acknowledged_at IS NULL').run(at, by, id);
    const alert = this.get(id);
    if (!alert) throw new StoreError('NOT_FOUND', `no alert ${id}`);
    return alert;
  }

  purgeBefore(before: number): number {
    return this.db.prepare('DELETE FROM alerts WHERE at < ?').run(before).changes;
  }
}
