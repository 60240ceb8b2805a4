import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sqliteSightingStore, type Sighting, type SightingStore } from '../store/sighting-store.js';
import { SnapshotStore } from '../store/snapshot-store.js';
import { openStoreDb } from '../store/store-db.js';
import { SightingRetention } from './sighting-retention.js';

let dir: string;
let db: ReturnType<typeof openStoreDb>;
let sightings: SightingStore;
let snapshots: SnapshotStore;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-ret-'));
  db = openStoreDb(dir);
  sightings = sqliteSightingStore(db);
  snapshots = new SnapshotStore(dir);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const DAY = 86_400_000;
const now = Date.UTC(2026, 10, 28);

async function seed(id: string, endedAt: number, identityId: string | null): Promise<Sighting> {
  const frame = { width: 64, height: 64, data: new Uint8Array(64 * 64 * 3) };
  const snap = await snapshots.write('cam1', id, endedAt, new Uint8Array(112 * 112 * 3), 112, frame, [10, 10, 40, 40]);
  const s: Sighting = {
    id, cameraId: 'cam1', trackId: id, startedAt: endedAt - 1000, endedAt, identityId, identityName: identityId, label: identityId ?? 'Unknown 1',
    score: null, quality: 0.5, frames: 5, faceSnapshot: snap.face, contextSnapshot: snap.context, embedding: null, ended: true,
  };
  await sightings.put(s);
  return s;
}

describe('SightingRetention', () => {
  it('purges sightings past retention with their snapshot files, keeps the rest', async () => {
    const old = await seed('old', now - 31 * DAY, null);
    const fresh = await seed('fresh', now - 29 * DAY, null);
    const r = new SightingRetention(sightings, snapshots, 30);
    expect(await r.purgeExpired(now)).toBe(1);
    expect(await sightings.get('old')).toBeUndefined();
    expect(fs.existsSync(snapshots.resolve(old.faceSnapshot!))).toBe(false);
    expect(fs.existsSync(snapshots.resolve(fresh.faceSnapshot!))).toBe(true);
    expect(await new SightingRetention(sightings, snapshots, 0).purgeExpired(now + 1000 * DAY)).toBe(0);
  });

  it('deletes an identity’s sightings and snapshots, relabels on rename or merge', async () => {
    const a = await seed('a', now, 'p1');
    await seed('b', now, 'p2');
    const r = new SightingRetention(sightings, snapshots, 30);
    expect(await r.deleteIdentity('p1')).toBe(1);
    expect(fs.existsSync(snapshots.resolve(a.contextSnapshot!))).toBe(false);
    expect(await r.relabel('p2', { id: 'p3', name: 'Carol' })).toBe(1);
    expect(await sightings.get('b')).toMatchObject({ identityId: 'p3', label: 'Carol' });
  });
});
