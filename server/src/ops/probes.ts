/** Small, time-bounded probes of the things a BoostFace process depends on (for `boostface doctor`). */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { Redis } from 'ioredis';
import pg from 'pg';
import { redactUrl } from '../util/redact-url.js';

/** Rejects with `${what} timed out after N ms` when the promise takes longer. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The first line of `<command> -version` (ffmpeg, ffprobe). */
export function commandVersion(command: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, ['-version'], { timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) {
        const e = err as NodeJS.ErrnoException & { killed?: boolean };
        reject(new Error(e.code === 'ENOENT' ? `${command} not found on PATH` : e.killed ? `${command} -version did not answer in ${timeoutMs} ms` : e.message.split('\n')[0]));
        return;
      }
      resolve(String(stdout).split('\n')[0].trim());
    });
  });
}

/**
 * Connect to a PostgreSQL server and ask its version and the BoostFace schema version there (null before the first
 * start created it); resolves with the round trip in ms. Reads only.
 */
export async function pingPostgres(url: string, timeoutMs: number): Promise<{ ms: number; server: string; schemaVersion: number | null }> {
  const started = performance.now();
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, application_name: 'boostface doctor' });
  client.on('error', () => undefined); // a dropped connection fails the query below
  try {
    await withTimeout(client.connect(), timeoutMs, `connecting to ${redactUrl(url)}`);
    const { rows } = await client.query<{ server: string; schema: boolean }>("SELECT current_setting('server_version') AS server, to_regclass('boostface_schema') IS NOT NULL AS schema");
    const version = rows[0].schema ? (await client.query<{ v: number | null }>('SELECT max(version) AS v FROM boostface_schema')).rows[0].v : null;
    return { ms: performance.now() - started, server: rows[0].server, schemaVersion: version };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** PING a Redis server; resolves with the round trip in ms. */
export async function pingRedis(url: string, timeoutMs: number): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let lastError: Error | undefined;
  redis.on('error', (err: Error) => (lastError = err));
  try {
    const t0 = performance.now();
    await withTimeout(redis.connect(), timeoutMs, `connecting to ${redactUrl(url)}`);
    const pong = await withTimeout(redis.ping(), timeoutMs, 'PING');
    if (pong !== 'PONG') throw new Error(`PING answered ${pong}`);
    return performance.now() - t0;
  } catch (err) {
    const e = lastError ?? (err as Error);
    throw new Error(e.message || String(e));
  } finally {
    redis.disconnect();
  }
}

/** Connect to Milvus and list its collections. */
export async function listMilvusCollections(options: { address: string; token?: string; database?: string; ssl?: boolean }, timeoutMs: number): Promise<string[]> {
  const client = new MilvusClient({ ...options, timeout: timeoutMs, maxRetries: 0, logLevel: 'error' });
  // Always awaited (the SDK rejects it without a server, and nothing else would catch it).
  const connected = client.connectPromise.then(
    () => undefined,
    (err: unknown) => err as Error,
  );
  try {
    const failed = await withTimeout(connected, timeoutMs, `connecting to Milvus at ${options.address}`);
    if (failed) throw failed;
    const res = await withTimeout(client.showCollections(), timeoutMs, `listing the collections at ${options.address}`);
    const status = res.status as { error_code?: string | number; code?: number; reason?: string } | undefined;
    if (status && ((status.error_code !== undefined && status.error_code !== 'Success' && status.error_code !== 0) || (status.code ?? 0) !== 0)) {
      throw new Error(`Milvus refused to list collections: ${status.reason ?? status.error_code}`);
    }
    return (res.data ?? []).map((c) => c.name).sort();
  } finally {
    await client.closeConnection().catch(() => undefined);
  }
}

/** Bytes free for an unprivileged writer on the filesystem holding `dir` (or its nearest existing ancestor). */
export function freeBytes(dir: string): number {
  const s = fs.statfsSync(nearestExisting(dir));
  return s.bavail * s.bsize;
}

export function nearestExisting(p: string): string {
  let cur = path.resolve(p);
  while (!fs.existsSync(cur)) {
    const parent = path.dirname(cur);
    if (parent === cur) break;
    cur = parent;
  }
  return cur;
}

