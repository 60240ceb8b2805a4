/**
 * Backup and restore across store placements, on a real redis-server, a real PostgreSQL and milvus-lite: a single
 * box's backup (embedded gallery, every store in the data directory's SQLite file, snapshots) restored into a
 * scale-out configuration (role api: Milvus, tokens / audit / wall / cameras in Redis, sightings and alerts in
 * PostgreSQL, snapshots in their own directory), and that deployment's backup restored into an empty data directory
 * again. Every store is compared record for record, tokens still authenticate with their secrets, sightings are
 * found by face; a target that is not empty is refused with nothing written, and --force upserts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storePlacement } from '../src/config.js';
import { l2normalize } from '../src/engine/vector.js';
import { EmbeddedGallery } from '../src/gallery/embedded-gallery.js';
import { MilvusGallery } from '../src/gallery/milvus-gallery.js';
import { createBackup } from '../src/ops/backup.js';
import { BackupError } from '../src/ops/backup-format.js';
import { restoreBackup } from '../src/ops/restore.js';
import type { Stores } from '../src/ops/store-records.js';
import { openStores } from '../src/ops/store-set.js';
import { milvusOptions } from '../src/ops/backends.js';
import { freshPrefix, startRedisServer } from './redis-server.js';
import { startPostgresServer } from './postgres-server.js';
import { startMilvusServer } from './milvus-server.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-backup-stores-'));
const dir = (name: string) => path.join(root, name);
const models = dir('models');
// No inference: the recognizer's embedding space comes from the manifest, so empty model files will do.
const space = { model: 'fr_feature_dynbatch', dim: 512 };

const [redis, postgres, milvus] = await Promise.all([startRedisServer(), startPostgresServer(), startMilvusServer()]);
const skipReason = redis.skipReason ?? postgres.skipReason ?? milvus.skipReason;
if (skipReason) console.warn(`backup across stores skipped: ${skipReason}`);

afterAll(async () => {
  await Promise.all([redis.server?.stop(), postgres.server?.stop(), milvus.server?.stop()]);
  fs.rmSync(root, { recursive: true, force: true });
});

/** A unit vector of the recognizer's size, different for every seed. */
const unitVector = (seed: number) => l2normalize(Float32Array.from({ length: space.dim }, (_, i) => Math.sin(seed * 7919 + i * 0.37)));

const singleBox = (dataDir: string): NodeJS.ProcessEnv => ({ BOOSTFACE_DATA_DIR: dataDir, BOOSTFACE_MODELS: models });

/** Every record of every store, as the ports give them (oldest first where there is an order). */
async function contents(env: NodeJS.ProcessEnv) {
  const opened = await openStores(env, storePlacement(env), env.BOOSTFACE_DATA_DIR!);
  const all = async <T>(it: AsyncIterable<T>) => {
    const out: T[] = [];
    for await (const x of it) out.push(x);
    return out;
  };
  try {
    const s: Stores = opened.stores;
    return {
      tokens: await all(s.tokens.exportTokens()),
      audit: (await s.audit.query({ first: 500 })).items,
      wall: await s.wall.get(),
      cameras: await s.cameras.list(),
      sightings: (await s.sightings.list({ first: 500 })).items,
      alerts: await s.alerts.list({ first: 500 }),
    };
  } finally {
    await opened.close();
  }
}

const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (err) => (err instanceof BackupError ? err.code : String(err)));

describe.skipIf(!!skipReason)('backup and restore across store placements', () => {
  const source = dir('single-box');
  const singleArchive = dir('single-box.tar.gz');
  let secrets: { live: string; revoked: string };
  let scaleOut: NodeJS.ProcessEnv;

  beforeAll(async () => {
    fs.mkdirSync(models);
    for (const f of ['scrfd_2.5g_bnkps.onnx', 'fr_feature_dynbatch.onnx', 'fr_feature.onnx']) fs.writeFileSync(path.join(models, f), '');
    const gallery = await EmbeddedGallery.open({ dataDir: source, space });
    for (const [k, name] of ['Ada', 'Grace'].entries()) {
      const identity = await gallery.createIdentity({ name });
      await gallery.upsertTemplates([{ id: `${identity.id}-t`, identityId: identity.id, embedding: unitVector(k + 1), kind: 'positive', quality: 0.7, source: 'a.jpg', createdAt: 1_700_000_000_000 }]);
    }
    await gallery.close();
    // Every store of the single box, through its SQLite adapter.
    const opened = await openStores(singleBox(source), storePlacement(singleBox(source)), source);
    const s = opened.stores;
    const live = await s.tokens.create({ name: 'kiosk', role: 'viewer', cameraScope: ['door'] });
    const revoked = await s.tokens.create({ name: 'old', role: 'operator' });
    await s.tokens.revoke(revoked.token.id);
    secrets = { live: live.secret, revoked: revoked.secret };
    for (let i = 0; i < 3; i++) await s.audit.append({ actor: { tokenId: live.token.id, name: 'kiosk', role: 'viewer' }, action: `act.${i}`, target: `t${i}`, details: { i }, outcome: 'ok' });
    await s.wall.apply({ op: 'layout', grid: 9, tiles: ['door', null, 'gate'] }, 'alice');
    await s.wall.apply({ op: 'pin', tile: 2, pinned: true }, 'bob');
    await s.cameras.put({ id: 'door', name: 'Door', url: 'rtsp://10.0.0.5/stream', kind: 'rtsp', loop: false, realtime: true, rtspTransport: 'tcp', enabled: true, stallTimeoutMs: 10_000 });
    await s.cameras.put({ id: 'gate', name: 'Gate', url: '/videos/gate.mp4', kind: 'file', loop: true, realtime: false, rtspTransport: 'tcp', enabled: false, stallTimeoutMs: 5000 });
    for (let i = 0; i < 30; i++) {
      await s.sightings.put({
        id: `s${i}`, cameraId: i % 2 ? 'door' : 'gate', trackId: `t${i}`, startedAt: 1_767_225_600_000 + i * 1000, endedAt: 1_767_225_600_500 + i * 1000,
        identityId: i < 5 ? 'p1' : null, identityName: i < 5 ? 'Ada' : null, label: i < 5 ? 'Ada' : `Unknown ${i}`, score: i < 5 ? 0.61 : null, quality: 0.5,
        frames: 10 + i, faceSnapshot: `door/2026-01-01/t${i}-face.jpg`, contextSnapshot: null, embedding: i === 7 ? null : unitVector(100 + i), ended: i !== 29,
      });
    }
    await s.alerts.put({ id: 'a1', at: 1_767_225_601_000, kind: 'watchlist', cameraId: 'door', trackId: 't1', identityId: 'p1', payload: { label: 'Ada', score: 0.61 }, acknowledgedAt: 1_767_225_602_000, acknowledgedBy: 'alice' });
    await s.alerts.put({ id: 'a2', at: 1_767_225_603_000, kind: 'unknown', cameraId: 'gate', trackId: null, identityId: null, payload: { label: 'Unknown 8', score: null, rule: 'unknown for 5 s' }, acknowledgedAt: null, acknowledgedBy: null });
    await opened.close();
    fs.mkdirSync(path.join(source, 'snapshots/door/2026-01-01'), { recursive: true });
    fs.writeFileSync(path.join(source, 'snapshots/door/2026-01-01/t1-face.jpg'), Buffer.from([0xff, 0xd8, 7]));

    scaleOut = {
      BOOSTFACE_DATA_DIR: dir('scale-out-data'),
      BOOSTFACE_MODELS: models,
      BOOSTFACE_ROLE: 'api',
      BOOSTFACE_GALLERY: 'milvus',
      BOOSTFACE_MILVUS_ADDRESS: milvus.server!.address,
      BOOSTFACE_MILVUS_PREFIX: 'bk_a_',
      BOOSTFACE_REDIS_URL: redis.server!.url,
      BOOSTFACE_REDIS_PREFIX: freshPrefix(),
      BOOSTFACE_POSTGRES_URL: await postgres.server!.freshDatabase(),
      BOOSTFACE_SNAPSHOT_DIR: dir('shared-snapshots'),
    };
  });

  it('restores a single box into Redis, PostgreSQL and Milvus: every record equal, tokens still authenticate', async () => {
    const backup = await createBackup({ env: singleBox(source), out: singleArchive, withSnapshots: true });
    expect(backup.counts).toMatchObject({ identities: 2, snapshots: 1, store: { tokens: 2, audit: 3, wall: 1, cameras: 2, sightings: 30, alerts: 2 } });
    const before = await contents(singleBox(source));

    const r = await restoreBackup({ env: scaleOut, file: singleArchive });
    expect(r).toMatchObject({ backend: 'milvus', gallery: { identities: 2, created: 2 }, snapshots: 1, store: backup.counts.store });
    expect(storePlacement(scaleOut)).toEqual({ tokens: 'redis', audit: 'redis', wall: 'redis', cameras: 'redis', sightings: 'postgres', alerts: 'postgres' });
    expect(await contents(scaleOut)).toEqual(before);
    // Nothing of the stores went to the data directory; the snapshots went to their own directory.
    expect(fs.readdirSync(scaleOut.BOOSTFACE_DATA_DIR!).filter((f) => !f.startsWith('.'))).toEqual([]);
    expect(fs.readFileSync(path.join(scaleOut.BOOSTFACE_SNAPSHOT_DIR!, 'door/2026-01-01/t1-face.jpg'))).toEqual(Buffer.from([0xff, 0xd8, 7]));

    const opened = await openStores(scaleOut, storePlacement(scaleOut), scaleOut.BOOSTFACE_DATA_DIR!);
    try {
      const s = opened.stores;
      expect((await s.tokens.authenticate(secrets.live))?.name).toBe('kiosk');
      expect(await s.tokens.authenticate(secrets.revoked)).toBeUndefined();
      const hits = await s.sightings.searchByFace(unitVector(100 + 12), { limit: 2 });
      expect(hits[0]).toMatchObject({ sighting: { id: 's12', cameraId: 'gate', label: 'Unknown 12' } });
      expect(hits[0].score).toBeCloseTo(1, 5);
      // New records number on past the restored ones.
      expect((await s.audit.append({ actor: null, action: 'after.restore', outcome: 'ok' })).seq).toBeGreaterThan(Math.max(...before.audit.map((e) => e.seq)));
      expect((await s.sightings.reserveStrangerNumbers(1))[0]).toBeGreaterThan(29); // the highest restored label is Unknown 29
    } finally {
      await opened.close();
    }
    const gallery = await MilvusGallery.open(milvusOptions(scaleOut, space));
    try {
      expect(await gallery.count()).toEqual({ identities: 2, templates: 2 });
    } finally {
      await gallery.close();
    }
  });

  it('refuses a scale-out deployment whose stores hold records, writing nothing; --force upserts', async () => {
    const before = await contents(scaleOut);
    expect(await restoreBackup({ env: scaleOut, file: singleArchive }).catch((err: unknown) => err)).toMatchObject({
      code: 'NOT_EMPTY',
      message: expect.stringMatching(/already holds snapshots \(.*shared-snapshots\)/),
    });
    // Without snapshots in the backup: the stores themselves are what is in the way.
    const storesOnly = dir('single-box-no-snapshots.tar.gz');
    await createBackup({ env: singleBox(source), out: storesOnly });
    const e = await restoreBackup({ env: scaleOut, file: storesOnly }).catch((err: unknown) => err);
    expect(e).toMatchObject({ code: 'NOT_EMPTY', message: expect.stringMatching(/the tokens store \(Redis at redis:\/\/127\.0\.0\.1:\d+ \(prefix t[0-9a-f]+\)\).*the sightings store \(PostgreSQL at .*\) .*already hold records.*--force/) });
    expect(await contents(scaleOut)).toEqual(before);
    const forced = await restoreBackup({ env: scaleOut, file: storesOnly, force: true });
    // Upserted by id; audit entries already there are kept as they are, not added twice.
    expect(forced.store).toMatchObject({ tokens: 2, audit: 0, sightings: 30 });
    const after = await contents(scaleOut);
    expect(after.audit).toHaveLength(before.audit.length);
    expect(after.sightings).toEqual(before.sightings);
    expect(after.tokens.map((t) => t.id)).toEqual(before.tokens.map((t) => t.id));
  });

  it('restores the scale-out deployment into an empty data directory', async () => {
    const archive = dir('scale-out.tar.gz');
    const backup = await createBackup({ env: scaleOut, out: archive, withSnapshots: true });
    expect(backup).toMatchObject({ backend: 'milvus', counts: { identities: 2, snapshots: 1, store: { tokens: 2, audit: 4, wall: 1, cameras: 2, sightings: 30, alerts: 2 } } });
    const back = singleBox(dir('back-home'));
    await restoreBackup({ env: back, file: archive });
    expect(await contents(back)).toEqual(await contents(scaleOut));
    expect(fs.readdirSync(back.BOOSTFACE_DATA_DIR!).sort()).toEqual(['gallery.sqlite', 'snapshots', 'store.sqlite']);
    const opened = await openStores(back, storePlacement(back), back.BOOSTFACE_DATA_DIR!);
    try {
      expect((await opened.stores.tokens.authenticate(secrets.live))?.name).toBe('kiosk');
    } finally {
      await opened.close();
    }
    // And that data directory is taken now.
    expect(await codeOf(restoreBackup({ env: back, file: archive }))).toBe('NOT_EMPTY');
  });
});
