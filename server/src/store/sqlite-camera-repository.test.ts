import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cameraRepositoryContract } from '../cameras/camera-repository-contract.js';
import { SqliteCameraRepository } from './sqlite-camera-repository.js';
import { openStoreDb } from './store-db.js';

cameraRepositoryContract('sqlite store', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-cams-'));
  let db = openStoreDb(dir);
  return {
    repository: new SqliteCameraRepository(db),
    reopen: async () => {
      db.close();
      db = openStoreDb(dir);
      return new SqliteCameraRepository(db);
    },
    cleanup: async () => {
      if (db.open) db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});
