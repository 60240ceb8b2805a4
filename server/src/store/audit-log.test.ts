import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog, redact } from './audit-log.js';
import { openStoreDb } from './store-db.js';

let dir: string;
let db: ReturnType<typeof openStoreDb>;
let clock: number;
let log: AuditLog;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-audit-'));
  db = openStoreDb(dir);
  clock = 10_000;
  log = new AuditLog(db, () => clock);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const admin = { tokenId: 'tok_a', name: 'alice', role: 'admin', cameraScope: null };
const viewer = { tokenId: 'tok_v', name: 'kiosk', role: 'viewer', cameraScope: ['cam1'] };

describe('AuditLog', () => {
  it('records who, when, what, on which target, with details and outcome', () => {
    const e = log.append({ actor: admin, action: 'identity.delete', target: 'id_1', details: { name: 'Ann' }, outcome: 'ok' });
    expect(e).toEqual({ seq: e.seq, at: 10_000, actorId: 'tok_a', actorName: 'alice', role: 'admin', action: 'identity.delete', target: 'id_1', details: { name: 'Ann' }, outcome: 'ok' });
    expect(log.query().items).toEqual([e]);
    const anon = log.append({ actor: null, action: 'search.faces', outcome: 'denied' });
    expect(anon).toMatchObject({ actorId: null, actorName: null, role: null, target: null, details: null });
    expect(() => log.append({ actor: null, action: '', outcome: 'ok' })).toThrow(/action/);
    expect(() => log.append({ actor: null, action: 'x', outcome: 'maybe' as never })).toThrow(/outcome/);
  });

  it('never stores image bytes or secrets in details', () => {
    const image = Buffer.alloc(30_000, 0xab).toString('base64');
    const secret = 'bf_' + 'S'.repeat(43);
    log.append({
      actor: admin,
      action: 'identity.enroll',
      target: 'Ann',
      details: { images: [image, `data:image/jpeg;base64,${image}`], raw: Buffer.alloc(5000), token: 'anything', note: `Bearer ${secret}`, created: secret, tags: ['vip'] },
      outcome: 'ok',
    });
    const stored = (db.prepare('SELECT details FROM audit_log').get() as { details: string }).details;
    expect(stored.length).toBeLessThan(500);
    expect(stored).not.toContain(image.slice(0, 64));
    expect(stored).not.toContain('SSSSSSSS');
    expect(JSON.parse(stored)).toEqual({
      images: ['[40000 chars omitted]', '[data URL image/jpeg, 40023 chars omitted]'],
      raw: '[5000 bytes omitted]',
      token: '[redacted]',
      note: '[redacted]',
      created: '[redacted]',
      tags: ['vip'],
    });
  });

  it('filters by action, actor and time, newest first with cursor pages', () => {
    for (let i = 0; i < 7; i++) {
      clock = 1000 * i;
      log.append({ actor: i % 2 ? viewer : admin, action: i < 4 ? 'search.faces' : 'token.create', target: `t${i}`, outcome: 'ok' });
    }
    clock = 6000; // same time as t6: the sequence breaks the tie
    log.append({ actor: admin, action: 'token.revoke', target: 't7', outcome: 'ok' });
    const targets = (q: Parameters<AuditLog['query']>[0]) => log.query(q).items.map((e) => e.target);
    expect(targets({})).toEqual(['t7', 't6', 't5', 't4', 't3', 't2', 't1', 't0']);
    expect(targets({ actions: ['search.faces'] })).toEqual(['t3', 't2', 't1', 't0']);
    expect(targets({ actions: ['token.create', 'token.revoke'], actorId: 'tok_a' })).toEqual(['t7', 't6', 't4']);
    expect(targets({ from: 2000, to: 4000 })).toEqual(['t4', 't3', 't2']);
    expect(targets({ actions: [] })).toEqual([]);
    const p1 = log.query({ first: 3 });
    expect(p1.items.map((e) => e.target)).toEqual(['t7', 't6', 't5']);
    expect(p1.hasNextPage).toBe(true);
    const p2 = log.query({ first: 3, after: p1.endCursor });
    expect(p2.items.map((e) => e.target)).toEqual(['t4', 't3', 't2']);
    const p3 = log.query({ first: 3, after: p2.endCursor });
    expect(p3.items.map((e) => e.target)).toEqual(['t1', 't0']);
    expect(p3.hasNextPage).toBe(false);
    expect(() => log.query({ after: 'garbage' })).toThrow(/cursor/);
  });

  it('purges entries older than the retention cut-off', () => {
    for (let i = 0; i < 5; i++) {
      clock = 1000 * i;
      log.append({ actor: admin, action: 'a', target: `t${i}`, outcome: 'ok' });
    }
    expect(log.purge(3000)).toBe(3);
    expect(log.query().items.map((e) => e.target)).toEqual(['t4', 't3']);
  });
});

describe('redact', () => {
  it('keeps small JSON values as they are', () => {
    const v = { a: 1, b: 'text', c: [true, null], d: { e: 'f' } };
    expect(redact(v)).toEqual(v);
  });

  it('bounds arrays, keys, depth and cycles, and makes odd values JSON-safe', () => {
    const cyclic: Record<string, unknown> = { n: 1 };
    cyclic.self = cyclic;
    expect(redact(cyclic)).toEqual({ n: 1, self: '[nested value omitted]' });
    expect(redact(Array.from({ length: 60 }, (_, i) => i), { maxArray: 3 })).toEqual([0, 1, 2, '[57 more items omitted]']);
    expect(redact({ a: { b: { c: 1 } } }, { maxDepth: 2 })).toEqual({ a: { b: '[nested value omitted]' } });
    expect(redact({ a: 1, b: 2, c: 3 }, { maxKeys: 2 })).toEqual({ a: 1, b: 2, '…': '[1 more keys omitted]' });
    expect(redact({ n: NaN, big: 10n, d: new Date(0), u: undefined, f: () => 1 })).toEqual({ n: 'NaN', big: '10', d: '1970-01-01T00:00:00.000Z' });
    expect(redact(new Float32Array(4))).toBe('[16 bytes omitted]');
  });
});
