/**
 * Notices between the processes of a deployment on one Redis pub/sub channel, and the error mapping of the Redis
 * adapters. A notice says "re-read this": the record itself is stored first, so a notice lost in a reconnect only
 * delays what the others do about it.
 */
import type { Redis } from 'ioredis';
import { StoreError } from './store-db.js';

export class RedisChannel {
  private subscriber: Redis | undefined;
  private readonly handlers = new Set<(message: string) => void>();

  /** `redis`: the command connection (the subscription gets a connection of its own). */
  constructor(
    private readonly redis: Redis,
    readonly name: string,
  ) {}

  /** Publishes; a failure is ignored (see above). */
  async publish(message: string): Promise<void> {
    await this.redis.publish(this.name, message).catch(() => undefined);
  }

  /** Calls `handler(message)` on every notice, from any process (this one included). Returns the unsubscribe. */
  subscribe(handler: (message: string) => void): () => void {
    if (!this.subscriber) {
      // A subscribed connection runs no other command; it queues while it connects.
      const sub = this.redis.duplicate({ lazyConnect: false, enableOfflineQueue: true, connectionName: `${this.name}:sub` });
      sub.on('error', () => undefined); // the command connection reports Redis trouble
      sub.on('message', (channel: string, message: string) => {
        if (channel === this.name) for (const h of this.handlers) h(message);
      });
      void sub.subscribe(this.name).catch(() => undefined);
      this.subscriber = sub;
    }
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Closes the subscription's connection (the command connection belongs to the caller). */
  async close(): Promise<void> {
    this.handlers.clear();
    const sub = this.subscriber;
    this.subscriber = undefined;
    if (sub) await sub.quit().catch(() => sub.disconnect());
  }
}

/** Runs a Redis command; a failure becomes StoreError UNAVAILABLE naming the store. */
export async function redisCall<T>(store: string, command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch (err) {
    throw new StoreError('UNAVAILABLE', `${store} (Redis) unavailable: ${(err as Error).message}`);
  }
}
