/**
 * `boostface doctor`, `backup` and `restore` as a user runs them (the built CLI), on the shared models and faces:
 * a healthy and a broken setup; a backup → restore round trip embedded → embedded, embedded → Milvus (milvus-lite)
 * and Milvus → embedded, compared through `identify`, `gallery list` and the store; a damaged archive.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CameraConfig } from '../src/cameras/camera-config.js';
import { EmbeddedGallery } from '../src/gallery/embedded-gallery.js';
import { loadManifest } from '../src/models/manifest.js';
import { sqliteSightingStore } from '../src/store/sighting-store.js';
import { SqliteCameraRepository } from '../src/store/sqlite-camera-repository.js';
import { openStoreDb } from '../src/store/store-db.js';
import { startMilvusServer, type MilvusTestServer } from './milvus-server.js';
import { REPO_ROOT, SHARED_MODELS, sharedAvailable, sharedData } from './shared-fixtures.js';

const BIN = path.join(REPO_ROOT, 'server/bin/boostface.js');
const EXAMPLES = sharedData('faces/face_recognition_examples');
const PROBES = ['_scenes/two_people.jpg', '_scenes/kit_with_rose.jpg', '_scenes/obama_and_biden.jpg', 'joe_biden/biden.jpg'].map((f) => path.join(EXAMPLES, f));
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-ops-cli-'));
const dir = (name: string) => path.join(root, name);

/** Settings that would leak in from the developer's shell and change what is checked. */
const CLEAN_ENV = Object.fromEntries(Object.keys(process.env).filter((k) => k.startsWith('BOOSTFACE_') && k !== 'BOOSTFACE_SHARED').map((k) => [k, undefined]));

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...CLEAN_ENV, BOOSTFACE_MODELS: SHARED_MODELS, BOOSTFACE_WORKERS: '1', ...env } as NodeJS.ProcessEnv,
    timeout: 120_000,
  });
  const json = () => r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json };
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function sightings(dataDir: string) {
  const db = openStoreDb(dataDir);
  try {
    return (await sqliteSightingStore(db).list({ first: 100 })).items;
  } finally {
    db.close();
  }
}

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe.skipIf(!sharedAvailable('ops CLI'))('boostface doctor', () => {
  it('passes on a healthy setup and lists the models with verified checksums', () => {
    fs.mkdirSync(dir('healthy'));
    const r = cli(['doctor', '--json', '--data-dir', dir('healthy')], { LD_PRELOAD: '' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = r.json()[0];
    expect(report.ok).toBe(true);
    const checks = Object.fromEntries(report.checks.map((c: { name: string }) => [c.name, c]));
    const manifest = loadManifest();
    for (const role of ['detector', 'recognizer']) {
      const c = checks[role];
      expect(c.status).toBe('ok');
      expect(c.data.verified).toBe(true);
      expect(c.data.sha256).toBe(manifest.models[c.data.id].sha256);
      expect(c.data.path.startsWith(SHARED_MODELS)).toBe(true);
    }
    expect(checks.engine).toMatchObject({ status: 'ok', data: { requested: ['cpu'], recognizer: { provider: 'cpu', dim: 512 } } });
    expect(checks.ffmpeg.detail).toMatch(/^ffmpeg version \d/);
    expect(checks.ffprobe.detail).toMatch(/^ffprobe version \d/);
    // glibc malloc is a warning (not a failure) that says how to preload jemalloc.
    expect(checks.allocator).toMatchObject({ status: 'warn', data: { allocator: 'default' } });
    expect(cli(['doctor', '--json', '--data-dir', dir('healthy')], { LD_PRELOAD: 'libjemalloc.so.2' }).json()[0].checks.find((c: { name: string }) => c.name === 'allocator')).toMatchObject({ status: 'ok', data: { allocator: 'jemalloc' } });
    expect(report.checks.map((c: { name: string }) => c.name)).toEqual(['node', 'allocator', 'config', 'data dir', 'detector', 'recognizer', 'engine', 'gallery', 'store', 'redis', 'ffmpeg', 'ffprobe']);
    // Nothing was written into the data directory.
    expect(fs.readdirSync(dir('healthy'))).toEqual([]);
  });

  it('fails on a broken setup, naming each problem: missing model file, unwritable data directory, unreachable Redis', async () => {
    fs.writeFileSync(dir('plain-file'), '');
    const port = await closedPort();
    const r = cli(['doctor', '--data-dir', path.join(dir('plain-file'), 'data')], { BOOSTFACE_RECOGNIZER: 'w600k_r50', BOOSTFACE_REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^FAIL {2}data dir +.*plain-file\/data does not exist and cannot be created/m);
    expect(r.stdout).toMatch(/^FAIL {2}models +recognizer model "w600k_r50" not found/m);
    expect(r.stdout).toMatch(new RegExp(`^FAIL {2}redis +redis://127\\.0\\.0\\.1:${port}.* unreachable: .*ECONNREFUSED`, 'm'));
    expect(r.stdout).toMatch(/^ok {4}ffmpeg /m);
    expect(r.stdout).toMatch(/^3 problem\(s\)/m);
    expect(cli(['doctor', '--gallery', 'sqlite']).code).toBe(2);
  });
});

describe.skipIf(!sharedAvailable('ops CLI'))('boostface backup and restore', () => {
  const source = dir('source');
  const archive = dir('backups/full.tar.gz');
  let baseline: { identify: unknown[]; list: unknown[] };
  const camera: CameraConfig = { id: 'door', name: 'Front door', url: '/videos/door.mp4', kind: 'file', loop: false, realtime: true, rtspTransport: 'tcp', enabled: true, stallTimeoutMs: 10_000 };
  const snapshot = 'door/2026-01-02/t7-face.jpg';

  beforeAll(async () => {
    const imported = cli(['import', EXAMPLES, '--data-dir', source]);
    expect(imported.code, imported.stderr).toBe(0);
    const db = openStoreDb(source);
    await new SqliteCameraRepository(db).put(camera);
    const embedding = new Float32Array(512).fill(1 / Math.sqrt(512));
    await sqliteSightingStore(db).put({
      id: 'sighting-1', cameraId: 'door', trackId: 't7', startedAt: 1_767_300_000_000, endedAt: 1_767_300_004_000, identityId: null, identityName: null,
      label: 'Stranger 1', score: 0.18, quality: 0.74, frames: 40, faceSnapshot: snapshot, contextSnapshot: null, embedding, ended: true,
    });
    db.close();
    fs.mkdirSync(path.dirname(path.join(source, 'snapshots', snapshot)), { recursive: true });
    fs.writeFileSync(path.join(source, 'snapshots', snapshot), fs.readFileSync(path.join(EXAMPLES, 'joe_biden/biden.jpg')));
    fs.mkdirSync(path.dirname(archive));
    baseline = { identify: cli(['identify', ...PROBES, '--data-dir', source]).json(), list: cli(['gallery', 'list', '--data-dir', source]).json() };
    expect(baseline.list.length).toBe(6);
  });

  it('doctor reports a gallery held by a running process as in use, without failing', async () => {
    const g = await EmbeddedGallery.open({ dataDir: source, space: { model: 'fr_feature_dynbatch', dim: 512 } });
    try {
      const r = cli(['doctor', '--json', '--data-dir', source]);
      expect(r.code).toBe(0);
      const gallery = r.json()[0].checks.find((c: { name: string }) => c.name === 'gallery');
      expect(gallery).toMatchObject({ status: 'warn', detail: expect.stringContaining(`in use by pid ${process.pid}`) });
    } finally {
      await g.close();
    }
  });

  it('round-trips embedded → embedded: same identities and scores, same gallery list, sightings, cameras and snapshots', async () => {
    const b = cli(['backup', '--out', archive, '--with-snapshots', '--data-dir', source]);
    expect(b.code, b.stderr).toBe(0);
    expect(b.json()[0].counts).toMatchObject({ identities: 6, snapshots: 1, store: { cameras: 1, sightings: 1 } });
    expect(b.stderr).toMatch(/backup: wrote .*full\.tar\.gz/);
    const target = dir('restored');
    const r = cli(['restore', archive, '--data-dir', target]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()[0].gallery).toMatchObject({ identities: 6, created: 6 });
    expect(cli(['identify', ...PROBES, '--data-dir', target]).json()).toEqual(baseline.identify);
    expect(cli(['gallery', 'list', '--data-dir', target]).json()).toEqual(baseline.list);
    expect(await sightings(target)).toEqual(await sightings(source));
    const db = openStoreDb(target);
    expect(await new SqliteCameraRepository(db).get('door')).toEqual(camera);
    db.close();
    expect(fs.readFileSync(path.join(target, 'snapshots', snapshot))).toEqual(fs.readFileSync(path.join(source, 'snapshots', snapshot)));
    // A second restore into it is refused.
    const again = cli(['restore', archive, '--data-dir', target]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/NOT_EMPTY: .*already holds a gallery/);
  });

  it('refuses a damaged archive (one flipped byte) with a checksum error and writes nothing', () => {
    const bytes = fs.readFileSync(archive);
    bytes[Math.floor(bytes.byteLength / 2)] ^= 0x01;
    const damaged = dir('backups/damaged.tar.gz');
    fs.writeFileSync(damaged, bytes);
    const target = dir('never-written');
    const r = cli(['restore', damaged, '--data-dir', target]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/restore: CHECKSUM: .*damaged.*nothing was restored/);
    expect(fs.existsSync(target)).toBe(false);
  });

  describe('with Milvus (milvus-lite)', () => {
    let server: MilvusTestServer | undefined;
    let skipReason: string | undefined;
    beforeAll(async () => {
      const started = await startMilvusServer();
      server = started.server;
      skipReason = started.skipReason;
    });
    afterAll(async () => {
      await server?.stop();
    });
    const milvusEnv = (prefix: string) => ({ BOOSTFACE_MILVUS_ADDRESS: server!.address, BOOSTFACE_MILVUS_PREFIX: prefix });

    it('round-trips embedded → Milvus → embedded', async (ctx) => {
      if (!server) return ctx.skip(skipReason);
      const env = milvusEnv('ops_a_');
      const target = dir('milvus-store');
      const r = cli(['restore', archive, '--gallery', 'milvus', '--data-dir', target], env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.json()[0]).toMatchObject({ backend: 'milvus', gallery: { identities: 6, created: 6 } });
      const identified = cli(['identify', ...PROBES, '--gallery', 'milvus', '--data-dir', target], env).json();
      type Line = { path: string; faces: { identity: unknown; score: number }[] };
      const expected = baseline.identify as Line[];
      expect(identified.map((l: Line) => l.faces.map((f) => f.identity))).toEqual(expected.map((l) => l.faces.map((f) => f.identity)));
      identified.forEach((l: Line, i: number) => l.faces.forEach((f, j) => expect(f.score).toBeCloseTo(expected[i].faces[j].score, 3)));
      expect(await sightings(target)).toEqual(await sightings(source));

      // Not empty any more: refused, then upserted with --force.
      const again = cli(['restore', archive, '--gallery', 'milvus', '--data-dir', dir('milvus-store-2')], env);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/NOT_EMPTY: the Milvus gallery .* already holds 6 identities/);
      const forced = cli(['restore', archive, '--force', '--gallery', 'milvus', '--data-dir', dir('milvus-store-2')], env);
      expect(forced.code, forced.stderr).toBe(0);
      expect(forced.json()[0].gallery).toMatchObject({ identities: 6, created: 0, updated: 6 });

      // And back out of Milvus into an embedded gallery: the same `gallery list` (so Milvus held exactly the backup).
      const fromMilvus = dir('backups/from-milvus.tar.gz');
      expect(cli(['backup', '--out', fromMilvus, '--gallery', 'milvus', '--data-dir', target], env).code).toBe(0);
      const back = dir('back-from-milvus');
      expect(cli(['restore', fromMilvus, '--data-dir', back]).code).toBe(0);
      expect(cli(['gallery', 'list', '--data-dir', back]).json()).toEqual(baseline.list);
    });
  });
});
