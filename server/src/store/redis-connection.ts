/** The command connection of the Redis adapters (cluster processes, backup and restore). */
import { Redis } from 'ioredis';
import { StoreError } from './store-db.js';

/**
 * Connect to the deployment's Redis. Commands fail at once while Redis is away (no offline queue) and never hang
 * longer than `commandTimeoutMs`; StoreError UNAVAILABLE, naming `purpose`, when it cannot be reached.
 */
export async function connectSharedRedis(url: string, options: { name: string; commandTimeoutMs: number; purpose: string }): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs,
    connectionName: options.name,
  });
  redis.on('error', () => undefined); // the callers report failed commands
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new StoreError('UNAVAILABLE', `cannot reach Redis for ${options.purpose}: ${(err as Error).message}`);
  }
  return redis;
}
