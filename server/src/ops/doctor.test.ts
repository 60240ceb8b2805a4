import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { formatDoctorTable, runDoctor, type DoctorReport } from './doctor.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-doctor-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const byName = (r: DoctorReport) => Object.fromEntries(r.checks.map((c) => [c.name, c]));

describe('doctor', () => {
  it('names each problem: damaged model files, an uncreatable data directory, Redis, PostgreSQL and Milvus unreachable', async () => {
    const models = path.join(root, 'models');
    fs.mkdirSync(models);
    // Files with the manifest's names but not its bytes.
    for (const f of ['scrfd_2.5g_bnkps.onnx', 'fr_feature_dynbatch.onnx']) fs.writeFileSync(path.join(models, f), 'not a model');
    fs.writeFileSync(path.join(root, 'a-file'), '');
    const report = await runDoctor({
      env: {
        BOOSTFACE_MODELS: models,
        BOOSTFACE_DATA_DIR: path.join(root, 'a-file', 'data'),
        BOOSTFACE_REDIS_URL: 'redis://:secret@127.0.0.1:1',
        BOOSTFACE_POSTGRES_URL: 'postgres://boostface:pgsecret@127.0.0.1:1/boostface',
        BOOSTFACE_GALLERY: 'milvus',
        BOOSTFACE_MILVUS_ADDRESS: '127.0.0.1:1',
      },
      timeoutMs: 1500,
    });
    const c = byName(report);
    expect(report.ok).toBe(false);
    expect(c.node.status).toBe('ok');
    expect(c.config.status).toBe('ok');
    expect(c['data dir']).toMatchObject({ status: 'fail', detail: expect.stringMatching(/cannot be created \(ENOTDIR/) });
    expect(c.detector).toMatchObject({ status: 'fail', detail: expect.stringMatching(/scrfd_2\.5g_bnkps\.onnx is damaged .*11 bytes, expected 3290207/) });
    expect(c.detector.data).toMatchObject({ verified: false });
    expect(c.recognizer.status).toBe('fail');
    expect(c.engine.status).toBe('fail');
    expect(c.gallery).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^milvus at 127\.0\.0\.1:1: /) });
    expect(c.redis).toMatchObject({ status: 'fail', detail: expect.stringMatching(/redis:\/\/:\*\*\*@127\.0\.0\.1:1 unreachable: .*ECONNREFUSED/) });
    expect(c.postgres).toMatchObject({ status: 'fail', detail: expect.stringMatching(/postgres:\/\/boostface:\*\*\*@127\.0\.0\.1:1\/boostface unreachable: .*ECONNREFUSED/) });
    expect(JSON.stringify(report)).not.toContain('secret');
    const table = formatDoctorTable(report);
    expect(table).toMatch(/^FAIL {2}redis +redis:/m);
    expect(table).toMatch(/\d problem\(s\)/);
  });

  it('reports a configuration error and a missing models directory, and a store from a newer BoostFace', async () => {
    const bad = await runDoctor({ env: { BOOSTFACE_WORKERS: 'many' } });
    expect(byName(bad).config).toMatchObject({ status: 'fail', detail: expect.stringMatching(/BOOSTFACE_WORKERS must be an integer/) });
    expect(byName(bad)['data dir']).toBeUndefined();

    const dataDir = path.join(root, 'data');
    fs.mkdirSync(dataDir);
    const db = new Database(path.join(dataDir, 'store.sqlite'));
    db.pragma('user_version = 999');
    db.close();
    const r = await runDoctor({ env: { BOOSTFACE_DATA_DIR: dataDir, BOOSTFACE_MODELS: path.join(root, 'no-models') } });
    const c = byName(r);
    expect(c['data dir']).toMatchObject({ status: 'ok', detail: expect.stringMatching(/writable, [\d.]+ GiB free/) });
    expect(c.models).toMatchObject({ status: 'fail', detail: expect.stringMatching(/no detector model in .*no-models/) });
    expect(c.store).toMatchObject({ status: 'fail', detail: expect.stringMatching(/schema v999, newer than this BoostFace/) });
    expect(c.gallery).toMatchObject({ status: 'ok', detail: expect.stringMatching(/does not exist yet/) });
    expect(c.redis.status).toBe('ok');
    expect(c.postgres).toBeUndefined(); // sightings and alerts in the data directory: nothing to reach
    // Nothing was created in the data directory.
    expect(fs.readdirSync(dataDir)).toEqual(['store.sqlite']);
  });

  it('reads a config file like serve does: it fills what the environment leaves unset, and its errors name it', async () => {
    const file = path.join(root, 'boostface.json');
    fs.writeFileSync(file, JSON.stringify({ dataDir: path.join(root, 'from-file'), models: { dir: path.join(root, 'models-from-file') } }));
    const r = byName(await runDoctor({ env: { BOOSTFACE_DATA_DIR: path.join(root, 'from-env') }, configFile: file }));
    expect(r.config).toMatchObject({ status: 'ok', detail: expect.stringContaining(`${file} (1 setting(s) taken from it)`) });
    expect(r['data dir'].detail).toContain('from-env');
    expect(r.models.detail).toContain('models-from-file');
    fs.writeFileSync(file, JSON.stringify({ engine: { workers: 0 } }));
    const bad = byName(await runDoctor({ env: {}, configFile: file }));
    expect(bad.config).toMatchObject({ status: 'fail', detail: expect.stringContaining(`config file ${file} is invalid`) });
  });
});
