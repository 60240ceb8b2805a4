/**
 * The contract every TokenStore adapter passes. Call it from the adapter's test file:
 *
 *   tokenStoreContract('sqlite', async (now) => ({ store, stored, demote, cleanup }));
 *
 * `make` is called once per test with the clock the store must use, and hands back an empty store; `stored` returns
 * everything the storage holds, as text (to show that no secret is kept); `demote` turns a token into a scoped viewer
 * behind the store's back (an operator editing the storage); `cleanup` closes and removes the storage.
 *
 * What it pins down: secrets returned once and stored only as hashes; authentication by secret, never of a revoked
 * token; last use recorded at most once a minute; list oldest first with revoked tokens; the input rules; the
 * BOOSTFACE_ADMIN_TOKEN bootstrap (created, unchanged, reinstated) and the first-run admin; export → import into another
 * empty store keeping ids, hashes, times and revocations (the secret still authenticates there), a hash never shared.
 */
import { describe, expect, it } from 'vitest';
import { subjectPerTest } from './contract-subject.js';
import type { TokenStore } from './token-store.js';

export interface TokenStoreSubject {
  store: TokenStore;
  stored(): Promise<string>;
  demote(id: string): Promise<void>;
  cleanup(): Promise<void>;
}

export function tokenStoreContract(name: string, make: (now: () => number) => Promise<TokenStoreSubject>): void {
  describe(`TokenStore contract: ${name}`, () => {
    let subject: TokenStoreSubject | undefined;
    let clock = 1_000_000;
    const opened = subjectPerTest(() => make(() => clock));
    const open = async () => {
      clock = 1_000_000;
      subject = await opened();
      return subject.store;
    };

    it('creates a token, returns its secret once and stores only the hash', async () => {
      const store = await open();
      const { token, secret } = await store.create({ name: ' kiosk ', role: 'viewer', cameraScope: ['cam1', 'cam1', 'cam2'], createdBy: 'tok_admin' });
      expect(secret).toMatch(/^bf_/);
      expect(token).toEqual({ id: token.id, name: 'kiosk', role: 'viewer', cameraScope: ['cam1', 'cam2'], createdAt: clock, createdBy: 'tok_admin', lastUsedAt: null, revokedAt: null });
      expect(token.id).toMatch(/^tok_/);
      expect(await store.get(token.id)).toEqual(token);
      const stored = await subject!.stored();
      expect(stored).toContain(token.id);
      expect(stored).not.toContain(secret.slice(3));
    });

    it('authenticates by secret, never a revoked token, and records use at most once a minute', async () => {
      const store = await open();
      const { token, secret } = await store.create({ name: 'ops', role: 'operator' });
      expect(await store.authenticate(secret)).toMatchObject({ id: token.id, lastUsedAt: clock });
      clock += 30_000;
      expect((await store.authenticate(secret))?.lastUsedAt).toBe(1_000_000);
      clock += 30_000;
      expect((await store.authenticate(secret))?.lastUsedAt).toBe(1_060_000);
      expect((await store.get(token.id))?.lastUsedAt).toBe(1_060_000);
      expect(await store.authenticate(secret + 'x')).toBeUndefined();
      expect(await store.authenticate('')).toBeUndefined();
      expect(await store.authenticate('x'.repeat(513))).toBeUndefined();
      expect(await store.revoke(token.id)).toBe(true);
      expect(await store.revoke(token.id)).toBe(false);
      expect(await store.revoke('tok_unknown')).toBe(false);
      expect(await store.authenticate(secret)).toBeUndefined();
      expect((await store.get(token.id))?.revokedAt).toBe(clock);
      expect(await store.count()).toBe(1);
    });

    it('lists every token oldest first, revoked ones included', async () => {
      const store = await open();
      const a = (await store.create({ name: 'a', role: 'admin' })).token;
      clock++;
      const b = (await store.create({ name: 'b', role: 'viewer' })).token;
      await store.revoke(a.id);
      expect((await store.list()).map((t) => [t.name, t.revokedAt !== null])).toEqual([
        ['a', true],
        ['b', false],
      ]);
      expect((await store.get(b.id))?.name).toBe('b');
      expect(await store.get('nope')).toBeUndefined();
      expect(await store.count()).toBe(2);
    });

    it('refuses bad names, roles, empty scopes and scoped admins', async () => {
      const store = await open();
      await expect(store.create({ name: '  ', role: 'viewer' })).rejects.toThrow(/name/);
      await expect(store.create({ name: 'x'.repeat(101), role: 'viewer' })).rejects.toThrow(/name/);
      await expect(store.create({ name: 'x', role: 'root' as never })).rejects.toThrow(/role/);
      await expect(store.create({ name: 'x', role: 'viewer', cameraScope: [] })).rejects.toThrow(/at least one camera/);
      await expect(store.create({ name: 'x', role: 'viewer', cameraScope: [''] })).rejects.toThrow(/camera ids/);
      await expect(store.create({ name: 'x', role: 'admin', cameraScope: ['cam1'] })).rejects.toThrow(/admin/);
      expect(await store.count()).toBe(0);
    });

    it('ensures an admin secret: created, then unchanged, reinstated after revocation or a role change', async () => {
      const store = await open();
      const secret = 'a-long-enough-admin-secret';
      const first = await store.ensureAdminSecret(secret, 'env');
      expect(first.outcome).toBe('created');
      expect(first.token).toMatchObject({ role: 'admin', name: 'env', cameraScope: null });
      expect(await store.ensureAdminSecret(secret, 'env')).toMatchObject({ outcome: 'unchanged', token: { id: first.token.id } });
      await store.revoke(first.token.id);
      expect(await store.ensureAdminSecret(secret, 'env')).toMatchObject({ outcome: 'reinstated', token: { id: first.token.id, revokedAt: null } });
      await subject!.demote(first.token.id);
      expect(await store.get(first.token.id)).toMatchObject({ role: 'viewer', cameraScope: ['c'] });
      expect(await store.ensureAdminSecret(secret, 'env')).toMatchObject({ outcome: 'reinstated', token: { role: 'admin', cameraScope: null } });
      expect((await store.authenticate(secret))?.id).toBe(first.token.id);
      expect(await store.count()).toBe(1);
      expect(await subject!.stored()).not.toContain(secret);
    });

    it('exports every token with its hash and imports it into another store as it was', async () => {
      const store = await open();
      const live = await store.create({ name: 'kiosk', role: 'viewer', cameraScope: ['cam1'], createdBy: 'tok_admin' });
      clock += 1000;
      const gone = await store.create({ name: 'old', role: 'operator' });
      await store.authenticate(live.secret);
      await store.revoke(gone.token.id);
      const exported = [];
      for await (const t of store.exportTokens()) exported.push(t);
      expect(exported.map(({ secretHash: _h, ...t }) => t)).toEqual(await store.list());
      expect(exported.every((t) => /^[0-9a-f]{64}$/.test(t.secretHash))).toBe(true);

      const other = await make(() => clock + 99_000);
      try {
        for (const t of exported) await other.store.importToken(t);
        expect(await other.store.list()).toEqual(await store.list());
        // The hash travelled: the secret works there, and a revoked token stays revoked.
        expect((await other.store.authenticate(live.secret))?.id).toBe(live.token.id);
        expect(await other.store.authenticate(gone.secret)).toBeUndefined();
        expect(await other.store.createFirstAdmin('first')).toBeUndefined();
        // Importing again replaces by id; a different token with a hash already held is refused.
        await other.store.importToken({ ...exported[0], name: 'renamed' });
        expect((await other.store.get(live.token.id))?.name).toBe('renamed');
        await expect(other.store.importToken({ ...exported[0], id: 'tok_other' })).rejects.toMatchObject({ code: 'CONFLICT' });
        expect(await other.store.count()).toBe(2);
      } finally {
        await other.cleanup();
      }
    });

    it('creates a first admin only in an empty store', async () => {
      const store = await open();
      const first = await store.createFirstAdmin('first');
      expect(first?.token.role).toBe('admin');
      expect((await store.authenticate(first!.secret))?.id).toBe(first!.token.id);
      expect(await store.createFirstAdmin('first')).toBeUndefined();
      await store.revoke(first!.token.id);
      expect(await store.createFirstAdmin('first')).toBeUndefined();
      expect(await store.count()).toBe(1);
    });
  });
}
