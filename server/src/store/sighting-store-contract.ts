/**
 * The contract every SightingStore adapter passes. Call it from the adapter's test file:
 *
 *   sightingStoreContract('sqlite', async () => ({ store, reopen, cleanup }));
 *
 * `make` hands back an empty store whose face search reads 2 rows per round trip (so that the keyset pages are
 * exercised); `reopen` opens another store on the same storage, as a restarted process would; `cleanup` closes and
 * removes the storage.
 *
 * What it pins down: round trips (embedding included) and updates by id; filters, time overlap and cursor pages;
 * the face search (best first, threshold, filters, limit, other embedding spaces skipped) across pages; delete,
 * relabel and purge; closing dangling sightings of one camera or of all; stranger numbers never handed out twice,
 * continuing past the labels stored; every sighting read page by page (as a backup does) and put into another store
 * comes back equal, and is found there by face.
 */
import { describe, expect, it } from 'vitest';
import { l2normalize } from '../engine/vector.js';
import { subjectPerTest } from './contract-subject.js';
import type { Sighting, SightingStore } from './sighting-store.js';

export interface SightingStoreSubject {
  store: SightingStore;
  reopen(): Promise<SightingStore>;
  cleanup(): Promise<void>;
}

const vec = (...v: number[]) => l2normalize(Float32Array.from(v));

export const sighting = (id: string, over: Partial<Sighting> = {}): Sighting => ({
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

export function sightingStoreContract(name: string, make: () => Promise<SightingStoreSubject>): void {
  describe(`SightingStore contract: ${name}`, () => {
    let subject: SightingStoreSubject | undefined;
    const opened = subjectPerTest(make);
    const open = async () => (subject = await opened()).store;

    it('round-trips a sighting, embedding included, and updates it by id', async () => {
      const store = await open();
      const s = sighting('a', { embedding: vec(1, 2, 3), identityId: 'p1', identityName: 'Ann', label: 'Ann', score: 0.6125, ended: false, startedAt: 1_767_225_600_123, endedAt: 1_767_225_601_456 });
      await store.put(s);
      expect(await store.get('a')).toEqual(s);
      await store.put({ ...s, endedAt: 1_767_225_605_000, ended: true, frames: 50 });
      expect(await store.get('a')).toMatchObject({ endedAt: 1_767_225_605_000, ended: true, frames: 50 });
      expect(await store.count()).toBe(1);
      expect(await store.get('missing')).toBeUndefined();
    });

    it('filters by identity, camera and time overlap, newest first with cursor pages', async () => {
      const store = await open();
      for (let i = 0; i < 7; i++) await store.put(sighting(`s${i}`, { startedAt: 1000 * i, endedAt: 1000 * i + 500, cameraId: i % 2 ? 'cam2' : 'cam1', identityId: i < 3 ? 'p1' : null }));
      // Two sightings starting at the same moment: the id breaks the tie, across a page boundary too.
      await store.put(sighting('s7', { startedAt: 6000, endedAt: 6100 }));
      expect((await store.list({ identityId: 'p1' })).items.map((s) => s.id)).toEqual(['s2', 's1', 's0']);
      expect((await store.list({ unknownOnly: true, cameraIds: ['cam2'] })).items.map((s) => s.id)).toEqual(['s5', 's3']);
      expect((await store.list({ from: 2400, to: 4100 })).items.map((s) => s.id)).toEqual(['s4', 's3', 's2']);
      expect((await store.list({ cameraIds: [] })).items).toEqual([]);
      const p1 = await store.list({ first: 1 });
      expect(p1.items.map((s) => s.id)).toEqual(['s7']);
      const p2 = await store.list({ first: 3, after: p1.endCursor });
      expect(p2.items.map((s) => s.id)).toEqual(['s6', 's5', 's4']);
      expect(p2.hasNextPage).toBe(true);
      const p3 = await store.list({ first: 3, after: p2.endCursor });
      expect(p3.items.map((s) => s.id)).toEqual(['s3', 's2', 's1']);
      const p4 = await store.list({ first: 3, after: p3.endCursor });
      expect(p4.items.map((s) => s.id)).toEqual(['s0']);
      expect(p4.hasNextPage).toBe(false);
      await expect(store.list({ after: 'nonsense' })).rejects.toThrow(/cursor/);
    });

    it('finds sightings by face, best first, above the threshold and within filters, across scan pages', async () => {
      const store = await open();
      await store.put(sighting('near', { embedding: vec(1, 0.1, 0), startedAt: 1 }));
      await store.put(sighting('far', { embedding: vec(0, 1, 0), startedAt: 2 }));
      await store.put(sighting('mid', { embedding: vec(1, 0.8, 0), cameraId: 'cam2', startedAt: 3 }));
      await store.put(sighting('none', { startedAt: 4 }));
      await store.put(sighting('other-space', { embedding: vec(1, 0, 0, 0), startedAt: 5 }));
      for (let i = 0; i < 5; i++) await store.put(sighting(`filler${i}`, { embedding: vec(0, 0, 1), startedAt: 10 + i }));
      const hits = await store.searchByFace(vec(1, 0, 0), { threshold: 0.5 });
      expect(hits.map((h) => h.sighting.id)).toEqual(['near', 'mid']);
      expect(hits[0].score).toBeCloseTo(1 / Math.hypot(1, 0.1), 5);
      expect(hits[0].sighting).toMatchObject({ id: 'near', cameraId: 'cam1' });
      expect((await store.searchByFace(vec(1, 0, 0), { threshold: 0.5, cameraIds: ['cam2'] })).map((h) => h.sighting.id)).toEqual(['mid']);
      expect((await store.searchByFace(vec(1, 0, 0), { limit: 1 })).map((h) => h.sighting.id)).toEqual(['near']);
      expect(await store.searchByFace(vec(1, 0, 0), { threshold: 0.5, cameraIds: [] })).toEqual([]);
    });

    it('deletes and relabels by identity, purges old ended sightings only, in batches', async () => {
      const store = await open();
      await store.put(sighting('a', { identityId: 'p1', identityName: 'Ann', label: 'Ann', faceSnapshot: 'x.jpg' }));
      await store.put(sighting('b', { identityId: 'p2', identityName: 'Bob', label: 'Bob' }));
      await store.put(sighting('c', { endedAt: 100, ended: false }));
      await store.put(sighting('d', { endedAt: 100 }));
      await store.put(sighting('e', { endedAt: 200 }));
      expect(await store.relabelIdentity('p2', { id: 'p3', name: 'Robert' })).toBe(1);
      expect(await store.get('b')).toMatchObject({ identityId: 'p3', identityName: 'Robert', label: 'Robert' });
      expect((await store.deleteByIdentity('p1')).map((s) => s.faceSnapshot)).toEqual(['x.jpg']);
      const first = await store.purgeEndedBefore(1500, 1);
      const second = await store.purgeEndedBefore(1500, 1);
      expect([...first, ...second].map((s) => s.id).sort()).toEqual(['d', 'e']);
      expect(await store.purgeEndedBefore(1500, 1)).toEqual([]);
      expect((await store.list()).items.map((s) => s.id).sort()).toEqual(['b', 'c']);
    });

    it('closes the dangling sightings of one camera, or of every camera', async () => {
      const store = await open();
      await store.put(sighting('a', { ended: false }));
      await store.put(sighting('b', { ended: false, cameraId: 'cam2' }));
      await store.put(sighting('c', { ended: false, cameraId: 'cam3' }));
      expect(await store.closeDangling('cam2')).toBe(1);
      expect([(await store.get('a'))!.ended, (await store.get('b'))!.ended, (await store.get('c'))!.ended]).toEqual([false, true, false]);
      expect(await store.closeDangling()).toBe(2);
      expect(await store.closeDangling()).toBe(0);
    });

    it('copies page by page into another store, embeddings included', async () => {
      const store = await open();
      for (let i = 0; i < 5; i++) await store.put(sighting(`s${i}`, { startedAt: 1000 * (i >> 1), embedding: i === 2 ? null : vec(1, i, 0), ended: i !== 4, score: i / 10 }));
      const copy = await make();
      try {
        const page = { first: 2, after: undefined as string | undefined };
        for (let p = await store.list(page); ; p = await store.list({ ...page, after: p.endCursor })) {
          for (const s of p.items) await copy.store.put(s);
          if (!p.hasNextPage) break;
        }
        expect((await copy.store.list()).items).toEqual((await store.list()).items);
        expect((await copy.store.searchByFace(vec(1, 3, 0), { limit: 1 }))[0].sighting.id).toBe('s3');
      } finally {
        await copy.cleanup();
      }
    });

    it('hands out stranger numbers once, continuing past the labels stored', async () => {
      const store = await open();
      await store.put(sighting('a', { label: 'Unknown 41' }));
      await store.put(sighting('b', { label: 'Unknown 7' }));
      const again = await subject!.reopen();
      const batches = await Promise.all([again.reserveStrangerNumbers(3), again.reserveStrangerNumbers(2), again.reserveStrangerNumbers(4)]);
      const all = batches.flat();
      expect(batches.map((b) => b.length)).toEqual([3, 2, 4]);
      expect(new Set(all).size).toBe(9);
      expect(Math.min(...all)).toBeGreaterThan(41);
    });
  });
}
