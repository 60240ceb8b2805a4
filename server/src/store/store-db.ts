/**
 * The operational store of a data directory (`store.sqlite`): cameras, sightings, later the audit log and the shared
 * wall state. The gallery keeps its own file (its own adapter). Schema changes are forward-only migrations keyed by
 * PRAGMA user_version, each in one transaction; a file that is not ours, or from a newer BoostFace, is refused and
 * left untouched.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export const STORE_FILE = 'store.sqlite';
/** PRAGMA application_id of a store file: "BFs1". */
const APPLICATION_ID = 0x42467331;

export class StoreError extends Error {
  constructor(
    readonly code: 'CORRUPT_STORE' | 'UNAVAILABLE' | 'NOT_FOUND' | 'BAD_INPUT' | 'CONFLICT',
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

/** Migration n brings the schema from user_version n to n + 1. */
const MIGRATIONS: string[] = [
  `CREATE TABLE cameras (
     id TEXT PRIMARY KEY,
     config TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE sightings (
     id TEXT PRIMARY KEY,
     camera_id TEXT NOT NULL,
     track_id TEXT NOT NULL,
     started_at INTEGER NOT NULL,
     ended_at INTEGER NOT NULL,
     identity_id TEXT,
     identity_name TEXT,
     label TEXT NOT NULL,
     score REAL,
     quality REAL NOT NULL,
     frames INTEGER NOT NULL,
     face_snapshot TEXT,
     context_snapshot TEXT,
     embedding BLOB,
     ended INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX sightings_by_time ON sightings (started_at, id);
   CREATE INDEX sightings_by_identity ON sightings (identity_id, started_at);
   CREATE INDEX sightings_by_camera ON sightings (camera_id, started_at);`,
  // API: tokens (only a hash of each secret), the audit log, alerts, the shared wall.
  `CREATE TABLE api_tokens (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     role TEXT NOT NULL,
     camera_scope TEXT,
     secret_hash TEXT NOT NULL UNIQUE,
     created_at INTEGER NOT NULL,
     created_by TEXT,
     last_used_at INTEGER,
     revoked_at INTEGER
   );
   CREATE TABLE audit_log (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     at INTEGER NOT NULL,
     actor_id TEXT,
     actor_name TEXT,
     role TEXT,
     action TEXT NOT NULL,
     target TEXT,
     details TEXT,
     outcome TEXT NOT NULL
   );
   CREATE INDEX audit_by_time ON audit_log (at);
   CREATE INDEX audit_by_action ON audit_log (action, at);
   CREATE TABLE alerts (
     id TEXT PRIMARY KEY,
     at INTEGER NOT NULL,
     kind TEXT NOT NULL,
     camera_id TEXT NOT NULL,
     track_id TEXT,
     identity_id TEXT,
     payload TEXT NOT NULL,
     acknowledged_at INTEGER,
     acknowledged_by TEXT
   );
   CREATE INDEX alerts_by_time ON alerts (at);
   CREATE TABLE wall_state (
     key TEXT PRIMARY KEY,
     value TEXT NOT NULL,
     version INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     updated_by TEXT
   );`,
];

export const STORE_SCHEMA_VERSION = MIGRATIONS.length;

function corrupt(file: string, reason: string): StoreError {
  return new StoreError('CORRUPT_STORE', `${file} ${reason}. It was left untouched: move it aside or choose another data directory.`);
}

/** Open (creating or migrating) the store of a data directory. */
export function openStoreDb(dataDir: string): Database.Database {
  const dir = path.resolve(dataDir);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, STORE_FILE);
  if (fs.existsSync(file) && !fs.statSync(file).isFile()) throw corrupt(file, 'is not a regular file');
  let db: Database.Database;
  try {
    db = new Database(file);
  } catch (err) {
    throw corrupt(file, `cannot be opened as SQLite (${(err as Error).message})`);
  }
  try {
    const appId = Number(db.pragma('application_id', { simple: true }));
    const version = Number(db.pragma('user_version', { simple: true }));
    const empty = (db.prepare("SELECT count(*) AS n FROM sqlite_master").get() as { n: number }).n === 0;
    if (!empty && appId !== APPLICATION_ID) throw corrupt(file, 'is not a BoostFace store (foreign SQLite file)');
    if (version > STORE_SCHEMA_VERSION) throw corrupt(file, `has schema version ${version}, newer than this BoostFace (${STORE_SCHEMA_VERSION}); upgrade BoostFace`);
    for (let v = version; v < STORE_SCHEMA_VERSION; v++) {
      db.transaction(() => {
        db.exec(MIGRATIONS[v]);
        db.pragma(`application_id = ${APPLICATION_ID}`);
        db.pragma(`user_version = ${v + 1}`);
      })();
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL'); // WAL + NORMAL: durable across process crashes; sightings may lose the last commit on power loss
    db.pragma('busy_timeout = 5000');
    return db;
  } catch (err) {
    db.close();
    if (err instanceof StoreError) throw err;
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') throw corrupt(file, `is damaged (${(err as Error).message})`);
    throw new StoreError('UNAVAILABLE', `store ${file}: ${(err as Error).message}`);
  }
}
