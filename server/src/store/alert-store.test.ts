import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertStore, type Alert } from './alert-store.js';
import { openStoreDb } from './store-db.js';

let dir: string;
let db: ReturnType<typeof openStoreDb>;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-alerts-'));
  db = openStoreDb(dir);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const alert = (id: string, at: number, cameraId = 'c1'): Alert => ({
  id, at, kind: 'watchlist', cameraId, trackId: `t-${id}`, identityId: 'p1', payload: { label: 'Ann', score: 0.6 }, acknowledgedAt: null, acknowledgedBy: null,
});

describe('AlertStore', () => {
  it('lists newest first with filters and pages, acknowledges once', () => {
    const s = new AlertStore(db);
    for (let i = 0; i < 5; i++) s.put(alert(`a${i}`, 1000 + i, i % 2 ? 'c2' : 'c1'));
    expect(s.list().map((a) => a.id)).toEqual(['a4', 'a3', 'a2', 'a1', 'a0']);
    expect(s.list({ cameraIds: ['c2'] }).map((a) => a.id)).toEqual(['a3', 'a1']);
    expect(s.list({ first: 2, before: { at: 1003, id: 'a3' } }).map((a) => a.id)).toEqual(['a2', 'a1']);
    expect(s.acknowledge('a2', 'alice', 5000)).toMatchObject({ acknowledgedAt: 5000, acknowledgedBy: 'alice', payload: { label: 'Ann' } });
    expect(s.acknowledge('a2', 'bob', 6000)).toMatchObject({ acknowledgedBy: 'alice' });
    expect(s.list({ acknowledged: true }).map((a) => a.id)).toEqual(['a2']);
    expect(s.list({ acknowledged: false })).toHaveLength(4);
    expect(() => s.acknowledge('nope', 'x')).toThrow(/no alert/);
    expect(s.purgeBefore(1002)).toBe(2);
  });
});
