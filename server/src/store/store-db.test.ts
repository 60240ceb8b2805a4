import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openStoreDb, STORE_FILE, STORE_SCHEMA_VERSION } from './store-db.js';

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-store-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('openStoreDb', () => {
  it('creates the schema once and opens it again', () => {
    const dir = tmp();
    const db = openStoreDb(dir);
    expect(db.pragma('user_version', { simple: true })).toBe(STORE_SCHEMA_VERSION);
    db.prepare("INSERT INTO cameras VALUES ('c1', '{}', 1, 1)").run();
    db.close();
    const again = openStoreDb(dir);
    expect(again.prepare('SELECT id FROM cameras').all()).toEqual([{ id: 'c1' }]);
    again.close();
  });

  it('refuses a foreign SQLite file and leaves it byte for byte', () => {
    const dir = tmp();
    const file = path.join(dir, STORE_FILE);
    const other = new Database(file);
    other.exec('CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES (1)');
    other.close();
    const before = fs.readFileSync(file);
    expect(() => openStoreDb(dir)).toThrow(/not a BoostFace store/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses garbage and a store from a newer version', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, STORE_FILE), 'definitely not sqlite, but long enough to look like a header'.repeat(20));
    expect(() => openStoreDb(dir)).toThrow(expect.objectContaining({ code: 'CORRUPT_STORE' }));
    const dir2 = tmp();
    const db = openStoreDb(dir2);
    db.pragma(`user_version = ${STORE_SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openStoreDb(dir2)).toThrow(/newer than this BoostFace/);
  });
});
