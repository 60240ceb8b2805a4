/**
 * The contract every WallStore adapter passes. Call it from the adapter's test file:
 *
 *   wallStoreContract('sqlite', async () => ({ store, other, cleanup }));
 *
 * `make` is called once per test and hands back a store on empty storage; `other()` opens another store on the same
 * storage, as another process of the deployment would (its own connection where the adapter has one); `cleanup`
 * closes and removes everything.
 *
 * What it pins down: the empty wall; operations in order, each bumping the version, kept in the storage; the rules of
 * applyWallOp (grids, tiles, shrinking); compare-and-set CONFLICT and refused operations leaving the wall unchanged;
 * concurrent edits through several stores: without expectedVersion all apply, one after the other, none lost; with the
 * same expectedVersion exactly one applies and every other gets CONFLICT; an exported wall imported into another store
 * as it was (version and times kept), edits there continuing from its version.
 */
import { describe, expect, it } from 'vitest';
import { subjectPerTest } from './contract-subject.js';
import type { WallStore } from './wall-store.js';

export interface WallStoreSubject {
  store: WallStore;
  other(): Promise<WallStore>;
  cleanup(): Promise<void>;
}

export function wallStoreContract(name: string, make: () => Promise<WallStoreSubject>): void {
  describe(`WallStore contract: ${name}`, () => {
    let subject: WallStoreSubject | undefined;
    const opened = subjectPerTest(make);
    const open = async () => {
      subject = await opened();
      return subject.store;
    };

    it('starts empty, applies operations in order, bumping the version, and keeps them in the storage', async () => {
      const w = await open();
      const empty = await w.get();
      expect(empty).toEqual({ version: 0, grid: 4, tiles: [null, null, null, null], pinned: [], focused: null, updatedAt: 0, updatedBy: null });
      empty.tiles[0] = 'mutated';
      expect((await w.get()).tiles[0]).toBeNull();
      await w.apply({ op: 'layout', grid: 9, tiles: ['c1', 'c2'] }, 'alice', undefined, 10);
      await w.apply({ op: 'pin', tile: 1, pinned: true }, 'bob', undefined, 11);
      await w.apply({ op: 'pin', tile: 7, pinned: true }, 'alice', undefined, 12);
      const s = await w.apply({ op: 'focus', tile: 7 }, 'bob', 3, 13);
      expect(s).toMatchObject({ version: 4, grid: 9, pinned: [1, 7], focused: 7, updatedBy: 'bob', updatedAt: 13 });
      expect(s.tiles).toEqual(['c1', 'c2', null, null, null, null, null, null, null]);
      expect(await w.get()).toEqual(s);
      expect(await (await subject!.other()).get()).toEqual(s);
      // shrinking drops pins and focus outside the grid
      expect(await w.apply({ op: 'layout', grid: 4 }, 'carol')).toMatchObject({ grid: 4, tiles: ['c1', 'c2', null, null], pinned: [1], focused: null, version: 5 });
      expect(await w.apply({ op: 'pin', tile: 1, pinned: false }, 'carol')).toMatchObject({ pinned: [], version: 6 });
      expect(await w.apply({ op: 'assign', tile: 1, cameraId: null }, 'carol')).toMatchObject({ tiles: ['c1', null, null, null], version: 7 });
    });

    it('refuses stale compare-and-set and invalid operations without changing the wall', async () => {
      const w = await open();
      await w.apply({ op: 'assign', tile: 0, cameraId: 'c1' }, 'alice');
      await expect(w.apply({ op: 'assign', tile: 0, cameraId: 'c9' }, 'bob', 0)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/the wall changed \(version 1, expected 0\)/) });
      await expect(w.apply({ op: 'layout', grid: 5 }, 'bob')).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/grid must be one of 1, 4, 9, 16/) });
      await expect(w.apply({ op: 'layout', grid: 1, tiles: ['a', 'b'] }, 'bob')).rejects.toThrow(/2 tiles do not fit a 1-tile wall/);
      await expect(w.apply({ op: 'pin', tile: 4, pinned: true }, 'bob')).rejects.toThrow(/tile 4 is not on a 4-tile wall/);
      await expect(w.apply({ op: 'focus', tile: -1 }, 'bob')).rejects.toThrow(/tile -1 is not on a 4-tile wall/);
      expect(await w.get()).toMatchObject({ version: 1, tiles: ['c1', null, null, null], updatedBy: 'alice' });
      expect(await w.apply({ op: 'assign', tile: 0, cameraId: 'c9' }, 'bob', 1)).toMatchObject({ version: 2, tiles: ['c9', null, null, null] });
    });

    it('imports an exported wall as it was, and edits continue from its version', async () => {
      const w = await open();
      await w.apply({ op: 'layout', grid: 9, tiles: ['c1'] }, 'alice', undefined, 10);
      await w.apply({ op: 'pin', tile: 0, pinned: true }, 'bob', undefined, 11);
      const exported = await w.get();
      const other = await make();
      try {
        await other.store.importState(exported);
        expect(await other.store.get()).toEqual(exported);
        await expect(other.store.apply({ op: 'focus', tile: 0 }, 'carol', 1)).rejects.toMatchObject({ code: 'CONFLICT' });
        expect(await other.store.apply({ op: 'focus', tile: 0 }, 'carol', 2, 12)).toMatchObject({ version: 3, focused: 0, pinned: [0], tiles: exported.tiles });
      } finally {
        await other.cleanup();
      }
    });

    it('applies concurrent edits through several stores one after the other, losing none', async () => {
      const w = await open();
      const stores = [w, await subject!.other(), await subject!.other()];
      await w.apply({ op: 'layout', grid: 16 }, 'setup');
      const results = await Promise.all(Array.from({ length: 16 }, (_, tile) => stores[tile % 3].apply({ op: 'assign', tile, cameraId: `c${tile}` }, `op${tile % 3}`)));
      expect(results.map((r) => r.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i + 2));
      const final = await stores[1].get();
      expect(final.version).toBe(17);
      expect(final.tiles).toEqual(Array.from({ length: 16 }, (_, i) => `c${i}`));
      // The last edit's result is the stored state.
      expect(results.find((r) => r.version === 17)).toEqual(final);
    });

    it('lets exactly one of concurrent edits with the same expectedVersion through; the others get CONFLICT', async () => {
      const w = await open();
      const stores = [w, await subject!.other(), await subject!.other()];
      const { version } = await w.apply({ op: 'assign', tile: 0, cameraId: 'base' }, 'setup');
      const outcomes = await Promise.allSettled(stores.flatMap((s, i) => [0, 1].map((j) => s.apply({ op: 'assign', tile: 1, cameraId: `c${i}${j}` }, `op${i}`, version))));
      const won = outcomes.filter((o): o is PromiseFulfilledResult<Awaited<ReturnType<WallStore['apply']>>> => o.status === 'fulfilled');
      const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(5);
      for (const l of lost) expect(l.reason).toMatchObject({ code: 'CONFLICT' });
      expect(await stores[2].get()).toEqual(won[0].value);
      expect(won[0].value).toMatchObject({ version: version + 1, tiles: ['base', won[0].value.tiles[1], null, null] });
    });
  });
}
