import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStoreDb } from './store-db.js';
import { WallStore } from './wall-store.js';

let dir: string;
let db: ReturnType<typeof openStoreDb>;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-wall-'));
  db = openStoreDb(dir);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('WallStore', () => {
  it('applies operations in order, bumping the version, and persists them', () => {
    const w = new WallStore(db);
    expect(w.get()).toMatchObject({ version: 0, grid: 4, tiles: [null, null, null, null] });
    w.apply({ op: 'layout', grid: 9, tiles: ['c1', 'c2'] }, 'alice', undefined, 10);
    w.apply({ op: 'pin', tile: 1, pinned: true }, 'bob', undefined, 11);
    w.apply({ op: 'pin', tile: 7, pinned: true }, 'alice', undefined, 12);
    const s = w.apply({ op: 'focus', tile: 7 }, 'bob', 3, 13);
    expect(s).toMatchObject({ version: 4, grid: 9, pinned: [1, 7], focused: 7, updatedBy: 'bob', updatedAt: 13 });
    expect(s.tiles).toEqual(['c1', 'c2', null, null, null, null, null, null, null]);
    expect(new WallStore(db).get()).toEqual(s);
    // shrinking drops pins and focus outside the grid
    expect(w.apply({ op: 'layout', grid: 4 }, 'carol')).toMatchObject({ grid: 4, tiles: ['c1', 'c2', null, null], pinned: [1], focused: null, version: 5 });
  });

  it('refuses stale compare-and-set and invalid operations without changing the wall', () => {
    const w = new WallStore(db);
    w.apply({ op: 'assign', tile: 0, cameraId: 'c1' }, 'alice');
    expect(() => w.apply({ op: 'assign', tile: 0, cameraId: 'c9' }, 'bob', 0)).toThrow(/the wall changed \(version 1, expected 0\)/);
    expect(() => w.apply({ op: 'layout', grid: 5 }, 'bob')).toThrow(/grid must be one of 1, 4, 9, 16/);
    expect(() => w.apply({ op: 'pin', tile: 4, pinned: true }, 'bob')).toThrow(/tile 4 is not on a 4-tile wall/);
    expect(w.get()).toMatchObject({ version: 1, tiles: ['c1', null, null, null] });
  });
});
