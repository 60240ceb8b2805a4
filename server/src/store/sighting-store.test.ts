import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sightingStoreContract } from './sighting-store-contract.js';
import { sqliteSightingStore } from './sighting-store.js';
import { openStoreDb } from './store-db.js';

sightingStoreContract('sqlite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-sight-'));
  const db = openStoreDb(dir);
  return {
    store: sqliteSightingStore(db, { searchBatch: 2 }),
    reopen: async () => sqliteSightingStore(db, { searchBatch: 2 }),
    cleanup: async () => {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});
