import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, SHARED_MODELS, sharedAvailable, sharedData } from './shared-fixtures.js';

const BIN = path.join(REPO_ROOT, 'server/bin/boostface.js');

function boostface(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, BOOSTFACE_MODELS: SHARED_MODELS, BOOSTFACE_THREADS: '2', ...env },
    timeout: 120_000,
  });
  const lines = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return { code: r.status, lines, stderr: r.stderr };
}

describe('boostface CLI usage', () => {
  it('exits 2 on usage errors with a message', () => {
    expect(boostface([]).code).toBe(2);
    expect(boostface(['frobnicate']).code).toBe(2);
    const r = boostface(['analyze', '--det-size', '33', 'x.jpg']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--det-size must be a positive multiple of 32/);
    expect(boostface(['analyze', '--bogus', 'x.jpg']).code).toBe(2);
    expect(boostface(['verify', 'only-one.jpg']).code).toBe(2);
  });

  it('documents the configuration variables in --help', () => {
    const r = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    for (const v of ['BOOSTFACE_MODELS', 'BOOSTFACE_DETECTOR', 'BOOSTFACE_RECOGNIZER', 'BOOSTFACE_PROVIDERS']) expect(r.stdout).toContain(v);
  });

  it('refuses a bad config file before the engine starts: exit 2, every problem named by its key path', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bf-cli-config-'));
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ engine: { workers: 'x' }, api: { prot: 8080 } }));
    const started = Date.now();
    const r = boostface(['serve', '--config', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`boostface serve: config file ${bad} is invalid:`);
    expect(r.stderr).toContain('config engine.workers: expected an integer between 1 and 64, got "x"');
    expect(r.stderr).toMatch(/config api\.prot: unknown key \(expected one of: port, host, /);
    expect(Date.now() - started).toBeLessThan(10_000);
    // BOOSTFACE_CONFIG names the file too; a missing one is said to be missing.
    const missing = boostface(['serve'], { BOOSTFACE_CONFIG: path.join(dir, 'none.json') });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`config file ${path.join(dir, 'none.json')} does not exist`);
    // The environment wins over the file, and is checked with its variable named.
    const good = path.join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ engine: { workers: 2 } }));
    const env = boostface(['serve', '--config', good], { BOOSTFACE_WORKERS: '0' });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/BOOSTFACE_WORKERS must be an integer between 1 and 64, got "0"/);
  });

  it('exits 2 with a clear message when no models are configured', () => {
    const r = boostface(['analyze', path.join(os.tmpdir(), 'any.jpg')], { BOOSTFACE_MODELS: path.join(os.tmpdir(), 'no-models-here') });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no detector model in .*no-models-here.*models fetch/);
  });
});

describe.skipIf(!sharedAvailable('boostface analyze/verify'))('boostface analyze and verify', () => {
  let dir: string;
  beforeAll(() => {
    // A tree with nested folders, a non-image file (ignored inside directories), a corrupt and an empty image.
    dir = mkdtempSync(path.join(os.tmpdir(), 'bf-cli-'));
    mkdirSync(path.join(dir, 'b/nested'), { recursive: true });
    copyFileSync(sharedData('faces/face_recognition_examples/_scenes/two_people.jpg'), path.join(dir, 'a-two.jpg'));
    copyFileSync(sharedData('faces/face_recognition_examples/joe_biden/biden.jpg'), path.join(dir, 'b/nested/biden.jpg'));
    writeFileSync(path.join(dir, 'b/corrupt.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 1, 2, 3]));
    writeFileSync(path.join(dir, 'b/empty.png'), '');
    writeFileSync(path.join(dir, 'notes.txt'), 'not an image');
  });

  it('writes one JSON line per image in sorted order, errors per file, exit 1 when some failed', () => {
    const r = boostface(['analyze', '--embed', dir]);
    expect(r.code).toBe(1);
    expect(r.lines.map((l) => path.relative(dir, l.path))).toEqual(['a-two.jpg', 'b/corrupt.jpg', 'b/empty.png', 'b/nested/biden.jpg']);
    const [two, corrupt, empty, biden] = r.lines;
    expect([two.width, two.height]).toEqual([1126, 661]);
    expect(two.faces).toHaveLength(2);
    const face = two.faces[0];
    expect(face.box).toHaveLength(4);
    expect(face.landmarks).toHaveLength(5);
    expect(face.embedding).toHaveLength(512);
    expect(Object.keys(face.quality).sort()).toEqual(['blur', 'detScore', 'faceWidth', 'interOcular', 'pitch', 'roll', 'yaw']);
    expect(corrupt.error.code).toBe('CORRUPT_IMAGE');
    expect(empty.error.code).toBe('EMPTY_FILE');
    expect(biden.faces.length).toBeGreaterThanOrEqual(1);
    expect(r.stderr).toMatch(/analyze: 4\/4/);
  });

  it('exits 0 when every file was analyzed; no embedding without --embed; honours --max-faces', () => {
    const r = boostface(['analyze', '--max-faces', '1', '--det-size', '320', path.join(dir, 'a-two.jpg'), path.join(dir, 'b/nested/biden.jpg')]);
    expect(r.code).toBe(0);
    expect(r.lines).toHaveLength(2);
    expect(r.lines[0].faces).toHaveLength(1);
    expect(r.lines[0].faces[0].embedding).toBeUndefined();
  });

  it('verify prints the similarity and a decision', () => {
    const f = (p: string) => sharedData('faces/face_recognition_examples', p);
    const same = boostface(['verify', f('barack_obama/obama.jpg'), f('barack_obama/obama2.jpg')]);
    expect(same.code).toBe(0);
    expect(same.lines[0].same).toBe(true);
    const diff = boostface(['verify', f('barack_obama/obama.jpg'), f('joe_biden/biden.jpg')]);
    expect(diff.lines[0].same).toBe(false);
    expect(diff.lines[0].similarity).toBeLessThan(diff.lines[0].threshold);
    const bad = boostface(['verify', f('barack_obama/obama.jpg'), path.join(dir, 'b/corrupt.jpg')]);
    expect(bad.code).toBe(1);
  });
});

describe.skipIf(!sharedAvailable('boostface serve'))('boostface serve', () => {
  it('becomes ready with the engine loaded, logs JSON records, and exits 0 on SIGTERM', async () => {
    const { spawn } = await import('node:child_process');
    const port = 20000 + Math.floor(Math.random() * 20000);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bf-cli-serve-'));
    const config = path.join(dir, 'boostface.json');
    writeFileSync(config, JSON.stringify({ dataDir: 'data', models: { dir: SHARED_MODELS }, engine: { workers: 1 }, api: { host: '127.0.0.1', port } }));
    // NODE_ENV=production: a library that handles signals only outside tests (Apollo) must not cut the shutdown short.
    const child = spawn(process.execPath, [BIN, 'serve', '--config', config], {
      env: { ...process.env, NODE_ENV: 'production', BOOSTFACE_ADMIN_TOKEN: 'cli-test-admin-secret-0123' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    let body: { status?: string; engine?: { detector: { provider: string } } } = {};
    for (let i = 0; i < 100 && body.status !== 'ready'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      body = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.json() as Promise<typeof body>, () => ({}));
    }
    expect(body.status).toBe('ready');
    expect(body.engine?.detector.provider).toBe('cpu');
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const records = stderr.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const find = (component: string, msg: RegExp) => records.find((r) => r.component === component && msg.test(String(r.msg)));
    expect(find('serve', /^starting$/)).toMatchObject({ level: 'info', config, dataDir: path.join(dir, 'data'), gallery: 'embedded', bus: 'in-process' });
    expect(find('engine', /^detector /)).toMatchObject({ level: 'info', providers: ['cpu'], detector: { provider: 'cpu' }, workers: 1, fallbacks: [] });
    expect(find('store', /^data in /)).toMatchObject({ dataDir: path.join(dir, 'data'), gallery: { backend: 'embedded', identities: 0, templates: 0 } });
    expect(find('serve', /^listening on /)).toMatchObject({ url: `http://127.0.0.1:${port}`, cameras: 0 });
    expect(find('serve', /^SIGTERM, shutting down$/)).toMatchObject({ signal: 'SIGTERM' });
    expect(records.at(-1)).toMatchObject({ component: 'serve', msg: 'stopped' });
    expect(stderr).not.toContain('cli-test-admin-secret-0123');
  });
});
