import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditLogContract } from './audit-log-contract.js';
import { redact, SqliteAuditLog } from './audit-log.js';
import { openStoreDb } from './store-db.js';

auditLogContract('sqlite', async (now) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-audit-'));
  const db = openStoreDb(dir);
  return {
    log: new SqliteAuditLog(db, now),
    stored: async () => JSON.stringify(db.prepare('SELECT * FROM audit_log').all()),
    cleanup: async () => {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
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
