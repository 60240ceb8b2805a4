/**
 * The stores of a configuration, opened for backup and restore where `serve` keeps them (storePlacement): the data
 * directory's SQLite store, the deployment's Redis, its PostgreSQL. Only the backends the placement names are reached.
 */
import path from 'node:path';
import { liveSettings, storeSettings, type StoreBackend, type StoreKind, type StorePlacement } from '../config.js';
import { sqliteAlertStore } from '../store/alert-store.js';
import { SqliteAuditLog } from '../store/audit-log.js';
import { openPostgresMetadata } from '../store/postgres-db.js';
import { RedisAuditLog } from '../store/redis-audit-log.js';
import { RedisCameraRepository } from '../store/redis-camera-repository.js';
import { connectSharedRedis } from '../store/redis-connection.js';
import { RedisTokenStore } from '../store/redis-token-store.js';
import { RedisWallStore } from '../store/redis-wall-store.js';
import { sqliteSightingStore } from '../store/sighting-store.js';
import { SqliteCameraRepository } from '../store/sqlite-camera-repository.js';
import { openStoreDb, STORE_FILE } from '../store/store-db.js';
import { SqliteTokenStore } from '../store/token-store.js';
import { SqliteWallStore } from '../store/wall-store.js';
import type { CameraRepository } from '../cameras/camera-repository.js';
import type { TokenStore } from '../store/token-store.js';
import { redactUrl } from '../util/redact-url.js';
import type { Stores } from './store-records.js';


/** Every store in one SQLite store file (a single box; a version-1 backup's store). */
export const ALL_SQLITE: StorePlacement = { tokens: 'sqlite', audit: 'sqlite', wall: 'sqlite', cameras: 'sqlite', sightings: 'sqlite', alerts: 'sqlite' };

export interface OpenedStores {
  stores: Stores;
  /** Where each backend is, for messages (no passwords). */
  where: Record<StoreBackend, string>;
  close(): Promise<void>;
}

/** A Redis command may wait this long (a page of the audit stream, a big hash) before it counts as failed. */
const REDIS_COMMAND_TIMEOUT_MS = 30_000;

export const usesSqlite = (placement: StorePlacement) => Object.values(placement).includes('sqlite');

/** Open every store where `placement` puts it; SQLite ones in the store file of `sqliteDir` (created when missing). */
export async function openStores(env: NodeJS.ProcessEnv, placement: StorePlacement, sqliteDir: string): Promise<OpenedStores> {
  const uses = (backend: StoreBackend) => Object.values(placement).includes(backend);
  const closers: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c();
  };
  const live = liveSettings(env);
  const { postgresUrl } = storeSettings(env);
  const where: Record<StoreBackend, string> = {
    sqlite: path.join(sqliteDir, STORE_FILE),
    redis: live.redisUrl ? `Redis at ${redactUrl(live.redisUrl)} (prefix ${live.redisPrefix})` : 'Redis',
    postgres: postgresUrl ? `PostgreSQL at ${redactUrl(postgresUrl)}` : 'PostgreSQL',
  };
  try {
    const db = uses('sqlite') ? openStoreDb(sqliteDir) : undefined;
    if (db) closers.push(() => void db.close());
    const redis = uses('redis')
      ? await connectSharedRedis(live.redisUrl!, { name: `${live.redisPrefix}:ops`, commandTimeoutMs: REDIS_COMMAND_TIMEOUT_MS, purpose: 'the shared stores' })
      : undefined;
    if (redis) closers.push(() => redis.quit().then(() => undefined, () => redis.disconnect()));
    const postgres = uses('postgres') ? await openPostgresMetadata(postgresUrl!) : undefined;
    if (postgres) closers.push(() => postgres.close());
    const prefix = live.redisPrefix;
    const tokens: TokenStore = placement.tokens === 'redis' ? new RedisTokenStore(redis!, prefix) : new SqliteTokenStore(db!);
    if (tokens instanceof RedisTokenStore) closers.push(() => tokens.close());
    const cameras: CameraRepository = placement.cameras === 'redis' ? new RedisCameraRepository(redis!, prefix) : new SqliteCameraRepository(db!);
    if (cameras instanceof RedisCameraRepository) closers.push(() => cameras.close());
    const stores: Stores = {
      tokens,
      audit: placement.audit === 'redis' ? new RedisAuditLog(redis!, prefix) : new SqliteAuditLog(db!),
      wall: placement.wall === 'redis' ? new RedisWallStore(redis!, prefix) : new SqliteWallStore(db!),
      cameras,
      sightings: placement.sightings === 'postgres' ? postgres!.sightings : sqliteSightingStore(db!),
      alerts: placement.alerts === 'postgres' ? postgres!.alerts : sqliteAlertStore(db!),
    };
    return { stores, where, close };
  } catch (err) {
    await close();
    throw err;
  }
}
