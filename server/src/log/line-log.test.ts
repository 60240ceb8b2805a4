import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureAdminToken } from '../api/auth/bootstrap.js';
import { openStoreDb } from '../store/store-db.js';
import { SqliteTokenStore } from '../store/token-store.js';
import { adminBootstrapLog, lineLog, splitComponent } from './line-log.js';
import { createLogger, type LogLevel } from './logger.js';

function capture(level: LogLevel = 'info') {
  const out: string[] = [];
  const logger = createLogger({ level, destination: { write: (s) => out.push(s) } });
  return { logger, records: () => out.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('splitComponent', () => {
  it('takes a lower-case "word: " prefix as the component', () => {
    expect(splitComponent('bus: trackEvents connection: ECONNREFUSED')).toEqual({ component: 'bus', msg: 'trackEvents connection: ECONNREFUSED' });
    expect(splitComponent('camera door: frame 3 failed')).toEqual({ msg: 'camera door: frame 3 failed' });
    expect(splitComponent('http://x: y')).toEqual({ msg: 'http://x: y' });
  });
});

describe('lineLog', () => {
  it('writes each line as a record of its prefix component, or of the default one', () => {
    const { logger, records } = capture();
    const log = lineLog(logger, { component: 'api' });
    log('retention: purged 3 sightings older than 30 days');
    log('plain words');
    log('retention: purged 1 sightings older than 30 days');
    expect(records().map((r) => [r.component, r.level, r.msg])).toEqual([
      ['retention', 'info', 'purged 3 sightings older than 30 days'],
      ['api', 'info', 'plain words'],
      ['retention', 'info', 'purged 1 sightings older than 30 days'],
    ]);
  });

  it('raises lines that report a failure to warn, and keeps a higher level given', () => {
    const { logger, records } = capture();
    lineLog(logger)('recognition: embed failed: worker gone');
    lineLog(logger, { level: 'error' })('api: unexpected error in cameras: boom');
    lineLog(logger, { level: 'debug' })('debug line');
    expect(records().map((r) => [r.component, r.level])).toEqual([
      ['recognition', 'warn'],
      ['api', 'error'],
    ]);
  });
});

describe('adminBootstrapLog', () => {
  /** The real bootstrap on a fresh store: its records, and the role the logged secret authenticates as. */
  const bootstrap = async (level: LogLevel) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-log-boot-'));
    const db = openStoreDb(dir);
    try {
      const { logger, records } = capture(level);
      await ensureAdminToken(new SqliteTokenStore(db), {}, adminBootstrapLog(logger));
      const secret = records().find((r) => r.adminTokenSecret)?.adminTokenSecret as string | undefined;
      return { records: records(), secret, role: secret ? (await new SqliteTokenStore(db).authenticate(secret))?.role : undefined };
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  it('logs the first admin secret once as an explicit record carrying it in adminTokenSecret', async () => {
    const { records, secret, role } = await bootstrap('info');
    expect(role).toBe('admin');
    const withSecret = records.filter((r) => JSON.stringify(r).includes(secret!));
    expect(withSecret).toHaveLength(1);
    expect(withSecret[0]).toMatchObject({ component: 'api', level: 'warn', msg: `first admin API token secret (shown only this once): ${secret}` });
    // The explanation around it stays ordinary api records.
    const others = records.filter((r) => r !== withSecret[0]);
    expect(others.length).toBeGreaterThan(0);
    expect(others.every((r) => r.component === 'api' && r.level === 'info')).toBe(true);
  });

  it('is not hidden by a level above warn', async () => {
    const { records, role } = await bootstrap('error');
    expect(role).toBe('admin');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ level: 'error' });
  });
});
