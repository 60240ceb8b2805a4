import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { l2normalize } from '../engine/vector.js';
import { SightingStore, type Sighting } from './sighting-store.js';
import { openStoreDb } from './store-db.js';

let dir: string;
let db: ReturnType<typeof openStoreDb>;
let store: SightingStore;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-sight-'));
  db = openStoreDb(dir);
  store = new SightingStore(db);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const vec = (...v: number[]) => l2normalize(Float32Array.from(v));
const sighting = (id: string, over: Partial<Sighting> = {}): Sighting => ({
  id,
  cameraId: 'cam1',
  trackId: `t-${id}`,
  startedAt: 1000,
  endedAt: 2000,
  identityId: null,
  identityName: null,
  label: 'Unknown 1',
  score: null,
  quality: 0.5,
  frames: 10,
  faceSnapshot: null,
  contextSnapshot: null,
  embedding: null,
  ended: true,
  ...over,
});

describe('SightingStore', () => {
  it('round-trips a sighting, embedding included, and updates it by id', () => {
    const s = sighting('a', { embedding: vec(1, 2, 3), identityId: 'p1', identityName: 'Ann', label: 'Ann', score: 0.6, ended: false });
    store.put(s);
    expect(store.get('a')).toEqual(s);
    store.put({ ...s, endedAt: 5000, ended: true, frames: 50 });
    expect(store.get('a')).toMatchObject({ endedAt: 5000, ended: true, frames: 50 });
    expect(store.count()).toBe(1);
  });

  it('filters by identity, camera and time overlap, newest first with cursor pages', () => {
    for (let i = 0; i < 7; i++) store.put(sighting(`s${i}`, { startedAt: 1000 * i, endedAt: 1000 * i + 500, cameraId: i % 2 ? 'cam2' : 'cam1', identityId: i < 3 ? 'p1' : null }));
    expect(store.list({ identityId: 'p1' }).items.map((s) => s.id)).toEqual(['s2', 's1', 's0']);
    expect(store.list({ unknownOnly: true, cameraIds: ['cam2'] }).items.map((s) => s.id)).toEqual(['s5', 's3']);
    expect(store.list({ from: 2400, to: 4100 }).items.map((s) => s.id)).toEqual(['s4', 's3', 's2']);
    expect(store.list({ cameraIds: [] }).items).toEqual([]);
    const p1 = store.list({ first: 3 });
    expect(p1.items.map((s) => s.id)).toEqual(['s6', 's5', 's4']);
    expect(p1.hasNextPage).toBe(true);
    const p2 = store.list({ first: 3, after: p1.endCursor });
    expect(p2.items.map((s) => s.id)).toEqual(['s3', 's2', 's1']);
    const p3 = store.list({ first: 3, after: p2.endCursor });
    expect(p3.items.map((s) => s.id)).toEqual(['s0']);
    expect(p3.hasNextPage).toBe(false);
    expect(() => store.list({ after: 'nonsense' })).toThrow(/cursor/);
  });

  it('finds sightings by face, best first, above the threshold and within filters', () => {
    store.put(sighting('near', { embedding: vec(1, 0.1, 0) }));
    store.put(sighting('far', { embedding: vec(0, 1, 0) }));
    store.put(sighting('mid', { embedding: vec(1, 0.8, 0), cameraId: 'cam2' }));
    store.put(sighting('none'));
    const hits = store.searchByFace(vec(1, 0, 0), { threshold: 0.5 });
    expect(hits.map((h) => h.sighting.id)).toEqual(['near', 'mid']);
    expect(hits[0].score).toBeCloseTo(1 / Math.hypot(1, 0.1), 5);
    expect(store.searchByFace(vec(1, 0, 0), { threshold: 0.5, cameraIds: ['cam2'] }).map((h) => h.sighting.id)).toEqual(['mid']);
    expect(store.searchByFace(vec(1, 0, 0), { limit: 1 }).map((h) => h.sighting.id)).toEqual(['near']);
  });

  it('deletes and relabels by identity, purges old ended sightings only', () => {
    store.put(sighting('a', { identityId: 'p1', identityName: 'Ann', label: 'Ann', faceSnapshot: 'x.jpg' }));
    store.put(sighting('b', { identityId: 'p2', identityName: 'Bob', label: 'Bob' }));
    store.put(sighting('c', { endedAt: 100, ended: false }));
    store.put(sighting('d', { endedAt: 100 }));
    expect(store.relabelIdentity('p2', { id: 'p3', name: 'Robert' })).toBe(1);
    expect(store.get('b')).toMatchObject({ identityId: 'p3', label: 'Robert' });
    expect(store.deleteByIdentity('p1').map((s) => s.faceSnapshot)).toEqual(['x.jpg']);
    expect(store.purgeEndedBefore(1500).map((s) => s.id)).toEqual(['d']);
    expect(store.list().items.map((s) => s.id).sort()).toEqual(['b', 'c']);
    expect(store.closeDangling()).toBe(1);
  });
});
