/**
 * API tokens: name, role, optional camera scope, and only the SHA-256 of each secret. A secret is returned once, by
 * `create`; `authenticate` finds a live token by the hash of what a client sent. Revoked tokens are kept (the audit
 * log and `list` still name them) and never authenticate again.
 *
 * The TokenStore port has two adapters: SqliteTokenStore here (the api_tokens table of the data directory: one
 * process) and RedisTokenStore (redis-token-store.ts: every process of a scale-out deployment). Both pass
 * token-store-contract.ts.
 */
import type Database from 'better-sqlite3';
import { generateSecret, generateTokenId, hashSecret, isRole, MAX_SECRET_LENGTH, type Role } from '../api/auth/tokens.js';
import { StoreError } from './store-db.js';

export interface ApiToken {
  id: string;
  name: string;
  role: Role;
  /** Cameras the token may see; null = all. */
  cameraScope: string[] | null;
  createdAt: number;
  /** Token id of the creator; null for bootstrap tokens. */
  createdBy: string | null;
  /** Updated at most once a minute. */
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** A token as a backup keeps it: everything, the SHA-256 of its secret included (the secret itself is never stored). */
export interface StoredToken extends ApiToken {
  secretHash: string;
}

export interface NewToken {
  name: string;
  role: Role;
  cameraScope?: readonly string[] | null;
  createdBy?: string | null;
}

interface Row {
  id: string;
  name: string;
  role: string;
  camera_scope: string | null;
  secret_hash: string;
  created_at: number;
  created_by: string | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** The port. Every method may reach another process (Redis): all are asynchronous. */
export interface TokenStore {
  /** A new token and its secret, which is not stored and cannot be shown again. */
  create(spec: NewToken): Promise<{ token: ApiToken; secret: string }>;
  /** The live token a secret belongs to, or undefined (unknown, revoked, or not a plausible secret). */
  authenticate(secret: string): Promise<ApiToken | undefined>;
  get(id: string): Promise<ApiToken | undefined>;
  /** Every token, revoked ones included, oldest first. */
  list(): Promise<ApiToken[]>;
  /** True when a live token was revoked now; false when unknown or already revoked. */
  revoke(id: string): Promise<boolean>;
  count(): Promise<number>;
  /**
   * Makes sure the given secret is a live, unscoped admin token (BOOSTFACE_ADMIN_TOKEN): creates it, or reinstates
   * it when it was revoked or changed (the environment says this secret is an admin).
   */
  ensureAdminSecret(secret: string, name: string): Promise<{ token: ApiToken; outcome: 'created' | 'reinstated' | 'unchanged' }>;
  /** Creates an admin token only when the store holds no token at all (first run); atomic across processes. */
  createFirstAdmin(name: string): Promise<{ token: ApiToken; secret: string } | undefined>;
  /**
   * Calls `handler(tokenId)` when any process sharing this store revokes a token (so that each closes its own
   * sockets of it). Absent when the store reaches only this process. Returns the unsubscribe.
   */
  onRevoked?(handler: (tokenId: string) => void): () => void;
  /** Every token with its secret's hash, oldest first (backup). */
  exportTokens(): AsyncIterable<StoredToken>;
  /**
   * Stores an exported token as it is, id, hash, times and revocation kept (restore); replaces the token with this id.
   * CONFLICT when another token has the same secret hash.
   */
  importToken(token: StoredToken): Promise<void>;
}

const MAX_NAME = 100;
const MAX_SCOPE = 1000;
/** `lastUsedAt` is written at most this often per token. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** Another token holds this secret hash: importing it would make one secret two tokens. */
export const hashTaken = (id: string, holder: string) => new StoreError('CONFLICT', `api token ${id}: token ${holder} has the same secret hash`);

function toToken(r: Row): ApiToken {
  if (!isRole(r.role)) throw new StoreError('CORRUPT_STORE', `api token ${r.id} has an unknown role "${r.role}"`);
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    cameraScope: r.camera_scope === null ? null : (JSON.parse(r.camera_scope) as string[]),
    createdAt: r.created_at,
    createdBy: r.created_by,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  };
}

/** Checks a token spec; returns the trimmed name and de-duplicated scope (the same rules for every adapter). */
export function validateToken(spec: NewToken): { name: string; cameraScope: string[] | null } {
  const name = spec.name.trim();
  if (!name || name.length > MAX_NAME) throw new StoreError('BAD_INPUT', `a token name must be 1 to ${MAX_NAME} characters`);
  if (!isRole(spec.role)) throw new StoreError('BAD_INPUT', `unknown role "${String(spec.role)}" (admin, operator or viewer)`);
  if (spec.cameraScope === undefined || spec.cameraScope === null) return { name, cameraScope: null };
  if (spec.role === 'admin') throw new StoreError('BAD_INPUT', 'admin tokens cannot have a camera scope (they manage every camera)');
  const scope = [...new Set(spec.cameraScope)];
  if (scope.length === 0) throw new StoreError('BAD_INPUT', 'a camera scope must list at least one camera (leave it out for all cameras)');
  if (scope.length > MAX_SCOPE || scope.some((id) => typeof id !== 'string' || id === '')) throw new StoreError('BAD_INPUT', `a camera scope is 1 to ${MAX_SCOPE} non-empty camera ids`);
  return { name, cameraScope: scope };
}

export class SqliteTokenStore implements TokenStore {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {}

  async create(spec: NewToken): Promise<{ token: ApiToken; secret: string }> {
    return this.createNow(spec);
  }

  private createNow(spec: NewToken): { token: ApiToken; secret: string } {
    const secret = generateSecret();
    return { token: this.insert(spec, secret), secret };
  }

  private insert(spec: NewToken, secret: string): ApiToken {
    const { name, cameraScope } = validateToken(spec);
    const row: Row = {
      id: generateTokenId(),
      name,
      role: spec.role,
      camera_scope: cameraScope && JSON.stringify(cameraScope),
      secret_hash: hashSecret(secret),
      created_at: this.now(),
      created_by: spec.createdBy ?? null,
      last_used_at: null,
      revoked_at: null,
    };
    this.db
      .prepare(`INSERT INTO api_tokens (id, name, role, camera_scope, secret_hash, created_at, created_by, last_used_at, revoked_at)
        VALUES (@id, @name, @role, @camera_scope, @secret_hash, @created_at, @created_by, @last_used_at, @revoked_at)`)
      .run(row);
    return toToken(row);
  }

  async authenticate(secret: string): Promise<ApiToken | undefined> {
    if (!secret || secret.length > MAX_SECRET_LENGTH) return undefined;
    const r = this.db.prepare('SELECT * FROM api_tokens WHERE secret_hash = ?').get(hashSecret(secret)) as Row | undefined;
    if (!r || r.revoked_at !== null) return undefined;
    const now = this.now();
    if (r.last_used_at === null || now - r.last_used_at >= LAST_USED_RESOLUTION_MS) {
      this.db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(now, r.id);
      r.last_used_at = now;
    }
    return toToken(r);
  }

  async get(id: string): Promise<ApiToken | undefined> {
    return this.getNow(id);
  }

  private getNow(id: string): ApiToken | undefined {
    const r = this.db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(id) as Row | undefined;
    return r && toToken(r);
  }

  async list(): Promise<ApiToken[]> {
    return (this.db.prepare('SELECT * FROM api_tokens ORDER BY created_at, id').all() as Row[]).map(toToken);
  }

  async revoke(id: string): Promise<boolean> {
    return this.db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(this.now(), id).changes > 0;
  }

  async count(): Promise<number> {
    return this.countNow();
  }

  private countNow(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM api_tokens').get() as { n: number }).n;
  }

  async ensureAdminSecret(secret: string, name: string): Promise<{ token: ApiToken; outcome: 'created' | 'reinstated' | 'unchanged' }> {
    return this.db.transaction(() => {
      const r = this.db.prepare('SELECT * FROM api_tokens WHERE secret_hash = ?').get(hashSecret(secret)) as Row | undefined;
      if (!r) return { token: this.insert({ name, role: 'admin' }, secret), outcome: 'created' as const };
      if (r.revoked_at === null && r.role === 'admin' && r.camera_scope === null) return { token: toToken(r), outcome: 'unchanged' as const };
      this.db.prepare("UPDATE api_tokens SET role = 'admin', camera_scope = NULL, revoked_at = NULL WHERE id = ?").run(r.id);
      return { token: this.getNow(r.id)!, outcome: 'reinstated' as const };
    }).immediate();
  }

  async createFirstAdmin(name: string): Promise<{ token: ApiToken; secret: string } | undefined> {
    return this.db.transaction(() => (this.countNow() === 0 ? this.createNow({ name, role: 'admin' }) : undefined)).immediate();
  }

  async *exportTokens(): AsyncIterable<StoredToken> {
    for (const r of this.db.prepare('SELECT * FROM api_tokens ORDER BY created_at, id').all() as Row[]) yield { ...toToken(r), secretHash: r.secret_hash };
  }

  async importToken(t: StoredToken): Promise<void> {
    const row: Row = {
      id: t.id,
      name: t.name,
      role: t.role,
      camera_scope: t.cameraScope && JSON.stringify(t.cameraScope),
      secret_hash: t.secretHash,
      created_at: t.createdAt,
      created_by: t.createdBy,
      last_used_at: t.lastUsedAt,
      revoked_at: t.revokedAt,
    };
    this.db.transaction(() => {
      const holder = this.db.prepare('SELECT id FROM api_tokens WHERE secret_hash = ?').get(t.secretHash) as { id: string } | undefined;
      if (holder && holder.id !== t.id) throw hashTaken(t.id, holder.id);
      this.db
        .prepare(`INSERT INTO api_tokens (id, name, role, camera_scope, secret_hash, created_at, created_by, last_used_at, revoked_at)
          VALUES (@id, @name, @role, @camera_scope, @secret_hash, @created_at, @created_by, @last_used_at, @revoked_at)
          ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, camera_scope = excluded.camera_scope,
            secret_hash = excluded.secret_hash, created_at = excluded.created_at, created_by = excluded.created_by,
            last_used_at = excluded.last_used_at, revoked_at = excluded.revoked_at`)
        .run(row);
    }).immediate();
  }
}
