/**
 * The stores of a backup as backend-neutral records (format v2: one JSON object per line, per store), read and
 * written only through the ports, so that a backup of one placement restores into another (SQLite → Redis and
 * PostgreSQL and back). Per store: how to read every record, write one back as it was, tell whether a store holds
 * anything, and turn a record into JSON and back (every field checked: a bad line is BAD_ARCHIVE, not a half-done
 * restore).
 *
 *   tokens     StoredToken: the token with the SHA-256 of its secret (never the secret)
 *   audit      AuditEntry, oldest first, with its seq and time
 *   wall       WallState, version and times (one line; none while the wall was never changed)
 *   cameras    CameraConfig
 *   sightings  Sighting, the embedding as base64 float32 (LE) like the gallery's
 *   alerts     Alert
 */
import { isRole } from '../api/auth/tokens.js';
import { parseCameraConfig, type CameraConfig } from '../cameras/camera-config.js';
import type { CameraRepository } from '../cameras/camera-repository.js';
import type { StoreKind } from '../config.js';
import { MAX_ALERT_PAGE, type Alert, type AlertStore } from '../store/alert-store.js';
import type { AuditEntry, AuditLog } from '../store/audit-log.js';
import type { Sighting, SightingStore } from '../store/sighting-store.js';
import type { StoredToken, TokenStore } from '../store/token-store.js';
import { WALL_GRIDS, type WallState, type WallStore } from '../store/wall-store.js';
import { BackupError, decodeEmbedding, encodeEmbedding } from './backup-format.js';

/** Every store a backup carries, whichever adapter is behind each. */
export interface Stores {
  tokens: TokenStore;
  audit: AuditLog;
  wall: WallStore;
  cameras: CameraRepository;
  sightings: SightingStore;
  alerts: AlertStore;
}

interface RecordKind<T> {
  read(s: Stores): AsyncIterable<T>;
  /** False when the record was already there and left as it was (audit entries). */
  write(s: Stores, record: T): Promise<boolean | void>;
  held(s: Stores): Promise<boolean>;
  encode(record: T): unknown;
  /** The record of a parsed line; BackupError BAD_ARCHIVE naming `where` when a field is wrong. */
  decode(value: Record<string, unknown>, where: string): T;
}

/** Records per read of the paged stores: the most an alert page holds (a short page is the last). */
const PAGE = MAX_ALERT_PAGE;

type Check = (ok: boolean, field: string) => void;
const checker =
  (where: string): Check =>
  (ok, field) => {
    if (!ok) throw new BackupError('BAD_ARCHIVE', `${where}: bad or missing "${field}"`);
  };
const isStr = (v: unknown): v is string => typeof v === 'string';
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const orNull = (test: (v: unknown) => boolean) => (v: unknown) => v === null || test(v);
const strList = (v: unknown) => Array.isArray(v) && v.every(isStr);

function fields(v: Record<string, unknown>, check: Check, spec: Record<string, (v: unknown) => boolean>): void {
  for (const [name, test] of Object.entries(spec)) check(test(v[name]), name);
}

const tokens: RecordKind<StoredToken> = {
  read: (s) => s.tokens.exportTokens(),
  write: (s, t) => s.tokens.importToken(t),
  held: async (s) => (await s.tokens.count()) > 0,
  encode: (t) => t,
  decode(v, where) {
    fields(v, checker(where), {
      id: isStr, name: isStr, role: isRole, cameraScope: orNull(strList), createdAt: isInt, createdBy: orNull(isStr),
      lastUsedAt: orNull(isInt), revokedAt: orNull(isInt), secretHash: (h) => isStr(h) && /^[0-9a-f]{64}$/.test(h),
    });
    return v as unknown as StoredToken;
  },
};

const audit: RecordKind<AuditEntry> = {
  read: (s) => s.audit.exportEntries(),
  write: (s, e) => s.audit.importEntry(e),
  held: async (s) => (await s.audit.query({ first: 1 })).items.length > 0,
  encode: (e) => e,
  decode(v, where) {
    fields(v, checker(where), {
      seq: (x) => isInt(x) && x > 0, at: isInt, actorId: orNull(isStr), actorName: orNull(isStr), role: orNull(isStr), action: isStr,
      target: orNull(isStr), details: (x) => x !== undefined, outcome: (x) => x === 'ok' || x === 'denied' || x === 'error',
    });
    return v as unknown as AuditEntry;
  },
};

const wall: RecordKind<WallState> = {
  async *read(s) {
    const state = await s.wall.get();
    if (state.version > 0) yield state;
  },
  write: (s, w) => s.wall.importState(w),
  held: async (s) => (await s.wall.get()).version > 0,
  encode: (w) => w,
  decode(v, where) {
    const check = checker(where);
    fields(v, check, {
      version: (x) => isInt(x) && x > 0, grid: (x) => (WALL_GRIDS as readonly unknown[]).includes(x), pinned: (x) => Array.isArray(x) && x.every(isInt),
      focused: orNull(isInt), updatedAt: isNum, updatedBy: orNull(isStr),
    });
    check(Array.isArray(v.tiles) && v.tiles.length === v.grid && v.tiles.every(orNull(isStr)), 'tiles');
    return v as unknown as WallState;
  },
};

const cameras: RecordKind<CameraConfig> = {
  async *read(s) {
    yield* await s.cameras.list();
  },
  write: (s, c) => s.cameras.put(c),
  held: async (s) => (await s.cameras.list()).length > 0,
  encode: (c) => c,
  decode(v, where) {
    try {
      return parseCameraConfig(v);
    } catch (err) {
      throw new BackupError('BAD_ARCHIVE', `${where}: not a camera configuration (${(err as Error).message})`);
    }
  },
};

const sightings: RecordKind<Sighting> = {
  async *read(s) {
    let after: string | undefined;
    do {
      const page = await s.sightings.list({ first: PAGE, after });
      yield* page.items;
      after = page.hasNextPage ? page.endCursor : undefined;
    } while (after);
  },
  write: (s, x) => s.sightings.put(x),
  held: async (s) => (await s.sightings.count()) > 0,
  encode: (x) => ({ ...x, embedding: x.embedding && encodeEmbedding(x.embedding) }),
  decode(v, where) {
    fields(v, checker(where), {
      id: isStr, cameraId: isStr, trackId: isStr, startedAt: isInt, endedAt: isInt, identityId: orNull(isStr), identityName: orNull(isStr),
      label: isStr, score: orNull(isNum), quality: isNum, frames: isInt, faceSnapshot: orNull(isStr), contextSnapshot: orNull(isStr),
      embedding: orNull(isStr), ended: (x) => typeof x === 'boolean',
    });
    // Any length: sightings of an earlier recognizer keep their own embedding space.
    return { ...(v as unknown as Sighting), embedding: isStr(v.embedding) ? decodeEmbedding(v.embedding, undefined, `${where}: embedding`) : null };
  },
};

const alerts: RecordKind<Alert> = {
  async *read(s) {
    let before: { at: number; id: string } | undefined;
    for (;;) {
      const page = await s.alerts.list({ first: PAGE, before });
      yield* page;
      if (page.length < PAGE) return;
      before = page[page.length - 1];
    }
  },
  write: (s, a) => s.alerts.put(a),
  held: async (s) => (await s.alerts.list({ first: 1 })).length > 0,
  encode: (a) => a,
  decode(v, where) {
    fields(v, checker(where), {
      id: isStr, at: isInt, kind: (x) => x === 'watchlist' || x === 'unknown', cameraId: isStr, trackId: orNull(isStr), identityId: orNull(isStr),
      payload: (x) => typeof x === 'object' && x !== null && isStr((x as { label?: unknown }).label), acknowledgedAt: orNull(isInt), acknowledgedBy: orNull(isStr),
    });
    return v as unknown as Alert;
  },
};

// The records of one store are of one type; across the table they are opaque to the callers.
export const STORE_RECORDS: Record<StoreKind, RecordKind<unknown>> = { tokens, audit, wall, cameras, sightings, alerts } as Record<StoreKind, RecordKind<unknown>>;

/** Parse one line of a store part into the port's record. */
export function parseStoreLine(kind: StoreKind, line: string, where: string): unknown {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (err) {
    throw new BackupError('BAD_ARCHIVE', `${where}: not JSON (${(err as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BackupError('BAD_ARCHIVE', `${where}: not a ${kind} record`);
  return STORE_RECORDS[kind].decode(v as Record<string, unknown>, where);
}
