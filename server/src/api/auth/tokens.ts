/**
 * API token primitives: roles, secret generation and hashing, and reading a credential from an HTTP Authorization
 * header or graphql-ws connectionParams (browsers cannot set headers on a WebSocket).
 *
 * Secrets are `bf_` + 32 random bytes (base64url). Only their SHA-256 (hex) is stored: for high-entropy random secrets
 * a fast hash is enough (nothing to brute-force) and lets a request find its token by an indexed lookup. That lookup
 * needs no constant-time comparison: its timing can only reveal bits of a hash, and a SHA-256 preimage of a 256-bit
 * secret is out of reach.
 */
import { createHash, randomBytes } from 'node:crypto';

export const ROLES = ['admin', 'operator', 'viewer'] as const;
/** admin: everything; operator: the wall and day-to-day recognition work; viewer: read-only API client. */
export type Role = (typeof ROLES)[number];

export const isRole = (v: unknown): v is Role => typeof v === 'string' && (ROLES as readonly string[]).includes(v);

export const SECRET_PREFIX = 'bf_';
/** The shortest secret accepted from BOOSTFACE_ADMIN_TOKEN (generated ones are 46 characters). */
export const MIN_SECRET_LENGTH = 16;
/** Longer credentials are refused before hashing. */
export const MAX_SECRET_LENGTH = 512;

export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64url');
}

export function generateTokenId(): string {
  return 'tok_' + randomBytes(12).toString('base64url');
}

/** SHA-256 hex: what the store keeps instead of the secret. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export type CredentialResult = { ok: true; secret: string } | { ok: false; reason: 'missing' | 'malformed'; message: string };

/** Printable ASCII without spaces (RFC 6750 token68 and then some): anything else is not a secret we issued or accept. */
const SECRET_SHAPE = /^[\x21-\x7e]+$/;

function fromBearer(value: string): CredentialResult {
  const m = /^\s*(\S+)\s+(.*?)\s*$/.exec(value);
  if (!m || m[1].toLowerCase() !== 'bearer') return { ok: false, reason: 'malformed', message: 'expected "Bearer <token>"' };
  return fromSecret(m[2]);
}

function fromSecret(secret: string): CredentialResult {
  if (secret.length === 0) return { ok: false, reason: 'malformed', message: 'the token is empty' };
  if (secret.length > MAX_SECRET_LENGTH || !SECRET_SHAPE.test(secret)) return { ok: false, reason: 'malformed', message: 'the token is not a valid API token' };
  return { ok: true, secret };
}

/**
 * The secret carried by a request. `source` is either an Authorization header value (string; an array means the
 * header was sent twice, which is refused) or graphql-ws connectionParams: `{ authorization: 'Bearer …' }` (any case
 * of the key) or `{ token: '…' }`.
 */
export function readCredential(source: string | string[] | Readonly<Record<string, unknown>> | null | undefined): CredentialResult {
  const missing: CredentialResult = { ok: false, reason: 'missing', message: 'no API token' };
  if (source === undefined || source === null) return missing;
  if (Array.isArray(source)) return { ok: false, reason: 'malformed', message: 'several Authorization headers' };
  if (typeof source === 'string') return source.trim() === '' ? missing : fromBearer(source);
  if (typeof source !== 'object') return { ok: false, reason: 'malformed', message: 'connectionParams must be an object' };
  const authKey = Object.keys(source).find((k) => k.toLowerCase() === 'authorization');
  const auth = authKey === undefined ? undefined : source[authKey];
  const token = source.token;
  if (auth !== undefined && auth !== null) return typeof auth === 'string' ? fromBearer(auth) : { ok: false, reason: 'malformed', message: 'authorization must be a string' };
  if (token !== undefined && token !== null) return typeof token === 'string' ? fromSecret(token.trim()) : { ok: false, reason: 'malformed', message: 'token must be a string' };
  return missing;
}
