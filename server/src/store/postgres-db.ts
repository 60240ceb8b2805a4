/**
 * Sightings and alerts in PostgreSQL (BOOSTFACE_POSTGRES_URL), shared by the processes of a scale-out deployment: a
 * worker writes the sightings of the cameras it runs, every API replica reads them (docs/scale-out.md). The schema
 * is created on open, under an advisory lock so that processes starting together do not race; a database with a
 * newer BoostFace schema is refused and left untouched. Stranger numbers come from a sequence, so that workers never
 * hand out the same "Unknown N".
 */
import pg from 'pg';
import { redactUrl } from '../util/redact-url.js';
import { SqlAlertStore, type AlertStore } from './alert-store.js';
import { SqlSightingStore, type SightingStore } from './sighting-store.js';
import { numberedPlaceholders, type SqlDb } from './sql-db.js';
import { StoreError } from './store-db.js';

export const POSTGRES_SCHEMA_VERSION = 1;

/** Times in ms fit a BIGINT; read back as numbers (they stay below 2^53). */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS boostface_schema (version INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS sightings (
    id TEXT PRIMARY KEY,
    camera_id TEXT NOT NULL,
    track_id TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at BIGINT NOT NULL,
    identity_id TEXT,
    identity_name TEXT,
    label TEXT NOT NULL,
    score DOUBLE PRECISION,
    quality DOUBLE PRECISION NOT NULL,
    frames INTEGER NOT NULL,
    face_snapshot TEXT,
    context_snapshot TEXT,
    embedding BYTEA,
    ended SMALLINT NOT NULL DEFAULT 0
  );
  CREATE INDEX IF NOT EXISTS sightings_by_time ON sightings (started_at DESC, id DESC);
  CREATE INDEX IF NOT EXISTS sightings_by_identity ON sightings (identity_id, started_at DESC);
  CREATE INDEX IF NOT EXISTS sightings_by_camera ON sightings (camera_id, started_at DESC);
  CREATE INDEX IF NOT EXISTS sightings_live ON sightings (camera_id) WHERE ended = 0;
  CREATE TABLE IF NOT EXISTS alerts (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    camera_id TEXT NOT NULL,
    track_id TEXT,
    identity_id TEXT,
    payload TEXT NOT NULL,
    acknowledged_at BIGINT,
    acknowledged_by TEXT
  );
  CREATE INDEX IF NOT EXISTS alerts_by_time ON alerts (at DESC, id DESC);
  CREATE SEQUENCE IF NOT EXISTS sighting_stranger_numbers;`;

/** Any constant of our own: the advisory lock that serializes schema set-up between processes. */
const SCHEMA_LOCK = 0x42467370;

/** BIGINT (int8) as a JavaScript number for this pool's clients only. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format))) as pg.CustomTypesConfig['getTypeParser'],
};

function postgresDb(pool: pg.Pool): SqlDb {
  return {
    all: async <T>(sql: string, params: readonly unknown[] = []) => (await pool.query(numberedPlaceholders(sql), params as unknown[])).rows as T[],
    run: async (sql: string, params: readonly unknown[] = []) => (await pool.query(numberedPlaceholders(sql), params as unknown[])).rowCount ?? 0,
  };
}

async function createSchema(client: pg.PoolClient): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    await client.query(SCHEMA);
    const { rows } = await client.query<{ version: number }>('SELECT max(version) AS version FROM boostface_schema');
    const version = rows[0].version;
    if (version !== null && version > POSTGRES_SCHEMA_VERSION) {
      throw new StoreError('CORRUPT_STORE', `the PostgreSQL database has BoostFace schema version ${version}, newer than this BoostFace (${POSTGRES_SCHEMA_VERSION}); upgrade BoostFace`);
    }
    if (version === null) await client.query('INSERT INTO boostface_schema (version) VALUES ($1)', [POSTGRES_SCHEMA_VERSION]);
    // Labels stored before the sequence existed (restored rows): the sequence continues past them.
    const seq = await client.query<{ last: number; called: boolean }>('SELECT last_value AS last, is_called AS called FROM sighting_stranger_numbers');
    const max = await client.query<{ n: number | null }>("SELECT max(substr(label, 9)::bigint) AS n FROM sightings WHERE label ~ '^Unknown [0-9]{1,15}$'");
    const handedOut = seq.rows[0].called ? seq.rows[0].last : 0;
    if ((max.rows[0].n ?? 0) > handedOut) await client.query("SELECT setval('sighting_stranger_numbers', $1)", [max.rows[0].n]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

export interface PostgresMetadata {
  sightings: SightingStore;
  alerts: AlertStore;
  close(): Promise<void>;
}

/** Connect, create or check the schema; StoreError UNAVAILABLE when the server cannot be reached. */
export async function openPostgresMetadata(url: string, options: { searchBatch?: number; onError?: (err: Error) => void } = {}): Promise<PostgresMetadata> {
  const pool = new pg.Pool({ connectionString: url, types, application_name: 'boostface', connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000 });
  // An idle connection that breaks (server restart) is dropped by the pool; the next query opens a new one.
  pool.on('error', (err) => options.onError?.(err));
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new StoreError('UNAVAILABLE', `cannot reach PostgreSQL at ${redactUrl(url)} for sightings and alerts: ${(err as Error).message}`);
  }
  try {
    await createSchema(client);
  } catch (err) {
    client.release();
    await pool.end().catch(() => undefined);
    if (err instanceof StoreError) throw err;
    throw new StoreError('UNAVAILABLE', `PostgreSQL at ${redactUrl(url)}: cannot set up the sightings and alerts tables: ${(err as Error).message}`);
  }
  client.release();
  const db = postgresDb(pool);
  const strangerNumbers = async (count: number) =>
    (await pool.query<{ n: number }>("SELECT nextval('sighting_stranger_numbers') AS n FROM generate_series(1, $1)", [count])).rows.map((r) => r.n);
  return {
    sightings: new SqlSightingStore(db, strangerNumbers, options.searchBatch),
    alerts: new SqlAlertStore(db),
    close: () => pool.end(),
  };
}
