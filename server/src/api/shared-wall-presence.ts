/**
 * Who is watching the wall, across every API process of a deployment (the Presence of role api, and of role all with
 * Redis). Each process keeps its own operators (WallPresence: sockets counted per token) and writes them to Redis:
 *
 *   {prefix}:wall:presence             set: ids of the processes that have operators on the wall
 *   {prefix}:wall:presence:<process>   string: that process' operators (JSON), expiring after `ttlMs`, rewritten
 *                                      every `refreshMs` while it has any
 *
 * `list()` merges this process' operators (from memory) with the other processes' keys; a process that died without
 * saying goodbye drops out when its key expires (its id is removed from the set by the next reader). Every join and
 * leave here is written first, then announced through `onChange` (the API republishes the wall on the bus). Presence
 * is advisory: when Redis cannot be read, `list()` answers with this process' operators only.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { mergePresence, WallPresence, type Presence, type PresenceEntry } from './wall-presence.js';

/** Forget the processes among ARGV whose key (KEYS[1]:<id>) is gone; checked here so that one re-joining stays. */
const FORGET_GONE = `
for _, id in ipairs(ARGV) do
  if redis.call('EXISTS', KEYS[1] .. ':' .. id) == 0 then redis.call('SREM', KEYS[1], id) end
end
return 0`;

export interface SharedWallPresenceOptions {
  /** How long the operators of a process that stopped refreshing stay listed (default 30 s). */
  ttlMs?: number;
  /** How often a process with operators rewrites its key (default 10 s). */
  refreshMs?: number;
  /** This process' id in Redis (default random). */
  processId?: string;
  /** Redis trouble, once per failed write. */
  onError?: (err: unknown) => void;
}

export class SharedWallPresence implements Presence {
  readonly spansProcesses = true;
  private readonly local: WallPresence;
  private readonly setKey: string;
  private readonly ownKey: string;
  private readonly processId: string;
  private readonly ttlMs: number;
  private readonly onError: (err: unknown) => void;
  private readonly timer: NodeJS.Timeout;
  /** Writes in the order of the changes, so that Redis ends with the latest list. */
  private writes: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    onChange: () => void,
    options: SharedWallPresenceOptions = {},
  ) {
    this.processId = options.processId ?? randomBytes(6).toString('hex');
    this.setKey = `${prefix}:wall:presence`;
    this.ownKey = `${this.setKey}:${this.processId}`;
    this.ttlMs = options.ttlMs ?? 30_000;
    this.onError = options.onError ?? (() => undefined);
    this.local = new WallPresence(() => {
      this.writes = this.writes.then(() => this.write()).then(onChange);
    });
    this.timer = setInterval(() => {
      if (this.local.list().length > 0) this.writes = this.writes.then(() => this.write());
    }, options.refreshMs ?? 10_000);
    this.timer.unref();
  }

  join(who: { tokenId: string; name: string; role: string }, now = Date.now()): () => void {
    return this.local.join(who, now);
  }

  async list(): Promise<PresenceEntry[]> {
    const own = this.local.list();
    try {
      const ids = (await this.redis.smembers(this.setKey)).filter((id) => id !== this.processId);
      if (ids.length === 0) return own;
      const values = await this.redis.mget(ids.map((id) => `${this.setKey}:${id}`));
      const gone = ids.filter((_, i) => values[i] === null);
      if (gone.length > 0) await this.redis.eval(FORGET_GONE, 1, this.setKey, ...gone);
      const others = values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as PresenceEntry[]);
      return mergePresence([own, ...others]);
    } catch {
      return own;
    }
  }

  /** Takes this process' operators out of Redis and stops refreshing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.writes;
    await this.redis.multi().del(this.ownKey).srem(this.setKey, this.processId).exec().catch(() => undefined);
  }

  private async write(): Promise<void> {
    if (this.closed) return;
    const entries = this.local.list();
    const tx = this.redis.multi();
    if (entries.length === 0) tx.del(this.ownKey).srem(this.setKey, this.processId);
    else tx.set(this.ownKey, JSON.stringify(entries), 'PX', this.ttlMs).sadd(this.setKey, this.processId);
    try {
      const results = await tx.exec();
      const failed = results?.find(([err]) => err);
      if (failed) throw failed[0];
    } catch (err) {
      this.onError(err);
    }
  }
}
