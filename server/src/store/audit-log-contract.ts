/**
 * The contract every AuditLog adapter passes. Call it from the adapter's test file:
 *
 *   auditLogContract('sqlite', async (now) => ({ log, stored, cleanup }));
 *
 * `make` is called once per test with the clock the log must stamp entries with (it only moves forward), and hands
 * back an empty log; `stored` returns everything the storage holds, as text; `cleanup` closes and removes it.
 *
 * What it pins down: the fields of an entry; input checks; details redacted before they are stored; filters by
 * action, actor and time; newest first (time, then order of appending) with cursor pages; purge by age; export →
 * import into another empty log keeping seq and time, appends there numbered past the imported entries.
 */
import { describe, expect, it } from 'vitest';
import { subjectPerTest } from './contract-subject.js';
import type { AuditLog } from './audit-log.js';

export interface AuditLogSubject {
  log: AuditLog;
  stored(): Promise<string>;
  cleanup(): Promise<void>;
}

const admin = { tokenId: 'tok_a', name: 'alice', role: 'admin', cameraScope: null };
const viewer = { tokenId: 'tok_v', name: 'kiosk', role: 'viewer', cameraScope: ['cam1'] };

export function auditLogContract(name: string, make: (now: () => number) => Promise<AuditLogSubject>): void {
  describe(`AuditLog contract: ${name}`, () => {
    let subject: AuditLogSubject | undefined;
    let clock = 10_000;
    const opened = subjectPerTest(() => make(() => clock));
    const open = async (start: number) => {
      clock = start;
      subject = await opened();
      return subject.log;
    };

    it('records who, when, what, on which target, with details and outcome', async () => {
      const log = await open(10_000);
      const e = await log.append({ actor: admin, action: 'identity.delete', target: 'id_1', details: { name: 'Ann' }, outcome: 'ok' });
      expect(e).toEqual({ seq: e.seq, at: 10_000, actorId: 'tok_a', actorName: 'alice', role: 'admin', action: 'identity.delete', target: 'id_1', details: { name: 'Ann' }, outcome: 'ok' });
      expect((await log.query()).items).toEqual([e]);
      const anon = await log.append({ actor: null, action: 'search.faces', outcome: 'denied' });
      expect(anon).toMatchObject({ actorId: null, actorName: null, role: null, target: null, details: null });
      expect(anon.seq).not.toBe(e.seq);
      await expect(log.append({ actor: null, action: '', outcome: 'ok' })).rejects.toThrow(/action/);
      await expect(log.append({ actor: null, action: 'x', outcome: 'maybe' as never })).rejects.toThrow(/outcome/);
      expect((await log.query()).items).toHaveLength(2);
    });

    it('never stores image bytes or secrets in details', async () => {
      const log = await open(10_000);
      const image = Buffer.alloc(30_000, 0xab).toString('base64');
      const secret = 'bf_' + 'S'.repeat(43);
      await log.append({
        actor: admin,
        action: 'identity.enroll',
        target: 'Ann',
        details: { images: [image, `data:image/jpeg;base64,${image}`], raw: Buffer.alloc(5000), token: 'anything', note: `Bearer ${secret}`, created: secret, tags: ['vip'] },
        outcome: 'ok',
      });
      const stored = await subject!.stored();
      expect(stored.length).toBeLessThan(1000);
      expect(stored).not.toContain(image.slice(0, 64));
      expect(stored).not.toContain('SSSSSSSS');
      expect((await log.query()).items[0].details).toEqual({
        images: ['[40000 chars omitted]', '[data URL image/jpeg, 40023 chars omitted]'],
        raw: '[5000 bytes omitted]',
        token: '[redacted]',
        note: '[redacted]',
        created: '[redacted]',
        tags: ['vip'],
      });
    });

    it('filters by action, actor and time, newest first with cursor pages', async () => {
      const log = await open(1000);
      for (let i = 0; i < 7; i++) {
        clock = 1000 * (i + 1);
        await log.append({ actor: i % 2 ? viewer : admin, action: i < 4 ? 'search.faces' : 'token.create', target: `t${i}`, outcome: 'ok' });
      }
      // same time as t6: the order of appending breaks the tie
      await log.append({ actor: admin, action: 'token.revoke', target: 't7', outcome: 'ok' });
      const targets = async (q: Parameters<AuditLog['query']>[0]) => (await log.query(q)).items.map((e) => e.target);
      expect(await targets({})).toEqual(['t7', 't6', 't5', 't4', 't3', 't2', 't1', 't0']);
      expect(await targets({ actions: ['search.faces'] })).toEqual(['t3', 't2', 't1', 't0']);
      expect(await targets({ actions: ['token.create', 'token.revoke'], actorId: 'tok_a' })).toEqual(['t7', 't6', 't4']);
      expect(await targets({ from: 3000, to: 5000 })).toEqual(['t4', 't3', 't2']);
      expect(await targets({ to: 7000 })).toEqual(['t7', 't6', 't5', 't4', 't3', 't2', 't1', 't0']);
      expect(await targets({ actions: [] })).toEqual([]);
      const p1 = await log.query({ first: 3 });
      expect(p1.items.map((e) => e.target)).toEqual(['t7', 't6', 't5']);
      expect(p1.hasNextPage).toBe(true);
      const p2 = await log.query({ first: 3, after: p1.endCursor });
      expect(p2.items.map((e) => e.target)).toEqual(['t4', 't3', 't2']);
      const p3 = await log.query({ first: 3, after: p2.endCursor });
      expect(p3.items.map((e) => e.target)).toEqual(['t1', 't0']);
      expect(p3.hasNextPage).toBe(false);
      // A page of a filtered query, and a page that ends exactly at the last match.
      const f1 = await log.query({ first: 1, actorId: 'tok_v' });
      expect(f1.items.map((e) => e.target)).toEqual(['t5']);
      const f2 = await log.query({ first: 2, actorId: 'tok_v', after: f1.endCursor });
      expect([f2.items.map((e) => e.target), f2.hasNextPage]).toEqual([['t3', 't1'], false]);
      const t1 = await log.query({ first: 1, after: p1.endCursor, to: 3000 });
      expect(t1.items.map((e) => e.target)).toEqual(['t2']);
      await expect(log.query({ after: 'garbage' })).rejects.toThrow(/cursor/);
    });

    it('exports every entry oldest first and imports them into another log with their seq and time', async () => {
      const log = await open(1000);
      for (let i = 0; i < 5; i++) {
        clock = 1000 * (i + 1) - (i === 3 ? 1000 : 0); // two entries at one time: the order of appending breaks the tie
        await log.append({ actor: i % 2 ? viewer : admin, action: 'a', target: `t${i}`, details: { i }, outcome: i === 4 ? 'denied' : 'ok' });
      }
      const exported = [];
      for await (const e of log.exportEntries()) exported.push(e);
      expect(exported.map((e) => e.target)).toEqual(['t0', 't1', 't2', 't3', 't4']);
      expect([...exported].reverse()).toEqual((await log.query()).items);

      const other = await make(() => 50_000);
      try {
        for (const e of exported) expect(await other.log.importEntry(e)).toBe(true);
        expect((await other.log.query()).items).toEqual((await log.query()).items);
        expect(await other.log.importEntry(exported[1])).toBe(false);
        const next = await other.log.append({ actor: null, action: 'after', outcome: 'ok' });
        expect(next.seq).toBeGreaterThan(Math.max(...exported.map((e) => e.seq)));
        expect((await other.log.query()).items).toHaveLength(6);
      } finally {
        await other.cleanup();
      }
    });

    it('purges entries older than the retention cut-off', async () => {
      const log = await open(1000);
      for (let i = 0; i < 5; i++) {
        clock = 1000 * (i + 1);
        await log.append({ actor: admin, action: 'a', target: `t${i}`, outcome: 'ok' });
      }
      expect(await log.purge(4000)).toBe(3);
      expect((await log.query()).items.map((e) => e.target)).toEqual(['t4', 't3']);
    });
  });
}
