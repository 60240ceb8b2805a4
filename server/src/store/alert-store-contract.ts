/**
 * The contract every AlertStore adapter passes. Call it from the adapter's test file:
 *
 *   alertStoreContract('sqlite', async () => ({ store, cleanup }));
 *
 * What it pins down: payloads round-trip; lists newest first (ties by id) with filters and pages; the first
 * acknowledgement stands; unknown ids are NOT_FOUND; purge by age; put replaces by id; every alert read page by page
 * (as a backup does) and put into another store comes back equal.
 */
import { describe, expect, it } from 'vitest';
import type { Alert, AlertStore } from './alert-store.js';
import { subjectPerTest } from './contract-subject.js';

export interface AlertStoreSubject {
  store: AlertStore;
  cleanup(): Promise<void>;
}

export const alert = (id: string, at: number, cameraId = 'c1'): Alert => ({
  id, at, kind: 'watchlist', cameraId, trackId: `t-${id}`, identityId: 'p1', payload: { label: 'Ann', score: 0.6 }, acknowledgedAt: null, acknowledgedBy: null,
});

export function alertStoreContract(name: string, make: () => Promise<AlertStoreSubject>): void {
  describe(`AlertStore contract: ${name}`, () => {
    const subject = subjectPerTest(make);
    const open = async () => (await subject()).store;

    it('round-trips an alert with its payload', async () => {
      const s = await open();
      const a: Alert = { ...alert('x', 1_767_225_600_123), kind: 'unknown', trackId: null, identityId: null, payload: { label: 'Unknown 3', score: null, snapshot: { face: 'c1/f.jpg', context: 'c1/c.jpg' }, rule: 'unknown person for 5 s' } };
      await s.put(a);
      expect(await s.get('x')).toEqual(a);
      expect(await s.get('y')).toBeUndefined();
    });

    it('replaces by id, and copies page by page into another store', async () => {
      const s = await open();
      for (let i = 0; i < 5; i++) await s.put(alert(`a${i}`, 1000 + (i >> 1)));
      await s.acknowledge('a1', 'alice', 5000);
      await s.put({ ...alert('a4', 1002), payload: { label: 'Bob', score: 0.7 } });
      expect(await s.get('a4')).toMatchObject({ payload: { label: 'Bob', score: 0.7 } });
      const copy = await make();
      try {
        let before: { at: number; id: string } | undefined;
        for (let page = await s.list({ first: 2 }); page.length > 0; page = await s.list({ first: 2, before })) {
          for (const a of page) await copy.store.put(a);
          before = page[page.length - 1];
        }
        expect(await copy.store.list()).toEqual(await s.list());
        expect(await copy.store.list()).toHaveLength(5);
      } finally {
        await copy.cleanup();
      }
    });

    it('lists newest first with filters and pages, acknowledges once', async () => {
      const s = await open();
      for (let i = 0; i < 5; i++) await s.put(alert(`a${i}`, 1000 + i, i % 2 ? 'c2' : 'c1'));
      await s.put(alert('b3', 1003, 'c1'));
      expect((await s.list()).map((a) => a.id)).toEqual(['a4', 'b3', 'a3', 'a2', 'a1', 'a0']);
      expect((await s.list({ cameraIds: ['c2'] })).map((a) => a.id)).toEqual(['a3', 'a1']);
      expect(await s.list({ cameraIds: [] })).toEqual([]);
      expect((await s.list({ first: 2, before: { at: 1003, id: 'b3' } })).map((a) => a.id)).toEqual(['a3', 'a2']);
      expect(await s.acknowledge('a2', 'alice', 5000)).toMatchObject({ acknowledgedAt: 5000, acknowledgedBy: 'alice', payload: { label: 'Ann' } });
      expect(await s.acknowledge('a2', 'bob', 6000)).toMatchObject({ acknowledgedAt: 5000, acknowledgedBy: 'alice' });
      expect((await s.list({ acknowledged: true })).map((a) => a.id)).toEqual(['a2']);
      expect(await s.list({ acknowledged: false })).toHaveLength(5);
      await expect(s.acknowledge('nope', 'x')).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/no alert/) });
      expect(await s.purgeBefore(1002)).toBe(2);
      expect((await s.list()).map((a) => a.id)).toEqual(['a4', 'b3', 'a3', 'a2']);
    });
  });
}
