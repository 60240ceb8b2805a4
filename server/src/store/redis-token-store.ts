/**
 * API tokens shared by every process of a scale-out deployment, in Redis (the TokenStore port; semantics as
 * SqliteTokenStore, pinned by token-store-contract.ts):
 *
 *   {prefix}:tokens              hash  token id → record (JSON: name, role, scope, creation, SHA-256 of the secret)
 *   {prefix}:tokens:by-secret    hash  SHA-256 of a secret → token id (what authenticate looks up)
 *   {prefix}:tokens:revoked      hash  token id → revocation time (ms); absent = live
 *   {prefix}:tokens:used         hash  token id → last use (ms), written at most once a minute
 *   {prefix}:tokens:revocations  channel: a token id, on every revocation
 *
 * Only hashes of secrets are stored, as in SQLite. Revocation is its own field so that revoking is one atomic
 * "set if absent" on an existing token; a change of the record itself (reinstating BOOSTFACE_ADMIN_TOKEN) is a
 * compare-and-set of the whole JSON. Redis failures surface as StoreError UNAVAILABLE.
 */
import type { Redis } from 'ioredis';
import { generateSecret, generateTokenId, hashSecret, isRole, MAX_SECRET_LENGTH } from '../api/auth/tokens.js';
import { RedisChannel, redisCall } from './redis-channel.js';
import { StoreError } from './store-db.js';
import { hashTaken, LAST_USED_RESOLUTION_MS, validateToken, type ApiToken, type NewToken, type StoredToken, type TokenStore } from './token-store.js';

/** What the record hash holds for a token (the mutable parts, revocation and last use, live beside it). */
interface TokenRecord {
  id: string;
  name: string;
  role: string;
  cameraScope: string[] | null;
  createdAt: number;
  createdBy: string | null;
  secretHash: string;
}

/**
 * Insert a token unless its secret hash is taken, or (ARGV[4] = '1') unless any token exists. Returns 1 when
 * inserted, 0 when the store was not empty, or the id of the token that has this secret.
 */
const INSERT = `
if ARGV[4] == '1' and redis.call('HLEN', KEYS[1]) > 0 then return 0 end
local holder = redis.call('HGET', KEYS[2], ARGV[2])
if holder then return holder end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
return 1`;

/** Revoke an existing, live token: 1 when revoked now. */
const REVOKE = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
return redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2])`;

/** Replace a record only if it is still the one read (and make the token live again): 1 when replaced. */
const REINSTATE = `
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1`;

/**
 * Store an exported token as it is (ARGV: id, secret hash, record JSON, revocation time, last use; '' = none): 1, or
 * 0 when another token holds the hash. A replaced token's old hash stops pointing at it.
 */
const IMPORT = `
local holder = redis.call('HGET', KEYS[2], ARGV[2])
if holder and holder ~= ARGV[1] then return 0 end
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then
  local oldHash = cjson.decode(old).secretHash
  if oldHash ~= ARGV[2] then redis.call('HDEL', KEYS[2], oldHash) end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
if ARGV[4] == '' then redis.call('HDEL', KEYS[3], ARGV[1]) else redis.call('HSET', KEYS[3], ARGV[1], ARGV[4]) end
if ARGV[5] == '' then redis.call('HDEL', KEYS[4], ARGV[1]) else redis.call('HSET', KEYS[4], ARGV[1], ARGV[5]) end
return 1`;

const num = (v: string | null | undefined): number | null => (v === null || v === undefined ? null : Number(v));

export class RedisTokenStore implements TokenStore {
  private readonly keys: { tokens: string; bySecret: string; revoked: string; used: string };
  private readonly revocations: RedisChannel;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly now: () => number = Date.now,
  ) {
    const k = `${prefix}:tokens`;
    this.keys = { tokens: k, bySecret: `${k}:by-secret`, revoked: `${k}:revoked`, used: `${k}:used` };
    this.revocations = new RedisChannel(redis, `${k}:revocations`);
  }

  async create(spec: NewToken): Promise<{ token: ApiToken; secret: string }> {
    const secret = generateSecret();
    const record = this.recordOf(spec, secret);
    const result = await this.insert(record, false);
    // A 256-bit secret colliding with a stored one is not going to happen; refuse rather than alias two tokens.
    if (result !== 1) throw new StoreError('CORRUPT_STORE', 'a new token secret collided with a stored one');
    return { token: this.toToken(record, null, null), secret };
  }

  async authenticate(secret: string): Promise<ApiToken | undefined> {
    if (!secret || secret.length > MAX_SECRET_LENGTH) return undefined;
    const id = await this.call(() => this.redis.hget(this.keys.bySecret, hashSecret(secret)));
    const token = id === null ? undefined : await this.get(id);
    if (!token || token.revokedAt !== null) return undefined;
    const now = this.now();
    if (token.lastUsedAt === null || now - token.lastUsedAt >= LAST_USED_RESOLUTION_MS) {
      await this.call(() => this.redis.hset(this.keys.used, token.id, String(now)));
      token.lastUsedAt = now;
    }
    return token;
  }

  async get(id: string): Promise<ApiToken | undefined> {
    const [json, revoked, used] = await this.call(() =>
      Promise.all([this.redis.hget(this.keys.tokens, id), this.redis.hget(this.keys.revoked, id), this.redis.hget(this.keys.used, id)]),
    );
    return json === null ? undefined : this.toToken(JSON.parse(json) as TokenRecord, num(revoked), num(used));
  }

  async list(): Promise<ApiToken[]> {
    return (await this.stored()).map(({ secretHash: _hash, ...token }) => token);
  }

  async *exportTokens(): AsyncIterable<StoredToken> {
    yield* await this.stored();
  }

  async importToken(t: StoredToken): Promise<void> {
    const record: TokenRecord = { id: t.id, name: t.name, role: t.role, cameraScope: t.cameraScope, createdAt: t.createdAt, createdBy: t.createdBy, secretHash: t.secretHash };
    const keys = [this.keys.tokens, this.keys.bySecret, this.keys.revoked, this.keys.used];
    const stored = await this.call(() =>
      this.redis.eval(IMPORT, keys.length, ...keys, t.id, t.secretHash, JSON.stringify(record), t.revokedAt === null ? '' : String(t.revokedAt), t.lastUsedAt === null ? '' : String(t.lastUsedAt)),
    );
    if (stored !== 1) throw hashTaken(t.id, (await this.call(() => this.redis.hget(this.keys.bySecret, t.secretHash))) ?? '?');
  }

  /** Every token with its hash, oldest first. */
  private async stored(): Promise<StoredToken[]> {
    const [all, revoked, used] = await this.call(() =>
      Promise.all([this.redis.hgetall(this.keys.tokens), this.redis.hgetall(this.keys.revoked), this.redis.hgetall(this.keys.used)]),
    );
    return Object.values(all)
      .map((json) => JSON.parse(json) as TokenRecord)
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((r) => ({ ...this.toToken(r, num(revoked[r.id]), num(used[r.id])), secretHash: r.secretHash }));
  }

  async revoke(id: string): Promise<boolean> {
    const revoked = (await this.call(() => this.redis.eval(REVOKE, 2, this.keys.tokens, this.keys.revoked, id, String(this.now())))) === 1;
    // Stored first: a lost notice leaves a socket open until its next subscribe, never a token that still works.
    if (revoked) await this.revocations.publish(id);
    return revoked;
  }

  async count(): Promise<number> {
    return this.call(() => this.redis.hlen(this.keys.tokens));
  }

  async ensureAdminSecret(secret: string, name: string): Promise<{ token: ApiToken; outcome: 'created' | 'reinstated' | 'unchanged' }> {
    const hash = hashSecret(secret);
    // Replicas starting together race here: every step is atomic, and a lost race is retried on what won it.
    for (let attempt = 0; attempt < 5; attempt++) {
      const id = await this.call(() => this.redis.hget(this.keys.bySecret, hash));
      if (id === null) {
        const record = this.recordOf({ name, role: 'admin' }, secret);
        if ((await this.insert(record, false)) === 1) return { token: this.toToken(record, null, null), outcome: 'created' };
        continue;
      }
      const [json, revoked] = await this.call(() => Promise.all([this.redis.hget(this.keys.tokens, id), this.redis.hget(this.keys.revoked, id)]));
      if (json === null) throw new StoreError('CORRUPT_STORE', `api token ${id} is indexed by its secret but has no record`);
      const record = JSON.parse(json) as TokenRecord;
      if (revoked === null && record.role === 'admin' && record.cameraScope === null) return { token: (await this.get(id))!, outcome: 'unchanged' };
      const next = JSON.stringify({ ...record, role: 'admin', cameraScope: null } satisfies TokenRecord);
      if ((await this.call(() => this.redis.eval(REINSTATE, 2, this.keys.tokens, this.keys.revoked, id, json, next))) === 1) {
        return { token: (await this.get(id))!, outcome: 'reinstated' };
      }
    }
    throw new StoreError('UNAVAILABLE', 'the admin token kept changing while BOOSTFACE_ADMIN_TOKEN was applied');
  }

  async createFirstAdmin(name: string): Promise<{ token: ApiToken; secret: string } | undefined> {
    const secret = generateSecret();
    const record = this.recordOf({ name, role: 'admin' }, secret);
    return (await this.insert(record, true)) === 1 ? { token: this.toToken(record, null, null), secret } : undefined;
  }

  onRevoked(handler: (tokenId: string) => void): () => void {
    return this.revocations.subscribe(handler);
  }

  /** Closes the notification connection (the command connection belongs to the caller). */
  async close(): Promise<void> {
    await this.revocations.close();
  }

  private recordOf(spec: NewToken, secret: string): TokenRecord {
    const { name, cameraScope } = validateToken(spec);
    return { id: generateTokenId(), name, role: spec.role, cameraScope, createdAt: this.now(), createdBy: spec.createdBy ?? null, secretHash: hashSecret(secret) };
  }

  private async insert(record: TokenRecord, onlyIfEmpty: boolean): Promise<number | string> {
    return (await this.call(() =>
      this.redis.eval(INSERT, 2, this.keys.tokens, this.keys.bySecret, record.id, record.secretHash, JSON.stringify(record), onlyIfEmpty ? '1' : '0'),
    )) as number | string;
  }

  private toToken(r: TokenRecord, revokedAt: number | null, lastUsedAt: number | null): ApiToken {
    if (!isRole(r.role)) throw new StoreError('CORRUPT_STORE', `api token ${r.id} has an unknown role "${r.role}"`);
    return { id: r.id, name: r.name, role: r.role, cameraScope: r.cameraScope && [...r.cameraScope], createdAt: r.createdAt, createdBy: r.createdBy, lastUsedAt, revokedAt };
  }

  private call<T>(command: () => Promise<T>): Promise<T> {
    return redisCall('shared token store', command);
  }
}
