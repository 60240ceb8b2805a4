import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashSecret } from '../api/auth/tokens.js';
import { openStoreDb, STORE_FILE } from './store-db.js';
import { TokenStore } from './token-store.js';

let dir: string;
let db: ReturnType<typeof openStoreDb>;
let clock: number;
let store: TokenStore;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-tokens-'));
  db = openStoreDb(dir);
  clock = 1_000_000;
  store = new TokenStore(db, () => clock);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('TokenStore', () => {
  it('creates a token, returns its secret once and stores only the hash', () => {
    const { token, secret } = store.create({ name: ' kiosk ', role: 'viewer', cameraScope: ['cam1', 'cam1', 'cam2'], createdBy: 'tok_admin' });
    expect(secret).toMatch(/^bf_/);
    expect(token).toEqual({ id: token.id, name: 'kiosk', role: 'viewer', cameraScope: ['cam1', 'cam2'], createdAt: clock, createdBy: 'tok_admin', lastUsedAt: null, revokedAt: null });
    expect(token.id).toMatch(/^tok_/);
    const row = db.prepare('SELECT * FROM api_tokens').get() as Record<string, unknown>;
    expect(row.secret_hash).toBe(hashSecret(secret));
    expect(JSON.stringify(row)).not.toContain(secret.slice(3));
    db.pragma('wal_checkpoint(TRUNCATE)');
    expect(fs.readFileSync(path.join(dir, STORE_FILE)).includes(secret.slice(3))).toBe(false);
  });

  it('authenticates by secret, never a revoked token, and records use at most once a minute', () => {
    const { token, secret } = store.create({ name: 'ops', role: 'operator' });
    expect(store.authenticate(secret)).toMatchObject({ id: token.id, lastUsedAt: clock });
    clock += 30_000;
    expect(store.authenticate(secret)?.lastUsedAt).toBe(1_000_000);
    clock += 30_000;
    expect(store.authenticate(secret)?.lastUsedAt).toBe(1_060_000);
    expect(store.get(token.id)?.lastUsedAt).toBe(1_060_000);
    expect(store.authenticate(secret + 'x')).toBeUndefined();
    expect(store.authenticate('')).toBeUndefined();
    expect(store.revoke(token.id)).toBe(true);
    expect(store.revoke(token.id)).toBe(false);
    expect(store.revoke('tok_unknown')).toBe(false);
    expect(store.authenticate(secret)).toBeUndefined();
    expect(store.get(token.id)?.revokedAt).toBe(clock);
  });

  it('lists every token oldest first, revoked ones included', () => {
    const a = store.create({ name: 'a', role: 'admin' }).token;
    clock++;
    const b = store.create({ name: 'b', role: 'viewer' }).token;
    store.revoke(a.id);
    expect(store.list().map((t) => [t.name, t.revokedAt !== null])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    expect(store.get(b.id)?.name).toBe('b');
    expect(store.get('nope')).toBeUndefined();
    expect(store.count()).toBe(2);
  });

  it('refuses bad names, roles, empty scopes and scoped admins', () => {
    expect(() => store.create({ name: '  ', role: 'viewer' })).toThrow(/name/);
    expect(() => store.create({ name: 'x'.repeat(101), role: 'viewer' })).toThrow(/name/);
    expect(() => store.create({ name: 'x', role: 'root' as never })).toThrow(/role/);
    expect(() => store.create({ name: 'x', role: 'viewer', cameraScope: [] })).toThrow(/at least one camera/);
    expect(() => store.create({ name: 'x', role: 'viewer', cameraScope: [''] })).toThrow(/camera ids/);
    expect(() => store.create({ name: 'x', role: 'admin', cameraScope: ['cam1'] })).toThrow(/admin/);
    expect(store.count()).toBe(0);
  });

  it('ensures an admin secret: created, then unchanged, reinstated after revocation or a role change', () => {
    const secret = 'a-long-enough-admin-secret';
    const first = store.ensureAdminSecret(secret, 'env');
    expect(first.outcome).toBe('created');
    expect(first.token).toMatchObject({ role: 'admin', name: 'env', cameraScope: null });
    expect(store.ensureAdminSecret(secret, 'env')).toMatchObject({ outcome: 'unchanged', token: { id: first.token.id } });
    store.revoke(first.token.id);
    expect(store.ensureAdminSecret(secret, 'env')).toMatchObject({ outcome: 'reinstated', token: { id: first.token.id, revokedAt: null } });
    db.prepare("UPDATE api_tokens SET role = 'viewer', camera_scope = '[\"c\"]'").run();
    expect(store.ensureAdminSecret(secret, 'env')).toMatchObject({ outcome: 'reinstated', token: { role: 'admin', cameraScope: null } });
    expect(store.authenticate(secret)?.id).toBe(first.token.id);
    expect(store.count()).toBe(1);
  });

  it('creates a first admin only in an empty store', () => {
    const first = store.createFirstAdmin('first');
    expect(first?.token.role).toBe('admin');
    expect(store.authenticate(first!.secret)?.id).toBe(first!.token.id);
    expect(store.createFirstAdmin('first')).toBeUndefined();
    store.revoke(first!.token.id);
    expect(store.createFirstAdmin('first')).toBeUndefined();
  });
});
