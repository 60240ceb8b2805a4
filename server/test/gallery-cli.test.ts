import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineSettings, poolConfig } from '../src/config.js';
import { InferencePool } from '../src/engine/worker-pool.js';
import { EmbeddedGallery } from '../src/gallery/embedded-gallery.js';
import { EnrollmentService } from '../src/gallery/enrollment-service.js';
import { REPO_ROOT, SHARED_MODELS, sharedAvailable, sharedData } from './shared-fixtures.js';

const BIN = path.join(REPO_ROOT, 'server/bin/boostface.js');
const EXAMPLES = sharedData('faces/face_recognition_examples');

describe.skipIf(!sharedAvailable('gallery CLI'))('enroll, import, identify and gallery commands on the embedded gallery', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bf-gallery-cli-'));
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, ...args, '--data-dir', dataDir], {
      encoding: 'utf8',
      env: { ...process.env, BOOSTFACE_MODELS: SHARED_MODELS },
      timeout: 180_000,
    });
    return { code: r.status, lines: r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)), stderr: r.stderr };
  };

  it('imports one folder per identity, resumably', () => {
    const first = run(['import', EXAMPLES]);
    expect(first.code).toBe(0);
    const s = first.lines[0];
    expect(s).toMatchObject({ identities: 6, created: 6, images: 18 });
    expect(s.accepted).toBeGreaterThanOrEqual(15);
    expect(first.stderr).toMatch(/import: 6\/6/);
    const again = run(['import', EXAMPLES]).lines[0];
    expect(again).toMatchObject({ created: 0, accepted: 0, skipped: s.accepted });
    const list = run(['gallery', 'list']).lines;
    expect(list.map((i) => i.name)).toEqual(['alex_lacamoire', 'barack_obama', 'joe_biden', 'kit_harington', 'lin_manuel_miranda', 'rose_leslie']);
    expect(list.reduce((n, i) => n + i.templateCount, 0)).toBe(s.accepted);
  });

  it('names the people in group photos and leaves strangers unknown', () => {
    const r = run(['identify', path.join(EXAMPLES, '_scenes/two_people.jpg'), sharedData('faces/lfw_original_krasserm/Tony_Blair')]);
    expect(r.code).toBe(0);
    const names = r.lines[0].faces.map((f: { identity: { name: string } | null }) => f.identity?.name).sort();
    expect(names).toEqual(['barack_obama', 'joe_biden']);
    const blair = r.lines.slice(1);
    expect(blair.length).toBe(10);
    for (const line of blair) for (const f of line.faces) expect(f.identity).toBeNull();
  });

  it('reports a face that already belongs to someone else and stores nothing', () => {
    const r = run(['enroll', '--name', 'Somebody Else', path.join(EXAMPLES, 'barack_obama/obama.jpg')]);
    expect(r.code).toBe(1);
    expect(r.lines[0].identity).toBeNull();
    expect(r.lines[0].results[0]).toMatchObject({ status: 'rejected', reason: 'COLLISION', collision: { name: 'barack_obama' } });
    expect(run(['gallery', 'list']).lines.some((i) => i.name === 'Somebody Else')).toBe(false);
  });

  it('renames, merges and deletes identities', () => {
    const byName = () => Object.fromEntries(run(['gallery', 'list']).lines.map((i) => [i.name, i]));
    const before = byName();
    expect(run(['gallery', 'rename', before.kit_harington.id, 'Kit Harington']).lines[0].name).toBe('Kit Harington');
    const merged = run(['gallery', 'merge', before.rose_leslie.id, before.kit_harington.id]).lines[0];
    expect(merged.templatesMoved).toBe(before.rose_leslie.templateCount);
    const after = byName();
    expect(after.rose_leslie).toBeUndefined();
    expect(after['Kit Harington'].templateCount).toBe(before.kit_harington.templateCount + before.rose_leslie.templateCount);
    expect(run(['gallery', 'delete', after['Kit Harington'].id]).lines[0].templatesRemoved).toBe(after['Kit Harington'].templateCount);
    expect(run(['gallery', 'delete', 'no-such-id']).code).toBe(1);
  });
});

describe.skipIf(!sharedAvailable('enrollment service'))('enrollment service', () => {
  let pool: InferencePool;
  let gallery: EmbeddedGallery;
  let service: EnrollmentService;
  beforeAll(async () => {
    const settings = engineSettings({ BOOSTFACE_MODELS: SHARED_MODELS });
    pool = await InferencePool.start(poolConfig(settings, { recognizer: true }));
    gallery = await EmbeddedGallery.open({ dataDir: mkdtempSync(path.join(os.tmpdir(), 'bf-enroll-')), space: { model: 'fr_feature_dynbatch', dim: 512 } });
    service = new EnrollmentService(pool, gallery, { matchThreshold: 0.22, detSize: 640, maxTemplatesPerIdentity: 4 });
  });
  afterAll(async () => {
    await gallery?.close();
    await pool?.close();
  });
  const image = (p: string) => ({ name: p, bytes: new Uint8Array(readFileSync(path.join(EXAMPLES, p))) });

  it('serializes concurrent enrollments of one name: one identity, every template kept', async () => {
    const [a, b] = await Promise.all([
      service.enroll({ name: 'Obama' }, [image('barack_obama/obama.jpg'), image('barack_obama/obama1.jpg')]),
      service.enroll({ name: 'Obama' }, [image('barack_obama/obama2.jpg'), image('barack_obama/obama3.jpg')]),
    ]);
    expect(a.identity!.id).toBe(b.identity!.id);
    const identities = (await gallery.listIdentities({ first: 10 })).items;
    expect(identities).toHaveLength(1);
    const accepted = [...a.results, ...b.results].filter((r) => r.status === 'accepted').length;
    expect(identities[0].templateCount).toBe(accepted);
  });

  it('gives every image its own result with a reason code', async () => {
    const { results } = await service.enroll({ name: 'Mixed' }, [
      image('_scenes/two_people.jpg'),
      { name: 'garbage', bytes: new Uint8Array([1, 2, 3]) },
      image('joe_biden/biden.jpg'),
      image('joe_biden/biden.jpg'),
    ]);
    expect(results.map((r) => r.reason ?? r.status)).toEqual(['MULTIPLE_FACES', 'BAD_IMAGE', 'accepted', 'DUPLICATE']);
  });

  it('keeps at most the template cap, choosing a diverse set', async () => {
    const files = ['obama.jpg', 'obama1.jpg', 'obama2.jpg', 'obama3.jpg', 'obama_small.jpg', 'obama_partial_face.jpg'].map((f) => image(`barack_obama/${f}`));
    const { identity } = await service.enroll({ name: 'Capped', allowCollision: true }, files);
    expect(identity!.templateCount).toBeLessThanOrEqual(4);
  });

  it('"this is not X" stops that face from matching X', async () => {
    // 'Mixed' holds biden.jpg from the test above; biden2.jpg is another photo of the same man.
    const identity = await service.findByName('Mixed');
    const probe = image('joe_biden/biden2.jpg');
    const before = await service.identify(probe.bytes);
    expect(before[0].match?.identityId).toBe(identity!.id);
    await service.rejectMatch(identity!.id, probe);
    const after = await service.identify(probe.bytes);
    expect(after[0].match?.identityId).not.toBe(identity!.id);
    expect((await gallery.getIdentity(identity!.id))!.templateCount).toBe(1);
    await expect(service.rejectMatch('nobody', probe)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
