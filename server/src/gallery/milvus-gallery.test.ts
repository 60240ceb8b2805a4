/**
 * MilvusGallery against a real milvus-lite server (tools/milvus/start-server.sh). The first run creates the venv
 * (~20 s). Without python3/pip the suite is skipped with the reason, except with CI=true, where that fails.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startMilvusServer, type MilvusTestServer } from '../../test/milvus-server.js';
import { galleryContract, unitVectors } from './gallery-contract.js';
import { GalleryError, type Template } from './gallery.js';
import { MilvusGallery } from './milvus-gallery.js';

const DIM = 64;
const SPACE = { model: 'w600k_r50', dim: DIM };

// Started while the file is collected, so the contract can be skipped as a whole when no server can be made.
const started = await startMilvusServer();
const server: MilvusTestServer | undefined = started.server;
const skipReason = started.skipReason;
if (skipReason) console.warn(`milvus-gallery tests skipped: ${skipReason}`);
let seq = 0;
const run = `t${Date.now().toString(36)}`;
const prefix = () => `bf_${run}_${seq++}_`;

afterAll(async () => {
  await server?.stop();
}, 60_000);

function skipIfNoServer(ctx: { skip: (note?: string) => void }): MilvusTestServer {
  if (!server) ctx.skip(skipReason);
  return server!;
}

if (server) {
  galleryContract('milvus', async () => {
    const collectionPrefix = prefix();
    const open = () => MilvusGallery.open({ address: server.address, collectionPrefix, space: SPACE });
    let current = await open();
    return {
      gallery: current,
      reopen: async () => {
        await current.close();
        current = await open();
        return current;
      },
      cleanup: async () => {
        await current.close();
      },
    };
  });
} else {
  describe.skip(`Gallery contract: milvus (${skipReason})`, () => {
    it('needs a milvus-lite server', () => undefined);
  });
}

function template(identityId: string, embedding: Float32Array): Template {
  return { id: `t-${Math.random().toString(36).slice(2)}`, identityId, embedding, kind: 'positive', quality: 0.9, source: 's', createdAt: 1 };
}

async function errorOf(p: Promise<unknown>): Promise<GalleryError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(GalleryError);
    return err as GalleryError;
  }
  throw new Error('expected a GalleryError');
}

describe('MilvusGallery: Milvus only', () => {
  it('refuses another model or dimension on reopen, saying how to re-embed', async (ctx) => {
    const s = skipIfNoServer(ctx);
    const collectionPrefix = prefix();
    const g = await MilvusGallery.open({ address: s.address, collectionPrefix, space: SPACE });
    await g.createIdentity({ name: 'Ada' });
    await g.close();
    for (const space of [{ model: 'other_model', dim: DIM }, { model: SPACE.model, dim: DIM * 2 }]) {
      const e = await errorOf(MilvusGallery.open({ address: s.address, collectionPrefix, space }));
      expect(e.code).toBe('MODEL_MISMATCH');
      expect(e.message).toContain('w600k_r50');
      expect(e.message).toMatch(/re-embed/);
    }
    const again = await MilvusGallery.open({ address: s.address, collectionPrefix, space: SPACE });
    expect((await again.count()).identities).toBe(1);
    await again.close();
  });

  it('undoes a batch whose write failed: new templates removed, replaced ones restored', async (ctx) => {
    const s = skipIfNoServer(ctx);
    const g = await MilvusGallery.open({ address: s.address, collectionPrefix: prefix(), space: SPACE });
    const rand = unitVectors(7, DIM);
    const a = await g.createIdentity({ name: 'Ada' });
    const old = template(a.id, rand());
    await g.upsertTemplates([old]);
    // The write lands, then the call fails (an acknowledgement lost on the way back): the gallery must undo it.
    const client = (g as unknown as { client: { upsert: (req: unknown) => Promise<unknown> } }).client;
    const realUpsert = client.upsert.bind(client);
    let failNext = true;
    client.upsert = async (req) => {
      const res = await realUpsert(req);
      if (failNext) {
        failNext = false;
        throw new Error('injected: write failed after landing');
      }
      return res;
    };
    const replaced = { ...old, embedding: rand(), quality: 0.1 };
    const e = await errorOf(g.upsertTemplates([replaced, template(a.id, rand()), template(a.id, rand())]));
    expect(e.code).toBe('UNAVAILABLE');
    expect(e.message).toMatch(/nothing was stored/);
    const after = await g.listTemplates(a.id);
    expect(after.map((t) => [t.id, t.quality])).toEqual([[old.id, old.quality]]);
    for (let i = 0; i < DIM; i++) expect(after[0].embedding[i]).toBeCloseTo(old.embedding[i], 6);
    expect((await g.count()).templates).toBe(1);
    await g.close();
  });

  it('fails with UNAVAILABLE when nothing listens', async () => {
    const t0 = Date.now();
    const e = await errorOf(MilvusGallery.open({ address: '127.0.0.1:1', collectionPrefix: prefix(), space: SPACE, timeoutMs: 2000 }));
    expect(e.code).toBe('UNAVAILABLE');
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('survives the server being killed and restarted on the same data', async (ctx) => {
    const s = skipIfNoServer(ctx);
    const rejections: unknown[] = [];
    const onRejection = (r: unknown) => rejections.push(r);
    process.on('unhandledRejection', onRejection);
    try {
      const g = await MilvusGallery.open({ address: s.address, collectionPrefix: prefix(), space: SPACE, timeoutMs: 3000 });
      const rand = unitVectors(99, DIM);
      const a = await g.createIdentity({ name: 'Ada' });
      const acked: Template[] = [];
      // Writes in a loop while the server is killed underneath.
      let stop = false;
      let loopError: unknown;
      const loop = (async () => {
        while (!stop) {
          const batch = [template(a.id, rand()), template(a.id, rand())];
          try {
            await g.upsertTemplates(batch);
            acked.push(...batch);
          } catch (err) {
            loopError = err;
            return;
          }
        }
      })();
      await new Promise((r) => setTimeout(r, 1500));
      const tKill = Date.now();
      await s.kill();
      await loop;
      stop = true;
      expect(acked.length).toBeGreaterThan(0);
      expect(loopError).toBeInstanceOf(GalleryError);
      expect((loopError as GalleryError).code).toBe('UNAVAILABLE');
      expect(Date.now() - tKill).toBeLessThan(20_000);

      // Calls while down fail, bounded in time.
      for (const call of [() => g.count(), () => g.search(rand(), 5), () => g.getIdentity(a.id)]) {
        const t0 = Date.now();
        const e = await errorOf(call());
        expect(e.code).toBe('UNAVAILABLE');
        expect(e.message).toMatch(/unreachable|Milvus/);
        expect(Date.now() - t0).toBeLessThan(10_000);
      }

      await s.restart();
      // The same instance works again: lite comes back with its collections released, the gallery loads them.
      const after = await g.count();
      expect(after.identities).toBe(1);
      // An in-flight write that was not acknowledged may have landed too.
      expect(after.templates).toBeGreaterThanOrEqual(acked.length);
      const stored = new Set((await g.listTemplates(a.id)).map((t) => t.id));
      for (const t of acked) expect(stored.has(t.id), `acknowledged template ${t.id} survived`).toBe(true);
      const [hit] = await g.search(acked[0].embedding, 1);
      expect(hit.templateId).toBe(acked[0].id);
      await g.upsertTemplates([template(a.id, rand())]);
      expect((await g.getIdentity(a.id))?.templateCount).toBe(stored.size + 1);
      await g.close();
    } finally {
      process.off('unhandledRejection', onRejection);
    }
    expect(rejections).toEqual([]);
  });
});
