import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStoreDb } from './store-db.js';
import { wallStoreContract } from './wall-store-contract.js';
import { SqliteWallStore } from './wall-store.js';

wallStoreContract('sqlite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-wall-'));
  const dbs = [openStoreDb(dir)];
  return {
    store: new SqliteWallStore(dbs[0]),
    // Another connection to the same file, as another process on this data directory would have.
    other: async () => {
      const db = openStoreDb(dir);
      dbs.push(db);
      return new SqliteWallStore(db);
    },
    cleanup: async () => {
      for (const db of dbs) db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});
