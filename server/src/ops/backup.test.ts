import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CameraConfig } from '../cameras/camera-config.js';
import { EmbeddedGallery } from '../gallery/embedded-gallery.js';
import type { Gallery, Template } from '../gallery/gallery.js';
import { sqliteAlertStore } from '../store/alert-store.js';
import { SqliteAuditLog } from '../store/audit-log.js';
import { sqliteSightingStore } from '../store/sighting-store.js';
import { SqliteCameraRepository } from '../store/sqlite-camera-repository.js';
import { openStoreDb } from '../store/store-db.js';
import { SqliteTokenStore } from '../store/token-store.js';
import { SqliteWallStore } from '../store/wall-store.js';
import { createBackup } from './backup.js';
import { BACKUP_FORMAT, BackupError, HEADER_ENTRY, MANIFEST_ENTRY, STORE_ENTRY } from './backup-format.js';
import { copySqlite } from './sqlite-copy.js';
import { readTar, TarWriter } from './tar.js';
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

/** Every row of the store; a camera's creation and update times are no part of its configuration (not backed up). */
function storeRows(dataDir: string) {
  const db = new Database(path.join(dataDir, 'store.sqlite'), { readonly: true });
  try {
    return {
      ...Object.fromEntries(['sightings', 'api_tokens', 'audit_log', 'alerts', 'wall_state'].map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY 1`).all()])),
      cameras: db.prepare('SELECT id, config FROM cameras ORDER BY 1').all(),
    };
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
    await new SqliteWallStore(db).apply({ op: 'assign', tile: 1, cameraId: 'cam-1' }, 'alice');
    await sqliteAlertStore(db).put({ id: 'a1', at: 1500, kind: 'unknown', cameraId: 'cam-1', trackId: 't1', identityId: null, payload: { label: 'Stranger 1', score: null }, acknowledgedAt: null, acknowledgedBy: null });
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
    expect(r.counts.store).toEqual({ tokens: 1, audit: 1, wall: 1, cameras: 1, sightings: 1, alerts: 1 });
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

  it('restores a version-1 archive (the store as a SQLite file) through the store ports', async () => {
    const v1 = dir('out/v1.tar.gz');
    await writeV1Archive(v1, path.join(source, 'store.sqlite'));
    const target = dir('restored-v1');
    const r = await restoreBackup({ env: env(target), file: v1 });
    expect(r.store).toEqual({ tokens: 1, audit: 1, wall: 1, cameras: 1, sightings: 1, alerts: 1 });
    expect(storeRows(target)).toEqual(storeRows(source));
  });

  it('refuses store parts that do not hold valid records, before writing anything', async () => {
    const tar = zlib.gunzipSync(fs.readFileSync(archive)).toString('latin1');
    // Same length, so that only the record is wrong: a token whose role no longer parses, with a matching manifest.
    const bad = dir('out/bad-record.tar.gz');
    await rewriteArchive(archive, bad, (name, data) => (name.startsWith('stores/tokens-') ? Buffer.from(data.toString('utf8').replace('"role":"admin"', '"role":"root!"')) : data));
    expect(tar).toContain('"role":"admin"');
    const target = dir('bad-record');
    const e = await restoreBackup({ env: env(target), file: bad }).catch((err) => err);
    expect(e).toMatchObject({ code: 'BAD_ARCHIVE', message: expect.stringMatching(/stores\/tokens-00000\.jsonl line 1: bad or missing "role"/) });
    expect(fs.existsSync(target)).toBe(false);
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
    // A flipped bit anywhere in the compressed stream past gzip's header, whether it garbles an entry's bytes, the tar
    // structure or the header's JSON first; a cut-off file.
    const gz = fs.readFileSync(archive);
    for (let k = 0; k < 16; k++) {
      const flipped = Buffer.from(gz);
      flipped[10 + Math.floor(((gz.byteLength - 11) * k) / 15)] ^= 0x04;
      cases.push([`flipped-${k}`, flipped, 'CHECKSUM']);
    }
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

/** A version-1 archive as BoostFace 0.x wrote it: no gallery identities here, the store as one SQLite file. */
async function writeV1Archive(file: string, store: string): Promise<void> {
  const copy = dir('v1-store.sqlite');
  await copySqlite(store, copy);
  const gzip = zlib.createGzip();
  const done = pipeline(gzip, fs.createWriteStream(file));
  const tar = new TarWriter(gzip);
  const header = { format: BACKUP_FORMAT, formatVersion: 1, createdAt: new Date().toISOString(), boostface: '0.1.0', gallery: { backend: 'embedded', space }, storeSchemaVersion: 2, withSnapshots: false };
  const entries = [await tar.add(HEADER_ENTRY, Buffer.from(JSON.stringify(header))), await tar.addFile(STORE_ENTRY, copy)];
  await tar.add(MANIFEST_ENTRY, Buffer.from(JSON.stringify({ format: BACKUP_FORMAT, formatVersion: 1, entries, counts: { identities: 0, templates: 0, store: {}, snapshots: 0 } })));
  await tar.finish();
  gzip.end();
  await done;
}

/** A copy of an archive with some entries' data changed, and a manifest that matches (only the record check can tell). */
async function rewriteArchive(from: string, to: string, change: (name: string, data: Buffer) => Buffer): Promise<void> {
  const gzip = zlib.createGzip();
  const done = pipeline(gzip, fs.createWriteStream(to));
  const tar = new TarWriter(gzip);
  const entries = [];
  let manifest: { entries: unknown[] } | undefined;
  for await (const e of readTar((async function* () {
    yield zlib.gunzipSync(fs.readFileSync(from));
  })())) {
    const chunks: Buffer[] = [];
    for await (const c of e.body) chunks.push(c);
    const data = Buffer.concat(chunks);
    if (e.path === MANIFEST_ENTRY) manifest = JSON.parse(data.toString('utf8'));
    else entries.push(await tar.add(e.path, change(e.path, data)));
  }
  await tar.add(MANIFEST_ENTRY, Buffer.from(JSON.stringify({ ...manifest, entries })));
  await tar.finish();
  gzip.end();
  await done;
}
