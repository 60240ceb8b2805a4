import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiSettings, ConfigError, engineSettings, liveSettings, logSettings, storeSettings } from './config.js';
import { applyConfigFile, CONFIG_KEYS, readConfigFile, withConfigSource } from './config-file.js';
import { REPO_ROOT } from '../test/shared-fixtures.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-config-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
function configFile(content: unknown): string {
  const file = path.join(dir, `c${n++}.json`);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}
function configError(content: unknown): string {
  try {
    readConfigFile(configFile(content));
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('config file', () => {
  it('maps its keys onto the settings, paths relative to the file', () => {
    const file = configFile({
      dataDir: 'var/bf',
      snapshotDir: 'shared/snapshots',
      models: { dir: '/srv/models', detector: 'det_10g' },
      engine: { providers: ['cuda', 'cpu'], workers: 2, threads: 3, detSize: 320, deviceId: 1 },
      live: { retentionDays: 7, track: { iou: 0.5, minHits: 2 } },
      redis: { url: 'redis://cache:6379', prefix: 'bf1' },
      postgres: { url: 'postgres://bf:pw@db:5432/boostface' },
      api: { port: 9000, host: '127.0.0.1', operatorsMayEnroll: true, viewersMaySearch: false, alerts: { unknownSeconds: 1.5, unknownCameras: ['door', 'gate'] } },
      log: { level: 'debug', format: 'pretty' },
    });
    const env: NodeJS.ProcessEnv = {};
    const applied = applyConfigFile(file, env);
    expect(applied.file).toBe(path.resolve(file));
    const engine = engineSettings(env);
    expect(engine).toMatchObject({ dataDir: path.join(dir, 'var/bf'), modelsDir: '/srv/models', detector: 'det_10g', providers: ['cuda', 'cpu'], workers: 2, threads: 3, detSize: 320, deviceId: 1 });
    expect(liveSettings(env)).toMatchObject({ retentionDays: 7, trackIou: 0.5, trackMinHits: 2, trackMaxAge: 30, redisUrl: 'redis://cache:6379', redisPrefix: 'bf1' });
    expect(apiSettings(env)).toEqual({ port: 9000, host: '127.0.0.1', alertUnknownMs: 1500, alertUnknownCameras: ['door', 'gate'], operatorsMayEnroll: true, viewersMaySearch: false });
    expect(storeSettings(env)).toEqual({ postgresUrl: 'postgres://bf:pw@db:5432/boostface', snapshotDir: path.join(dir, 'shared/snapshots') });
    expect(logSettings(env)).toEqual({ level: 'debug', format: 'pretty' });
    expect(env.BOOSTFACE_VIEWERS_MAY_SEARCH).toBe('0');
  });

  it('leaves the environment in charge: a set variable wins, an empty one is filled from the file', () => {
    const file = configFile({ engine: { workers: 2, threads: 1 }, api: { host: '10.0.0.1' } });
    const env: NodeJS.ProcessEnv = { BOOSTFACE_WORKERS: '3', BOOSTFACE_THREADS: '', PATH: '/bin' };
    const { applied } = applyConfigFile(file, env);
    expect(applied.sort()).toEqual(['BOOSTFACE_HOST', 'BOOSTFACE_THREADS']);
    expect(engineSettings(env)).toMatchObject({ workers: 3, threads: 1 });
    expect(apiSettings(env).host).toBe('10.0.0.1');
    // Keys the file leaves out keep their defaults.
    expect(apiSettings(env).port).toBe(8080);
    expect(logSettings(env)).toEqual({ level: 'info', format: 'json' });
  });

  it('refuses wrong types and out-of-range values, naming the key path and the value', () => {
    expect(configError({ engine: { workers: 'x' } })).toContain('config engine.workers: expected an integer between 1 and 64, got "x"');
    expect(configError({ engine: { workers: 0 } })).toContain('config engine.workers: expected an integer between 1 and 64, got 0');
    expect(configError({ engine: { workers: 2.5 } })).toContain('got 2.5');
    expect(configError({ live: { track: { iou: 1.5 } } })).toContain('config live.track.iou: expected a number between 0 and 1, got 1.5');
    expect(configError({ engine: { providers: ['cuda', 'metal'] } })).toContain('config engine.providers[1]: expected one of cpu, cuda, tensorrt, webgpu, got "metal"');
    expect(configError({ engine: { providers: 'cuda,cpu' } })).toContain('config engine.providers: expected a non-empty list of cpu, cuda, tensorrt, webgpu, got "cuda,cpu"');
    expect(configError({ engine: { providers: [] } })).toContain('config engine.providers: expected a non-empty list');
    expect(configError({ milvus: { ssl: 'yes' } })).toContain('config milvus.ssl: expected true or false, got "yes"');
    expect(configError({ role: 'both' })).toContain('config role: expected one of all, api, worker, got "both"');
    expect(configError({ cameras: { leaseTtlMs: 100 } })).toContain('config cameras.leaseTtlMs: expected an integer between 500 and 600000, got 100');
    expect(configError({ log: { level: 'verbose' } })).toContain('config log.level: expected one of trace, debug, info, warn, error, fatal, got "verbose"');
    expect(configError({ api: 8080 })).toContain('config api: expected an object, got 8080');
    expect(configError({ dataDir: '' })).toContain('config dataDir: expected a non-empty string, got ""');
    expect(configError({ api: { alerts: { unknownCameras: ['a,b'] } } })).toContain('config api.alerts.unknownCameras[0]: expected a non-empty name without commas');
    expect(configError([])).toContain('config (top level): expected an object, got a list');
  });

  it('refuses unknown keys with the known ones listed, and reports every problem at once', () => {
    const message = configError({ engine: { wrokers: 2, detSize: 'big' }, extra: true });
    expect(message).toMatch(/^config file .*\.json is invalid:\n/);
    expect(message).toContain('config engine.wrokers: unknown key (expected one of: providers, workers, threads, inferenceNice, detSize, maxPixels, maxBatch, deviceId, trtCacheDir)');
    expect(message).toContain('config engine.detSize: expected an integer between 32 and 4096, got "big"');
    expect(message).toMatch(/config extra: unknown key \(expected one of: dataDir, snapshotDir, models, engine, /);
  });

  it('never repeats a secret in a message', () => {
    const message = configError({ api: { adminToken: 'too-short-1' }, redis: { url: 5 } });
    expect(message).toContain('config api.adminToken: expected a string of at least 16 characters');
    expect(message).toContain('config redis.url: expected a non-empty string');
    expect(message).not.toContain('too-short-1');
    expect(message).not.toMatch(/got 5/);
  });

  it('says clearly when the file is missing or not JSON', () => {
    const missing = path.join(dir, 'nope.json');
    expect(() => readConfigFile(missing)).toThrow(new ConfigError(`config file ${missing} does not exist`));
    expect(configError('{ "engine": { "workers": 2, } }')).toMatch(/^config file .* is not valid JSON: /);
  });

  it('names the file key when a later settings check refuses a value the file set', () => {
    const file = configFile({ engine: { providers: ['webgpu'], workers: 2 } });
    const env: NodeJS.ProcessEnv = {};
    const applied = applyConfigFile(file, env);
    let err: unknown;
    try {
      engineSettings(env);
    } catch (e) {
      err = withConfigSource(e, applied);
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/BOOSTFACE_WORKERS must be 1 with the webgpu provider.*\(BOOSTFACE_WORKERS is set by engine\.workers in .*\.json\)$/);
    const other = new Error('x');
    expect(withConfigSource(other, applied)).toBe(other);
  });
});

describe('docs/configuration.md', () => {
  const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs/configuration.md'), 'utf8');

  it('documents every config file key with its variable', () => {
    for (const k of CONFIG_KEYS) expect(doc, k.key).toMatch(new RegExp(`\\| \`${k.key.replace(/\./g, '\\.')}\` \\| \`${k.env}\` \\|`));
  });

  it('documents every BOOSTFACE_ variable the server reads', () => {
    // env.NAME, or the name as a string literal (settings helpers take names): not constants that merely look alike.
    const READ = /\benv\.(BOOSTFACE_[A-Z0-9_]+)|['"`](BOOSTFACE_[A-Z0-9_]+)['"`]/g;
    const names = new Set<string>();
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) for (const m of fs.readFileSync(p, 'utf8').matchAll(READ)) names.add(m[1] ?? m[2]);
      }
    };
    walk(path.join(REPO_ROOT, 'server/src'));
    expect(names.size).toBeGreaterThan(30);
    for (const name of names) expect(doc, name).toContain(`\`${name}\``);
  });
});
