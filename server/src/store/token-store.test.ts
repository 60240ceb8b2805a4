import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashSecret } from '../api/auth/tokens.js';
import { openStoreDb, STORE_FILE } from './store-db.js';
import { tokenStoreContract } from './token-store-contract.js';
import { SqliteTokenStore } from './token-store.js';

function open(now?: () => number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-tokens-'));
  const db = openStoreDb(dir);
  const cleanup = async () => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { dir, db, store: new SqliteTokenStore(db, now), cleanup };
}

tokenStoreContract('sqlite', async (now) => {
  const { db, store, cleanup } = open(now);
  return {
    store,
    stored: async () => JSON.stringify(db.prepare('SELECT * FROM api_tokens').all()),
    demote: async (id) => void db.prepare("UPDATE api_tokens SET role = 'viewer', camera_scope = '[\"c\"]' WHERE id = ?").run(id),
    cleanup,
  };
});

describe('SqliteTokenStore', () => {
  it('keeps the hash in its row and the secret nowhere in the database file', async () => {
    const { dir, db, store, cleanup } = open();
    try {
      const { secret } = await store.create({ name: 'kiosk', role: 'viewer' });
      const row = db.prepare('SELECT * FROM api_tokens').get() as Record<string, unknown>;
      expect(row.secret_hash).toBe(hashSecret(secret));
      db.pragma('wal_checkpoint(TRUNCATE)');
      expect(fs.readFileSync(path.join(dir, STORE_FILE)).includes(secret.slice(3))).toBe(false);
    } finally {
      await cleanup();
    }
  });
});
