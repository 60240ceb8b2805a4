import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CameraConfig } from '../cameras/camera-config.js';
import { EmbeddedGallery } from '../gallery/embedded-gallery.js';
import type { Gallery, Template } from '../gallery/gallery.js';
import { SqliteAuditLog } from '../store/audit-log.js';
import { sqliteSightingStore } from '../store/sighting-store.js';
import { SqliteCameraRepository } from '../store/sqlite-camera-repository.js';
import { openStoreDb } from '../store/store-db.js';
import { SqliteTokenStore } from '../store/token-store.js';
import { createBackup } from './backup.js';
import { BackupError } from './backup-format.js';
import { restoreBackup } from './restore.js';

// No inference here: the recognizer's embedding space comes from the manifest, so empty model files will do.
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-backup-'));
const models = path.join(root, 'models');
const space = { model: 'fr_feature_dynbatch', dim: 512 };
const env = (dataDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ BOOSTFACE_DATA_DIR: dataDir, BOOSTFACE_MODELS: models, ...extra });
const dir = (name: string) => path.join(root, name);

function unitVector(seed: number): Float32Array {
  const v = new Float32Array(space.dim);
  let s = seed;
  for (let i = 0; i < v.length; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    v[i] = s / 2 ** 31 - 0.5;
  }
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

async function galleryContent(g: Gallery) {
  const out = [];
  for (const i of (await g.listIdentities({ first: 100 })).items) {
    const { createdAt: _c, updatedAt: _u, ...identity } = i;
    const templates = (await g.listTemplates(i.id)).map((t) => ({ ...t, embedding: Buffer.from(t.embedding.buffer).toString('base64') }));
    out.push({ identity, templates });
  }
  return out;
}

async function contentOf(dataDir: string) {
  const g = await EmbeddedGallery.open({ dataDir, space });
  try {
    return await galleryContent(g);
  } finally {
    await g.close();
  }
}

function storeRows(dataDir: string) {
  const db = new Database(path.join(dataDir, 'store.sqlite'), { readonly: true });
  try {
    return Object.fromEntries(['cameras', 'sightings', 'api_tokens', 'audit_log'].map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY 1`).all()]));
  } finally {
    db.close();
  }
}

const codeOf = async (p: Promise<unknown>) => p.then(() => 'resolved', (err) => (err instanceof BackupError ? err.code : String(err)));

describe('backup and restore of an embedded data directory', () => {
  const source = dir('source');
  const archive = dir('out/backup.tar.gz');
  let live: EmbeddedGallery;

  beforeAll(async () => {
    fs.mkdirSync(models);
    for (const f of ['scrfd_2.5g_bnkps.onnx', 'fr_feature_dynbatch.onnx', 'fr_feature.onnx']) fs.writeFileSync(path.join(models, f), '');
    fs.mkdirSync(path.dirname(archive));
    // The gallery stays open during the backup, as under a running server (which holds the data directory's lock).
    live = await EmbeddedGallery.open({ dataDir: source, space });
    const people = [
      { name: 'Ada', tags: ['staff'], notes: 'front desk' },
      { name: 'Grace', tags: [], notes: '' },
      { name: 'Zoë 🙂', tags: ['vip', 'x'], notes: 'multi\nline' },
    ];
    let seed = 1;
    for (const p of people) {
      const identity = await live.createIdentity(p);
      const templates: Template[] = [0, 1, 2].map((k) => ({
        id: `${identity.id}-t${k}`,
        identityId: identity.id,
        embedding: unitVector(seed++),
        kind: k === 2 ? 'negative' : 'positive',
        quality: 0.1 + k / 7,
        source: `img${k}.jpg`,
        createdAt: 1_700_000_000_000 + seed,
      }));
      await live.upsertTemplates(templates);
    }
    const db = openStoreDb(source);
    const camera: CameraConfig = { id: 'cam-1', name: 'Door', url: '/videos/door.mp4', kind: 'file', loop: false, realtime: true, rtspTransport: 'tcp', enabled: true, stallTimeoutMs: 10_000 };
    await new SqliteCameraRepository(db).put(camera);
    await sqliteSightingStore(db).put({
      id: 's1', cameraId: 'cam-1', trackId: 't1', startedAt: 1000, endedAt: 2000, identityId: null, identityName: null, label: 'Stranger 1',
      score: 0.12, quality: 0.8, frames: 12, faceSnapshot: 'cam-1/2026-01-01/t1-face.jpg', contextSnapshot: null, embedding: unitVector(99), ended: true,
    });
    await new SqliteTokenStore(db).create({ name: 'ops', role: 'admin' });
    await new SqliteAuditLog(db).append({ actor: null, action: 'test.seed', outcome: 'ok' });
    db.close();
    fs.mkdirSync(path.join(source, 'snapshots/cam-1/2026-01-01'), { recursive: true });
    fs.writeFileSync(path.join(source, 'snapshots/cam-1/2026-01-01/t1-face.jpg'), Buffer.from([0xff, 0xd8, 1, 2, 3]));
    fs.writeFileSync(path.join(source, 'snapshots/cam-1/2026-01-01/t2-face.jpg.123.tmp'), 'half written');
  });

  afterAll(async () => {
    await live?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('backs up while the gallery is open, into one file that appears only when complete', async () => {
    const stages = new Set<string>();
    const r = await createBackup({ env: env(source), out: archive, withSnapshots: true, onProgress: (p) => stages.add(p.stage) });
    expect(r.counts).toMatchObject({ identities: 3, templates: 9, snapshots: 1 });
    expect(r.counts.store).toMatchObject({ cameras: 1, sightings: 1, api_tokens: 1, audit_log: 1 });
    expect(r.space).toEqual(space);
    expect([...stages].sort()).toEqual(['gallery', 'snapshots', 'store']);
    expect(fs.readdirSync(path.dirname(archive))).toEqual(['backup.tar.gz']);
    expect(await codeOf(createBackup({ env: env(source), out: archive }))).toBe('EXISTS');
    expect(fs.readdirSync(path.dirname(archive))).toEqual(['backup.tar.gz']);
  });

  it('restores everything into an empty data directory: gallery, store rows, snapshots', async () => {
    const target = dir('restored');
    const r = await restoreBackup({ env: env(target), file: archive });
    expect(r.gallery).toEqual({ identities: 3, templates: 9, created: 3, updated: 0 });
    expect(r.snapshots).toBe(1);
    expect(await contentOf(target)).toEqual(await galleryContent(live));
    expect(fs.readdirSync(target).sort()).toEqual(['gallery.sqlite', 'snapshots', 'store.sqlite']);
    expect(storeRows(target)).toEqual(storeRows(source));
    expect(fs.readFileSync(path.join(target, 'snapshots/cam-1/2026-01-01/t1-face.jpg'))).toEqual(Buffer.from([0xff, 0xd8, 1, 2, 3]));
  });

  it('refuses a data directory that is not empty, and replaces it with --force', async () => {
    const target = dir('occupied');
    const g = await EmbeddedGallery.open({ dataDir: target, space });
    await g.createIdentity({ name: 'Someone else' });
    await g.close();
    expect(await codeOf(restoreBackup({ env: env(target), file: archive }))).toBe('NOT_EMPTY');
    expect((await contentOf(target)).map((x) => x.identity.name)).toEqual(['Someone else']);
    await restoreBackup({ env: env(target), file: archive, force: true });
    expect((await contentOf(target)).map((x) => x.identity.name)).toEqual(['Ada', 'Grace', 'Zoë 🙂']);
  });

  it('refuses a data directory whose gallery is open in another process (or this one)', async () => {
    const target = dir('busy');
    const g = await EmbeddedGallery.open({ dataDir: target, space });
    try {
      expect(await codeOf(restoreBackup({ env: env(target), file: archive, force: true }))).toBe('IN_USE');
      expect(await g.count()).toEqual({ identities: 0, templates: 0 });
    } finally {
      await g.close();
    }
  });

  it('refuses a backup of another embedding space before writing anything', async () => {
    const target = dir('other-model');
    const e = await restoreBackup({ env: env(target, { BOOSTFACE_RECOGNIZER: 'fr_feature' }), file: archive }).catch((err) => err);
    expect(e).toBeInstanceOf(BackupError);
    expect(e.code).toBe('MODEL_MISMATCH');
    expect(e.message).toMatch(/"fr_feature_dynbatch".*"fr_feature".*re-embed/);
    expect(fs.existsSync(target)).toBe(false);
  });

  it('refuses damaged archives with a checksum error and writes nothing', async () => {
    const tar = zlib.gunzipSync(fs.readFileSync(archive));
    const at = tar.indexOf('"name":"Grace"');
    expect(at).toBeGreaterThan(0);
    const cases: [string, Buffer, string][] = [];
    // A changed byte inside an entry's data, in a valid gzip stream: only the manifest's sha256 can tell.
    const edited = Buffer.from(tar);
    edited[at + 9] = 'K'.charCodeAt(0);
    cases.push(['edited', zlib.gzipSync(edited), 'CHECKSUM']);
    // A flipped bit in the compressed stream; a cut-off file.
    const gz = fs.readFileSync(archive);
    const flipped = Buffer.from(gz);
    flipped[Math.floor(gz.byteLength / 2)] ^= 0x04;
    cases.push(['flipped', flipped, 'CHECKSUM']);
    cases.push(['truncated', gz.subarray(0, gz.byteLength - 100), 'CHECKSUM']);
    cases.push(['not gzip', Buffer.from('hello, not a backup'), 'BAD_ARCHIVE']);
    for (const [name, bytes, code] of cases) {
      const file = dir(`${name}.tar.gz`);
      fs.writeFileSync(file, bytes);
      const target = dir(`target-${name}`);
      expect([name, await codeOf(restoreBackup({ env: env(target), file }))]).toEqual([name, code]);
      expect(fs.existsSync(target)).toBe(false);
    }
    // Into an existing (empty) directory: still nothing left behind (no lock file, no staging directory).
    const existing = dir('existing-empty');
    fs.mkdirSync(existing);
    expect(await codeOf(restoreBackup({ env: env(existing), file: dir('edited.tar.gz') }))).toBe('CHECKSUM');
    expect(fs.readdirSync(existing)).toEqual([]);
  });
});
