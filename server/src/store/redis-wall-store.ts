/**
 * The shared wall of a scale-out deployment, in Redis (the WallStore port; semantics as SqliteWallStore, pinned by
 * wall-store-contract.ts):
 *
 *   {prefix}:wall   string: the whole WallState as one JSON document, version included; absent = the empty wall
 *
 * Every operation is an optimistic transaction: read the document, apply the operation with `applyWallOp` here (the
 * rules stay in one place, not in a script), then store the result only if the document is still the one read (a
 * compare-and-set script on the whole text). A replica that lost the race reads again and re-applies its operation to
 * the winner's state, so concurrent edits apply one after the other, each to the latest state, as in SQLite; with
 * `expectedVersion`, losing the race means the version moved on: CONFLICT. Redis failures surface as StoreError
 * UNAVAILABLE.
 */
import type { Redis } from 'ioredis';
import { redisCall } from './redis-channel.js';
import { StoreError } from './store-db.js';
import { checkExpectedVersion, emptyWall, nextWall, type WallOp, type WallState, type WallStore } from './wall-store.js';

/** Replace the document only if it is still ARGV[1] ('' = absent): 1 when replaced. */
const COMPARE_AND_SET = `
local cur = redis.call('GET', KEYS[1])
if (cur or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1`;

/** Races lost in a row before giving up: each lost race is another replica's successful edit. */
const MAX_ATTEMPTS = 50;

export class RedisWallStore implements WallStore {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.key = `${prefix}:wall`;
  }

  async get(): Promise<WallState> {
    return this.parse(await this.read());
  }

  async apply(op: WallOp, by: string, expectedVersion?: number, now = Date.now()): Promise<WallState> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const text = await this.read();
      const cur = this.parse(text);
      checkExpectedVersion(cur, expectedVersion);
      const next = nextWall(cur, op, by, now);
      const stored = await redisCall('wall store', () => this.redis.eval(COMPARE_AND_SET, 1, this.key, text ?? '', JSON.stringify(next)));
      if (stored === 1) return next;
    }
    throw new StoreError('UNAVAILABLE', `the wall kept changing: ${MAX_ATTEMPTS} edits of other operators came first; retry`);
  }

  async importState(state: WallState): Promise<void> {
    await redisCall('wall store', () => this.redis.set(this.key, JSON.stringify(state)));
  }

  private read(): Promise<string | null> {
    return redisCall('wall store', () => this.redis.get(this.key));
  }

  private parse(text: string | null): WallState {
    if (text === null) return emptyWall();
    try {
      return JSON.parse(text) as WallState;
    } catch {
      throw new StoreError('CORRUPT_STORE', `${this.key} is not a JSON wall document`);
    }
  }
}
