import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alertStoreContract } from './alert-store-contract.js';
import { sqliteAlertStore } from './alert-store.js';
import { openStoreDb } from './store-db.js';

alertStoreContract('sqlite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-alerts-'));
  const db = openStoreDb(dir);
  return {
    store: sqliteAlertStore(db),
    cleanup: async () => {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});
