import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiSettings, ConfigError, engineSettings, liveSettings, logSettings, matchThresholdSetting, roleSettings, storeSettings } from './config.js';

describe('engineSettings', () => {
  it('derives defaults from the data directory and the core count', () => {
    const s = engineSettings({ BOOSTFACE_DATA_DIR: '/srv/bf' });
    const cores = os.availableParallelism();
    expect(s.modelsDir).toBe(path.resolve('/srv/bf/models'));
    expect(s.providers).toEqual(['cpu']);
    expect(s.workers).toBe(Math.min(cores, 4));
    expect(s.threads).toBe(Math.max(1, Math.floor(cores / s.workers)));
    expect(s.detSize).toBe(640);
    expect(s.inferenceNice).toBe(0);
    expect(engineSettings({ BOOSTFACE_INFERENCE_NICE: '10' }).inferenceNice).toBe(10);
    expect(() => engineSettings({ BOOSTFACE_INFERENCE_NICE: '20' })).toThrow(/BOOSTFACE_INFERENCE_NICE must be an integer between 0 and 19/);
  });

  it('refuses malformed values with the variable named', () => {
    expect(() => engineSettings({ BOOSTFACE_THREADS: 'two' })).toThrow(ConfigError);
    expect(() => engineSettings({ BOOSTFACE_WORKERS: '0' })).toThrow(/BOOSTFACE_WORKERS must be an integer between 1 and 64/);
    expect(() => engineSettings({ BOOSTFACE_PROVIDERS: 'cuda,metal' })).toThrow(/BOOSTFACE_PROVIDERS: unknown execution provider "metal"/);
  });

  it('runs one worker with WebGPU, whose sessions crash onnxruntime when several threads open them', () => {
    expect(engineSettings({ BOOSTFACE_PROVIDERS: 'webgpu,cpu' }).workers).toBe(1);
    expect(() => engineSettings({ BOOSTFACE_PROVIDERS: 'webgpu', BOOSTFACE_WORKERS: '2' })).toThrow(/must be 1 with the webgpu provider/);
    expect(engineSettings({ BOOSTFACE_PROVIDERS: 'cuda,cpu', BOOSTFACE_WORKERS: '2' }).workers).toBe(2);
  });
});

describe('liveSettings', () => {
  it('checks integers and fractions against the same range table', () => {
    expect(liveSettings({ BOOSTFACE_TRACK_IOU: '0.45', BOOSTFACE_UPDATE_MS: '0' })).toMatchObject({ trackIou: 0.45, updateIntervalMs: 0 });
    expect(() => liveSettings({ BOOSTFACE_TRACK_IOU: '1.2' })).toThrow('BOOSTFACE_TRACK_IOU must be a number between 0 and 1, got "1.2"');
    expect(() => liveSettings({ BOOSTFACE_TRACK_MIN_HITS: '2.5' })).toThrow('BOOSTFACE_TRACK_MIN_HITS must be an integer between 1 and 100, got "2.5"');
    expect(() => liveSettings({ BOOSTFACE_RETENTION_DAYS: ' ' })).toThrow(ConfigError);
  });
});

describe('logSettings', () => {
  it('defaults to JSON at info and refuses unknown levels and formats', () => {
    expect(logSettings({})).toEqual({ level: 'info', format: 'json' });
    expect(logSettings({ BOOSTFACE_LOG_LEVEL: 'debug', BOOSTFACE_LOG_FORMAT: 'pretty' })).toEqual({ level: 'debug', format: 'pretty' });
    expect(() => logSettings({ BOOSTFACE_LOG_LEVEL: 'INFO' })).toThrow('BOOSTFACE_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, got "INFO"');
    expect(() => logSettings({ BOOSTFACE_LOG_FORMAT: 'text' })).toThrow('BOOSTFACE_LOG_FORMAT must be one of json, pretty, got "text"');
  });
});

describe('apiSettings', () => {
  it('reads the listen address, alert rule and policy switches', () => {
    expect(apiSettings({})).toEqual({ port: 8080, host: '0.0.0.0', alertUnknownMs: 0, alertUnknownCameras: null, operatorsMayEnroll: false, viewersMaySearch: false });
    const s = apiSettings({
      BOOSTFACE_PORT: '0',
      BOOSTFACE_HOST: '::',
      BOOSTFACE_ALERT_UNKNOWN_SECONDS: '2.5',
      BOOSTFACE_ALERT_UNKNOWN_CAMERAS: 'door, gate,',
      BOOSTFACE_OPERATORS_MAY_ENROLL: '1',
      BOOSTFACE_VIEWERS_MAY_SEARCH: 'true',
    });
    expect(s).toEqual({ port: 0, host: '::', alertUnknownMs: 2500, alertUnknownCameras: ['door', 'gate'], operatorsMayEnroll: true, viewersMaySearch: true });
    expect(apiSettings({ BOOSTFACE_OPERATORS_MAY_ENROLL: '0' }).operatorsMayEnroll).toBe(false);
  });

  it('refuses values that were silently ignored before', () => {
    expect(() => apiSettings({ BOOSTFACE_PORT: '70000' })).toThrow('BOOSTFACE_PORT must be an integer between 0 and 65535, got "70000"');
    expect(() => apiSettings({ BOOSTFACE_ALERT_UNKNOWN_SECONDS: 'ten' })).toThrow(/BOOSTFACE_ALERT_UNKNOWN_SECONDS must be a number between 0 and 86400/);
    expect(() => apiSettings({ BOOSTFACE_VIEWERS_MAY_SEARCH: 'yes' })).toThrow('BOOSTFACE_VIEWERS_MAY_SEARCH must be 1 or 0 (true or false), got "yes"');
  });
});

describe('matchThresholdSetting', () => {
  it('is undefined when unset (the calibrated default applies) and checked when set', () => {
    expect(matchThresholdSetting({})).toBeUndefined();
    expect(matchThresholdSetting({ BOOSTFACE_MATCH_THRESHOLD: '0.5' })).toBe(0.5);
    expect(() => matchThresholdSetting({ BOOSTFACE_MATCH_THRESHOLD: '2' })).toThrow(/between -1 and 1/);
  });
});

describe('storeSettings', () => {
  it('keeps snapshots under the data directory and sightings in its store unless told otherwise', () => {
    expect(storeSettings({ BOOSTFACE_DATA_DIR: '/srv/bf' })).toEqual({ postgresUrl: undefined, snapshotDir: path.resolve('/srv/bf/snapshots') });
    expect(storeSettings({ BOOSTFACE_DATA_DIR: '/srv/bf', BOOSTFACE_SNAPSHOT_DIR: '/mnt/shared/snaps', BOOSTFACE_POSTGRES_URL: 'postgres://db/bf' })).toEqual({
      postgresUrl: 'postgres://db/bf',
      snapshotDir: path.resolve('/mnt/shared/snaps'),
    });
  });
});

describe('roleSettings', () => {
  const shared = { BOOSTFACE_REDIS_URL: 'redis://r:6379', BOOSTFACE_GALLERY: 'milvus', BOOSTFACE_MILVUS_ADDRESS: 'm:19530', BOOSTFACE_POSTGRES_URL: 'postgres://p/db' };
  const pgUrl = { BOOSTFACE_POSTGRES_URL: 'postgres://p/db' };

  it('defaults to all with a 10 s lease; the flag wins over BOOSTFACE_ROLE', () => {
    expect(roleSettings({})).toEqual({ role: 'all', leaseTtlMs: 10_000 });
    expect(roleSettings({ ...shared, BOOSTFACE_ROLE: 'worker', BOOSTFACE_LEASE_TTL_MS: '3000' })).toEqual({ role: 'worker', leaseTtlMs: 3000 });
    expect(roleSettings({ ...shared, BOOSTFACE_ROLE: 'worker' }, 'api').role).toBe('api');
  });

  it('refuses unknown roles and lease times out of range', () => {
    expect(() => roleSettings({ BOOSTFACE_ROLE: 'both' })).toThrow(/BOOSTFACE_ROLE must be one of all, api, worker, got "both"/);
    expect(() => roleSettings({}, 'both')).toThrow(/--role must be one of all, api, worker/);
    expect(() => roleSettings({ BOOSTFACE_LEASE_TTL_MS: '100' })).toThrow(/BOOSTFACE_LEASE_TTL_MS must be an integer between 500 and 600000/);
  });

  it('allows all on the embedded backends and refuses api and worker there, naming each missing backend and why', () => {
    expect(roleSettings({}, 'all').role).toBe('all');
    expect(() => roleSettings({ BOOSTFACE_GALLERY: 'milvus' }, 'api')).toThrow(ConfigError);
    const noRedis = () => roleSettings({ BOOSTFACE_GALLERY: 'milvus', ...pgUrl }, 'api');
    expect(noRedis).toThrow(/role api .*needs the Redis bus \(BOOSTFACE_REDIS_URL.*reach only this process/);
    expect(noRedis).not.toThrow(/Milvus|PostgreSQL/);
    const embedded = () => roleSettings({ BOOSTFACE_REDIS_URL: 'redis://r', ...pgUrl }, 'worker');
    expect(embedded).toThrow(/role worker .*needs the Milvus gallery \(BOOSTFACE_GALLERY=milvus.*file of one process/);
    expect(embedded).not.toThrow(/Redis bus/);
    const noPostgres = () => roleSettings({ ...shared, BOOSTFACE_POSTGRES_URL: '' }, 'api');
    expect(noPostgres).toThrow(/role api .*needs the PostgreSQL store \(BOOSTFACE_POSTGRES_URL, postgres\.url in the config file\): sightings and alerts in the data directory reach only this process/);
    expect(noPostgres).not.toThrow(/Redis bus|Milvus/);
    expect(() => roleSettings({}, 'worker')).toThrow(/Redis bus.*; and the Milvus gallery.*; and the PostgreSQL store/);
  });
});
