/**
 * The audit log: who (token id, name, role at the time), when, what action on which target, with JSON details and
 * the outcome. Details always pass through `redact` on the way in: secrets are replaced and long strings (base64
 * images, data URLs) and binary values are reduced to their size, so the log never holds credentials or image
 * bytes. Newest first with a cursor; old entries are purged by retention.
 *
 * The AuditLog port has two adapters: SqliteAuditLog here (the audit_log table of the data directory: one process)
 * and RedisAuditLog (redis-audit-log.ts: every process of a scale-out deployment). Both pass audit-log-contract.ts.
 */
import type Database from 'better-sqlite3';
import { StoreError } from './store-db.js';
import { inList, SqlConditions } from './sql-db.js';

export type AuditOutcome = 'ok' | 'denied' | 'error';
const OUTCOMES: readonly string[] = ['ok', 'denied', 'error'] satisfies AuditOutcome[];

/** A Principal (api/auth/policy.ts) fits; null for anonymous or system actions. */
export interface AuditActor {
  tokenId: string;
  name: string;
  role: string;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface AuditRecord {
  actor: AuditActor | null;
  action: string;
  target?: string | null;
  details?: unknown;
  outcome: AuditOutcome;
}

export interface AuditEntry {
  seq: number;
  at: number;
  actorId: string | null;
  actorName: string | null;
  role: string | null;
  action: string;
  target: string | null;
  details: JsonValue | null;
  outcome: AuditOutcome;
}

export interface AuditQuery {
  actions?: readonly string[];
  actorId?: string;
  /** Inclusive bounds on `at` (ms). */
  from?: number;
  to?: number;
  first?: number;
  after?: string;
}

export interface AuditPage {
  items: AuditEntry[];
  endCursor?: string;
  hasNextPage: boolean;
}

/** The port. Every method may reach another process (Redis): all are asynchronous. */
export interface AuditLog {
  append(record: AuditRecord): Promise<AuditEntry>;
  /** Newest first (time, then order of appending), cursor-paginated; the cursor is opaque. */
  query(q?: AuditQuery): Promise<AuditPage>;
  /** Retention: deletes entries older than `before` (ms); returns how many. */
  purge(before: number): Promise<number>;
  /** Every entry, oldest first (time, then order of appending) (backup). */
  exportEntries(): AsyncIterable<AuditEntry>;
  /**
   * Stores an exported entry with its seq and time (restore; oldest first); appends after it number past it. False
   * when an entry with this seq is already there (left as it is). CONFLICT when the log cannot place it (Redis: an
   * entry older than the newest one held).
   */
  importEntry(entry: AuditEntry): Promise<boolean>;
}

export interface RedactOptions {
  /** Longer strings are replaced by a note of their length. */
  maxString?: number;
  maxArray?: number;
  maxKeys?: number;
  maxDepth?: number;
}

const REDACT_DEFAULTS: Required<RedactOptions> = { maxString: 200, maxArray: 50, maxKeys: 50, maxDepth: 5 };
/** Keys whose values are credentials whatever they look like. */
const SECRET_KEY = /^(secret|password|passphrase|authorization|token|apikey|api_key|credentials?)$/i;
/** Values that look like credentials whatever their key: our secrets, bearer headers. */
const SECRET_VALUE = /^(bf_[A-Za-z0-9_-]{20,}|bearer\s+\S+)$/i;

/** A JSON-safe copy of `value` with secrets replaced, large strings and binary reduced to sizes, and size bounded. */
export function redact(value: unknown, options: RedactOptions = {}): JsonValue {
  const o = { ...REDACT_DEFAULTS, ...options };
  const seen = new Set<object>();
  const walk = (v: unknown, depth: number): JsonValue => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'string') {
      if (SECRET_VALUE.test(v)) return '[redacted]';
      if (v.startsWith('data:')) return `[data URL ${/^data:([^;,]*)/.exec(v)?.[1] || '?'}, ${v.length} chars omitted]`;
      return v.length > o.maxString ? `[${v.length} chars omitted]` : v;
    }
    if (typeof v !== 'object') return `[${typeof v}]`;
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return `[${v.byteLength} bytes omitted]`;
    if (v instanceof Date) return v.toISOString();
    if (seen.has(v) || depth >= o.maxDepth) return '[nested value omitted]';
    seen.add(v);
    try {
      if (Array.isArray(v)) {
        const out = v.slice(0, o.maxArray).map((x) => walk(x, depth + 1));
        if (v.length > o.maxArray) out.push(`[${v.length - o.maxArray} more items omitted]`);
        return out;
      }
      const out: { [key: string]: JsonValue } = {};
      const keys = Object.keys(v);
      for (const k of keys.slice(0, o.maxKeys)) {
        const x = (v as Record<string, unknown>)[k];
        if (x === undefined || typeof x === 'function') continue;
        out[k] = SECRET_KEY.test(k) ? '[redacted]' : walk(x, depth + 1);
      }
      if (keys.length > o.maxKeys) out['…'] = `[${keys.length - o.maxKeys} more keys omitted]`;
      return out;
    } finally {
      seen.delete(v);
    }
  };
  return walk(value, 0);
}

interface Row {
  seq: number;
  at: number;
  actor_id: string | null;
  actor_name: string | null;
  role: string | null;
  action: string;
  target: string | null;
  details: string | null;
  outcome: string;
}

const MAX_PAGE = 500;
/** Entries per read while exporting. */
export const EXPORT_BATCH = 500;
const MAX_ACTION = 100;
const MAX_TARGET = 300;

/** The page size asked for, within bounds. */
export const pageSize = (q: AuditQuery) => Math.max(1, Math.min(MAX_PAGE, q.first ?? 50));

/** A checked, redacted record as stored (the same rules for every adapter); its time and sequence are the store's. */
export function auditFields(record: AuditRecord): Omit<AuditEntry, 'seq' | 'at'> {
  if (!record.action || record.action.length > MAX_ACTION) throw new StoreError('BAD_INPUT', `an audit action must be 1 to ${MAX_ACTION} characters`);
  if (!OUTCOMES.includes(record.outcome)) throw new StoreError('BAD_INPUT', `unknown audit outcome "${String(record.outcome)}"`);
  return {
    actorId: record.actor?.tokenId ?? null,
    actorName: record.actor?.name ?? null,
    role: record.actor?.role ?? null,
    action: record.action,
    target: record.target ? (redact(record.target, { maxString: MAX_TARGET }) as string) : null,
    details: record.details === undefined ? null : redact(record.details),
    outcome: record.outcome,
  };
}

const toEntry = (r: Row): AuditEntry => ({
  seq: r.seq,
  at: r.at,
  actorId: r.actor_id,
  actorName: r.actor_name,
  role: r.role,
  action: r.action,
  target: r.target,
  details: r.details === null ? null : (JSON.parse(r.details) as JsonValue),
  outcome: r.outcome as AuditOutcome,
});

/** A cursor: two integers that place the last entry of a page (SQLite: at and seq), base64url. */
export const encodeCursor = (a: number, b: number) => Buffer.from(JSON.stringify([a, b])).toString('base64url');
export function decodeCursor(c: string): [number, number] {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8'));
    if (Array.isArray(v) && Number.isInteger(v[0]) && Number.isInteger(v[1])) return [v[0], v[1]];
  } catch {
    // fall through
  }
  throw new StoreError('BAD_INPUT', 'invalid audit log cursor');
}

export class SqliteAuditLog implements AuditLog {
  private readonly insertStmt: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {
    this.insertStmt = db.prepare(`INSERT INTO audit_log (at, actor_id, actor_name, role, action, target, details, outcome)
      VALUES (@at, @actor_id, @actor_name, @role, @action, @target, @details, @outcome)`);
  }

  async append(record: AuditRecord): Promise<AuditEntry> {
    const f = auditFields(record);
    const row: Omit<Row, 'seq'> = {
      at: this.now(),
      actor_id: f.actorId,
      actor_name: f.actorName,
      role: f.role,
      action: f.action,
      target: f.target,
      details: f.details === null ? null : JSON.stringify(f.details),
      outcome: f.outcome,
    };
    const seq = Number(this.insertStmt.run(row).lastInsertRowid);
    return toEntry({ seq, ...row });
  }

  async query(q: AuditQuery = {}): Promise<AuditPage> {
    const first = pageSize(q);
    const where = new SqlConditions();
    if (q.actions) where.add(inList('action', q.actions));
    if (q.actorId !== undefined) where.add('actor_id = ?', q.actorId);
    if (q.from !== undefined) where.add('at >= ?', q.from);
    if (q.to !== undefined) where.add('at <= ?', q.to);
    if (q.after) {
      const [at, seq] = decodeCursor(q.after);
      where.add('(at < ? OR (at = ? AND seq < ?))', at, at, seq);
    }
    const rows = this.db.prepare(`SELECT * FROM audit_log WHERE ${where.sql} ORDER BY at DESC, seq DESC LIMIT ?`).all(...where.params, first + 1) as Row[];
    const items = rows.slice(0, first).map(toEntry);
    return { items, hasNextPage: rows.length > first, endCursor: items.length ? encodeCursor(items[items.length - 1].at, items[items.length - 1].seq) : undefined };
  }

  async purge(before: number): Promise<number> {
    return this.db.prepare('DELETE FROM audit_log WHERE at < ?').run(before).changes;
  }

  async *exportEntries(): AsyncIterable<AuditEntry> {
    const page = this.db.prepare('SELECT * FROM audit_log WHERE at > ? OR (at = ? AND seq > ?) ORDER BY at, seq LIMIT ?');
    let last: Row | undefined;
    for (;;) {
      const rows = page.all(last?.at ?? Number.MIN_SAFE_INTEGER, last?.at ?? Number.MIN_SAFE_INTEGER, last?.seq ?? 0, EXPORT_BATCH) as Row[];
      for (const r of rows) yield toEntry(r);
      if (rows.length < EXPORT_BATCH) return;
      last = rows[rows.length - 1];
    }
  }

  async importEntry(e: AuditEntry): Promise<boolean> {
    // An explicit seq moves AUTOINCREMENT past it: later appends number after the imported entries.
    const r = this.db
      .prepare(`INSERT INTO audit_log (seq, at, actor_id, actor_name, role, action, target, details, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (seq) DO NOTHING`)
      .run(e.seq, e.at, e.actorId, e.actorName, e.role, e.action, e.target, e.details === null ? null : JSON.stringify(e.details), e.outcome);
    return r.changes > 0;
  }
}
