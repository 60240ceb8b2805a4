import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../config.js';
import { openStoreDb } from '../../store/store-db.js';
import { SqliteTokenStore } from '../../store/token-store.js';
import { ensureAdminToken, ENV_ADMIN_TOKEN_NAME } from './bootstrap.js';

let dir: string;
let db: ReturnType<typeof openStoreDb>;
let store: SqliteTokenStore;
let lines: string[];
const log = (l: string) => lines.push(l);
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-boot-'));
  db = openStoreDb(dir);
  store = new SqliteTokenStore(db);
  lines = [];
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('ensureAdminToken', () => {
  it('prints a first-run admin secret once, and never again', async () => {
    const r = await ensureAdminToken(store, {}, log);
    expect(r.source).toBe('first-run');
    const printed = lines.join('\n').match(/bf_[A-Za-z0-9_-]{43}/)?.[0];
    expect(printed).toBeDefined();
    expect(lines.join('\n')).toMatch(/only this once/);
    expect(lines.join('\n')).toMatch(/store it/i);
    expect(await store.authenticate(printed!)).toMatchObject({ role: 'admin' });

    lines = [];
    // A restart (same store, new process): nothing is created or printed.
    const again = await ensureAdminToken(new SqliteTokenStore(db), {}, log);
    expect(again).toEqual({ source: 'existing' });
    expect(lines).toEqual([]);
    expect(await store.count()).toBe(1);
  });

  it('makes BOOSTFACE_ADMIN_TOKEN a live admin token without printing it', async () => {
    const secret = 'test-admin-token-0123456789';
    const r = await ensureAdminToken(store, { BOOSTFACE_ADMIN_TOKEN: secret }, log);
    expect(r.source).toBe('env');
    expect(await store.authenticate(secret)).toMatchObject({ role: 'admin', name: ENV_ADMIN_TOKEN_NAME, cameraScope: null });
    expect(lines.join('\n')).not.toContain(secret);
    // Idempotent across restarts; reinstated when revoked.
    await ensureAdminToken(store, { BOOSTFACE_ADMIN_TOKEN: secret }, log);
    expect(await store.count()).toBe(1);
    await store.revoke((await store.list())[0].id);
    lines = [];
    await ensureAdminToken(store, { BOOSTFACE_ADMIN_TOKEN: secret }, log);
    expect(await store.authenticate(secret)).toBeDefined();
    expect(lines.join('\n')).toMatch(/reinstated/);
  });

  it('with BOOSTFACE_ADMIN_TOKEN set, creates no first-run token', async () => {
    await ensureAdminToken(store, { BOOSTFACE_ADMIN_TOKEN: 'x'.repeat(16) }, log);
    expect((await store.list()).map((t) => t.name)).toEqual([ENV_ADMIN_TOKEN_NAME]);
    expect(lines.join('\n')).not.toMatch(/bf_/);
  });

  it('refuses a weak or unusable BOOSTFACE_ADMIN_TOKEN with a clear error, creating nothing', async () => {
    await expect(ensureAdminToken(store, { BOOSTFACE_ADMIN_TOKEN: 'short' }, log)).rejects.toThrow(ConfigError);
    await expect(ensureAdminToken(store, { BOOSTFACE_ADMIN_TOKEN: 'short' }, log)).rejects.toThrow(/at least 16/);
    await expect(ensureAdminToken(store, { BOOSTFACE_ADMIN_TOKEN: 'has spaces in the middle' }, log)).rejects.toThrow(/printable ASCII without spaces/);
    expect(await store.count()).toBe(0);
  });
});
