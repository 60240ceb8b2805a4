/**
 * The contract every Gallery adapter passes (embedded, Milvus, ...). Call it from the adapter's test file:
 *
 *   galleryContract('embedded', async () => ({ gallery, reopen, cleanup }));
 *
 * `make` is called once per test and must hand back an empty gallery whose space is CONTRACT_SPACE's dimension
 * (`space.dim` is read from the gallery, any model name). `reopen`, when given, closes the gallery and opens the same
 * storage again, returning the new instance; `cleanup` closes whatever is open and removes the storage.
 *
 * What it pins down beyond gallery.ts's comments:
 * - identity ids are generated when not given; a given id that exists is CONFLICT; an empty name is BAD_INPUT;
 * - updateIdentity / deleteIdentity / listTemplates / mergeIdentities of an unknown identity are NOT_FOUND;
 *   merging an identity into itself is BAD_INPUT;
 * - listIdentities orders by name then id (code-unit order for ASCII names), `first` >= 1, `endCursor` only when more
 *   remain, a garbled cursor is BAD_INPUT; nameContains is a case-insensitive substring, tag an exact tag;
 * - an embedding of the wrong length is BAD_INPUT or MODEL_MISMATCH, non-finite values BAD_INPUT, an unknown identity
 *   NOT_FOUND, each refusing the whole batch;
 * - search ranks by cosine (the dot product of unit vectors), best first; `identityIds: []` or `kinds: []` match nothing;
 * - count().templates counts every template, negatives included; Identity.templateCount positives only.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GalleryError, type Gallery, type SearchHit, type Template, type TemplateKind } from './gallery.js';
import { seededRandom } from '../util/seeded-random.js';

export interface ContractSubject {
  gallery: Gallery;
  /** Close and open the same storage again; the contract then uses the returned gallery. */
  reopen?: () => Promise<Gallery>;
  cleanup: () => Promise<void>;
}

/** Score tolerance: adapters may compute in float32. */
const EPS = 1e-5;

/** Seeded random unit vectors (mulberry32 + Box-Muller), so failures reproduce. */
export function unitVectors(seed: number, dim: number) {
  const next = seededRandom(seed);
  return (): Float32Array => {
    const v = new Float64Array(dim);
    let sq = 0;
    for (let i = 0; i < dim; i++) {
      const u = Math.max(next(), 1e-12);
      v[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
      sq += v[i] * v[i];
    }
    const inv = 1 / Math.sqrt(sq);
    return Float32Array.from(v, (x) => x * inv);
  };
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

async function expectGalleryError(p: Promise<unknown>, codes: GalleryError['code'][]): Promise<GalleryError> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected a GalleryError ${codes.join(' or ')}`).toBeInstanceOf(GalleryError);
  expect(codes).toContain((caught as GalleryError).code);
  return caught as GalleryError;
}

export function galleryContract(name: string, make: () => Promise<ContractSubject>): void {
  describe(`Gallery contract: ${name}`, () => {
    let subject: ContractSubject;
    let g: Gallery;
    let dim: number;
    let rand: () => Float32Array;
    let seq = 0;

    beforeEach(async () => {
      subject = await make();
      g = subject.gallery;
      dim = g.space.dim;
      rand = unitVectors(1234 + seq++, dim);
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    const template = (identityId: string, over: Partial<Template> = {}): Template => ({
      id: `t-${Math.random().toString(36).slice(2)}-${seq}`,
      identityId,
      embedding: rand(),
      kind: 'positive',
      quality: 0.8,
      source: 'file.jpg',
      createdAt: 1_700_000_000_000,
      ...over,
    });

    /** Store `n` positive templates per identity; returns them all. */
    const enroll = async (identityIds: string[], n: number, kind: TemplateKind = 'positive'): Promise<Template[]> => {
      const all = identityIds.flatMap((id) => Array.from({ length: n }, () => template(id, { kind })));
      await g.upsertTemplates(all);
      return all;
    };

    const bruteForce = (query: Float32Array, stored: Template[], k: number) =>
      stored
        .map((t) => ({ templateId: t.id, identityId: t.identityId, kind: t.kind, score: dot(query, t.embedding) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, k);

    const expectRanking = (hits: SearchHit[], query: Float32Array, stored: Template[], k: number) => {
      const expected = bruteForce(query, stored, k);
      const byId = new Map(stored.map((t) => [t.id, t]));
      expect(hits).toHaveLength(expected.length);
      for (let i = 0; i < hits.length; i++) {
        const t = byId.get(hits[i].templateId);
        expect(t, `hit ${hits[i].templateId} is a stored template`).toBeDefined();
        expect(hits[i].identityId).toBe(t!.identityId);
        expect(hits[i].kind).toBe(t!.kind);
        // The score is the cosine (dot product) of this template, and the rank's expected score.
        expect(Math.abs(hits[i].score - dot(query, t!.embedding))).toBeLessThan(EPS);
        expect(Math.abs(hits[i].score - expected[i].score)).toBeLessThan(EPS);
        if (i > 0) expect(hits[i].score).toBeLessThanOrEqual(hits[i - 1].score + EPS);
      }
    };

    describe('identities', () => {
      it('creates, gets and generates ids', async () => {
        const a = await g.createIdentity({ name: 'Ada', notes: 'note', tags: ['staff', 'vip'] });
        expect(a.id).toMatch(/.+/);
        expect(a).toMatchObject({ name: 'Ada', notes: 'note', tags: ['staff', 'vip'], templateCount: 0 });
        expect(a.createdAt).toBeGreaterThan(0);
        expect(a.updatedAt).toBeGreaterThanOrEqual(a.createdAt);
        expect(await g.getIdentity(a.id)).toEqual(a);
        const b = await g.createIdentity({ name: 'Bea' });
        expect(b.id).not.toBe(a.id);
        expect(b).toMatchObject({ notes: '', tags: [] });
        const c = await g.createIdentity({ id: 'given-id', name: 'Cy' });
        expect(c.id).toBe('given-id');
        expect(await g.getIdentity('no-such-identity')).toBeUndefined();
      });

      it('refuses a duplicate id and an empty name', async () => {
        await g.createIdentity({ id: 'dup', name: 'One' });
        await expectGalleryError(g.createIdentity({ id: 'dup', name: 'Two' }), ['CONFLICT']);
        expect((await g.getIdentity('dup'))?.name).toBe('One');
        await expectGalleryError(g.createIdentity({ name: '' }), ['BAD_INPUT']);
        await expectGalleryError(g.createIdentity({ name: '   ' }), ['BAD_INPUT']);
        expect((await g.count()).identities).toBe(1);
      });

      it('updates name, notes and tags', async () => {
        const a = await g.createIdentity({ name: 'Ada', notes: 'x', tags: ['a'] });
        const u = await g.updateIdentity(a.id, { name: 'Ada L.', tags: ['b', 'c'] });
        expect(u).toMatchObject({ id: a.id, name: 'Ada L.', notes: 'x', tags: ['b', 'c'], createdAt: a.createdAt });
        expect(u.updatedAt).toBeGreaterThanOrEqual(a.updatedAt);
        const v = await g.updateIdentity(a.id, { notes: 'y' });
        expect(v).toMatchObject({ name: 'Ada L.', notes: 'y', tags: ['b', 'c'] });
        expect(await g.getIdentity(a.id)).toEqual(v);
        await expectGalleryError(g.updateIdentity('no-such-identity', { name: 'Z' }), ['NOT_FOUND']);
        await expectGalleryError(g.updateIdentity(a.id, { name: '' }), ['BAD_INPUT']);
      });

      it('lists by name then id, page by page, with cursors that round-trip', async () => {
        const names = ['Mia', 'Bob', 'Alice', 'Bob', 'Zoe', 'Carl', 'Bob', 'alice'];
        for (const [i, n] of names.entries()) await g.createIdentity({ id: `id-${(i * 7) % 10}-${i}`, name: n });
        const all = await g.listIdentities({ first: 100 });
        expect(all.endCursor).toBeUndefined();
        const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
        const expected = [...all.items].sort((x, y) => cmp(x.name, y.name) || cmp(x.id, y.id));
        expect(all.items.map((i) => i.id)).toEqual(expected.map((i) => i.id));
        expect(all.items).toHaveLength(names.length);

        const seen: string[] = [];
        let after: string | undefined;
        const cursors: (string | undefined)[] = [];
        for (let page = 0; page < 10; page++) {
          const p = await g.listIdentities({ first: 3, after });
          seen.push(...p.items.map((i) => i.id));
          cursors.push(after);
          if (!p.endCursor) break;
          expect(p.items).toHaveLength(3);
          after = p.endCursor;
        }
        expect(seen).toEqual(expected.map((i) => i.id));
        // The same cursor gives the same page again.
        const again = await g.listIdentities({ first: 3, after: cursors[1] });
        expect(again.items.map((i) => i.id)).toEqual(seen.slice(3, 6));
        // An exact fit: the last full page has no cursor.
        expect((await g.listIdentities({ first: names.length })).endCursor).toBeUndefined();
        await expectGalleryError(g.listIdentities({ first: 3, after: 'garbage!' }), ['BAD_INPUT']);
        await expectGalleryError(g.listIdentities({ first: 0 }), ['BAD_INPUT']);
      });

      it('filters by case-insensitive name substring and by tag, with pagination', async () => {
        await g.createIdentity({ name: 'Alice Smith', tags: ['staff'] });
        await g.createIdentity({ name: 'alicia', tags: ['visitor'] });
        await g.createIdentity({ name: 'Bob Malice', tags: ['staff', 'vip'] });
        await g.createIdentity({ name: 'Carol', tags: ['staff'] });
        const byName = await g.listIdentities({ first: 10, nameContains: 'ALIC' });
        expect(byName.items.map((i) => i.name)).toEqual(['Alice Smith', 'Bob Malice', 'alicia']);
        const staff = await g.listIdentities({ first: 10, tag: 'staff' });
        expect(staff.items.map((i) => i.name)).toEqual(['Alice Smith', 'Bob Malice', 'Carol']);
        expect((await g.listIdentities({ first: 10, tag: 'sta' })).items).toEqual([]);
        const both = await g.listIdentities({ first: 10, tag: 'staff', nameContains: 'alice' });
        expect(both.items.map((i) => i.name)).toEqual(['Alice Smith', 'Bob Malice']);
        const p1 = await g.listIdentities({ first: 2, tag: 'staff' });
        expect(p1.items.map((i) => i.name)).toEqual(['Alice Smith', 'Bob Malice']);
        const p2 = await g.listIdentities({ first: 2, tag: 'staff', after: p1.endCursor });
        expect(p2.items.map((i) => i.name)).toEqual(['Carol']);
        expect(p2.endCursor).toBeUndefined();
      });

      it('deletes an identity; unknown is NOT_FOUND', async () => {
        const a = await g.createIdentity({ name: 'Ada' });
        expect(await g.deleteIdentity(a.id)).toBe(0);
        expect(await g.getIdentity(a.id)).toBeUndefined();
        await expectGalleryError(g.deleteIdentity(a.id), ['NOT_FOUND']);
      });
    });

    describe('templates', () => {
      it('stores templates and lists them back', async () => {
        const a = await g.createIdentity({ name: 'Ada' });
        const t = template(a.id, { source: 'track:7', quality: 0.42, createdAt: 1_700_000_000_123 });
        await g.upsertTemplates([t]);
        const [back] = await g.listTemplates(a.id);
        expect(back).toMatchObject({ id: t.id, identityId: a.id, kind: 'positive', quality: 0.42, source: 'track:7', createdAt: 1_700_000_000_123 });
        expect(back.embedding).toBeInstanceOf(Float32Array);
        expect(back.embedding).toHaveLength(dim);
        for (let i = 0; i < dim; i++) expect(Math.abs(back.embedding[i] - t.embedding[i])).toBeLessThan(1e-6);
        await expectGalleryError(g.listTemplates('no-such-identity'), ['NOT_FOUND']);
        await g.upsertTemplates([]);
        expect((await g.count()).templates).toBe(1);
      });

      it('replaces a template with the same id', async () => {
        const a = await g.createIdentity({ name: 'Ada' });
        const b = await g.createIdentity({ name: 'Bea' });
        const t = template(a.id);
        await g.upsertTemplates([t]);
        const replaced = { ...t, identityId: b.id, embedding: rand(), quality: 0.1 };
        await g.upsertTemplates([replaced]);
        expect(await g.count()).toEqual({ identities: 2, templates: 1 });
        expect(await g.listTemplates(a.id)).toEqual([]);
        expect((await g.listTemplates(b.id)).map((x) => [x.id, x.quality])).toEqual([[t.id, 0.1]]);
        const [hit] = await g.search(replaced.embedding, 1);
        expect(hit).toMatchObject({ templateId: t.id, identityId: b.id });
        expect(hit.score).toBeCloseTo(1, 4);
        expect((await g.search(t.embedding, 1))[0].score).toBeLessThan(0.5);
      });

      it('refuses a batch with an unknown identity, storing nothing', async () => {
        const a = await g.createIdentity({ name: 'Ada' });
        await expectGalleryError(g.upsertTemplates([template(a.id), template('no-such-identity'), template(a.id)]), ['NOT_FOUND']);
        expect(await g.listTemplates(a.id)).toEqual([]);
        expect((await g.count()).templates).toBe(0);
        expect(await g.search(rand(), 10)).toEqual([]);
      });

      it('refuses a batch with a wrong dimension, storing nothing', async () => {
        const a = await g.createIdentity({ name: 'Ada' });
        const short = template(a.id, { embedding: new Float32Array(dim - 1).fill(1 / Math.sqrt(dim - 1)) });
        await expectGalleryError(g.upsertTemplates([template(a.id), short]), ['BAD_INPUT', 'MODEL_MISMATCH']);
        const long = template(a.id, { embedding: new Float32Array(dim + 1).fill(1 / Math.sqrt(dim + 1)) });
        await expectGalleryError(g.upsertTemplates([long, template(a.id)]), ['BAD_INPUT', 'MODEL_MISMATCH']);
        expect((await g.count()).templates).toBe(0);
        expect((await g.getIdentity(a.id))?.templateCount).toBe(0);
      });

      it('refuses non-finite values, storing nothing', async () => {
        const a = await g.createIdentity({ name: 'Ada' });
        for (const badValue of [NaN, Infinity, -Infinity]) {
          const e = rand();
          e[3] = badValue;
          await expectGalleryError(g.upsertTemplates([template(a.id), template(a.id, { embedding: e })]), ['BAD_INPUT']);
        }
        expect((await g.count()).templates).toBe(0);
      });

      it('counts positive templates per identity, every template in count()', async () => {
        const a = await g.createIdentity({ name: 'Ada' });
        const b = await g.createIdentity({ name: 'Bea' });
        await enroll([a.id], 3);
        await enroll([a.id], 2, 'negative');
        await enroll([b.id], 1);
        expect((await g.getIdentity(a.id))?.templateCount).toBe(3);
        expect((await g.getIdentity(b.id))?.templateCount).toBe(1);
        const listed = await g.listIdentities({ first: 10 });
        expect(listed.items.map((i) => i.templateCount)).toEqual([3, 1]);
        expect(await g.count()).toEqual({ identities: 2, templates: 6 });
        expect(await g.listTemplates(a.id)).toHaveLength(5);
      });

      it('deletes templates by id, ignoring unknown ids', async () => {
        const a = await g.createIdentity({ name: 'Ada' });
        const ts = await enroll([a.id], 4);
        expect(await g.deleteTemplates([ts[0].id, ts[2].id, 'no-such-template'])).toBe(2);
        expect(await g.deleteTemplates([ts[0].id])).toBe(0);
        expect(await g.deleteTemplates([])).toBe(0);
        expect((await g.listTemplates(a.id)).map((t) => t.id).sort()).toEqual([ts[1].id, ts[3].id].sort());
        const hits = await g.search(ts[0].embedding, 10);
        expect(hits.map((h) => h.templateId).sort()).toEqual([ts[1].id, ts[3].id].sort());
        expect((await g.getIdentity(a.id))?.templateCount).toBe(2);
      });
    });

    describe('search', () => {
      it('ranks by cosine, equal to brute-force dot products', async () => {
        const ids: string[] = [];
        for (const n of ['Ada', 'Bea', 'Cy', 'Dee']) ids.push((await g.createIdentity({ name: n })).id);
        const stored = await enroll(ids, 25);
        for (let q = 0; q < 5; q++) {
          const query = rand();
          for (const k of [1, 5, 17]) expectRanking(await g.search(query, k), query, stored, k);
        }
        // A stored embedding finds itself first, at cosine 1.
        const [self] = await g.search(stored[42].embedding, 3);
        expect(self.templateId).toBe(stored[42].id);
        expect(self.score).toBeCloseTo(1, 4);
      });

      it('returns everything when k exceeds the count, and nothing for k = 0', async () => {
        const a = await g.createIdentity({ name: 'Ada' });
        const stored = await enroll([a.id], 6);
        const query = rand();
        const hits = await g.search(query, 1000);
        expectRanking(hits, query, stored, 1000);
        expect(hits).toHaveLength(6);
        expect(await g.search(query, 0)).toEqual([]);
      });

      it('searches an empty gallery', async () => {
        expect(await g.search(rand(), 5)).toEqual([]);
      });

      it('filters by identity and by kind; negatives only when asked', async () => {
        const a = await g.createIdentity({ name: 'Ada' });
        const b = await g.createIdentity({ name: 'Bea' });
        const c = await g.createIdentity({ name: 'Cy' });
        const pos = await enroll([a.id, b.id, c.id], 5);
        const neg = await enroll([a.id, b.id], 3, 'negative');
        const query = rand();

        expectRanking(await g.search(query, 100), query, pos, 100);
        expectRanking(await g.search(query, 100, { kinds: ['negative'] }), query, neg, 100);
        expectRanking(await g.search(query, 100, { kinds: ['positive', 'negative'] }), query, [...pos, ...neg], 100);
        // A negative template's own embedding: not found by a default search...
        const hits = await g.search(neg[0].embedding, 100);
        expect(hits.some((h) => h.templateId === neg[0].id)).toBe(false);
        // ...found first when negatives are asked for.
        expect((await g.search(neg[0].embedding, 1, { kinds: ['positive', 'negative'] }))[0]).toMatchObject({ templateId: neg[0].id, kind: 'negative' });

        const inAC = pos.filter((t) => t.identityId === a.id || t.identityId === c.id);
        expectRanking(await g.search(query, 7, { identityIds: [a.id, c.id] }), query, inAC, 7);
        const negA = neg.filter((t) => t.identityId === a.id);
        expectRanking(await g.search(query, 10, { identityIds: [a.id, 'no-such-identity'], kinds: ['negative'] }), query, negA, 10);
        expect(await g.search(query, 10, { identityIds: [] })).toEqual([]);
        expect(await g.search(query, 10, { identityIds: ['no-such-identity'] })).toEqual([]);
        expect(await g.search(query, 10, { kinds: [] })).toEqual([]);
      });

      it('refuses a query of the wrong dimension or with non-finite values', async () => {
        const a = await g.createIdentity({ name: 'Ada' });
        await enroll([a.id], 2);
        await expectGalleryError(g.search(new Float32Array(dim + 3).fill(0.1), 5), ['BAD_INPUT', 'MODEL_MISMATCH']);
        const q = rand();
        q[0] = NaN;
        await expectGalleryError(g.search(q, 5), ['BAD_INPUT']);
      });

      it('forgets a deleted identity and its templates', async () => {
        const a = await g.createIdentity({ name: 'Ada' });
        const b = await g.createIdentity({ name: 'Bea' });
        const ta = await enroll([a.id], 4);
        await enroll([a.id], 1, 'negative');
        const tb = await enroll([b.id], 3);
        expect(await g.deleteIdentity(a.id)).toBe(5);
        expect(await g.getIdentity(a.id)).toBeUndefined();
        expect(await g.count()).toEqual({ identities: 1, templates: 3 });
        const query = ta[0].embedding;
        const hits = await g.search(query, 100, { kinds: ['positive', 'negative'] });
        expect(hits.every((h) => h.identityId === b.id)).toBe(true);
        expectRanking(hits, query, tb, 100);
        expect(await g.search(query, 10, { identityIds: [a.id] })).toEqual([]);
      });
    });

    describe('merge', () => {
      it('moves every template to the target and deletes the source', async () => {
        const a = await g.createIdentity({ name: 'Ada' });
        const b = await g.createIdentity({ name: 'Ada (dup)' });
        const ta = await enroll([a.id], 2);
        const tb = await enroll([b.id], 3);
        const nb = await enroll([b.id], 1, 'negative');
        expect(await g.mergeIdentities(b.id, a.id)).toBe(4);
        expect(await g.getIdentity(b.id)).toBeUndefined();
        expect((await g.getIdentity(a.id))?.templateCount).toBe(5);
        expect((await g.listTemplates(a.id)).map((t) => t.id).sort()).toEqual([...ta, ...tb, ...nb].map((t) => t.id).sort());
        expect(await g.count()).toEqual({ identities: 1, templates: 6 });
        const [hit] = await g.search(tb[0].embedding, 1);
        expect(hit).toMatchObject({ templateId: tb[0].id, identityId: a.id });
        expect(await g.search(tb[0].embedding, 5, { identityIds: [b.id] })).toEqual([]);
        expect((await g.search(tb[0].embedding, 10, { identityIds: [a.id] })).length).toBe(5);
      });

      it('refuses unknown identities and self-merges, changing nothing', async () => {
        const a = await g.createIdentity({ name: 'Ada' });
        await enroll([a.id], 2);
        await expectGalleryError(g.mergeIdentities(a.id, 'no-such-identity'), ['NOT_FOUND']);
        await expectGalleryError(g.mergeIdentities('no-such-identity', a.id), ['NOT_FOUND']);
        await expectGalleryError(g.mergeIdentities(a.id, a.id), ['BAD_INPUT']);
        expect((await g.getIdentity(a.id))?.templateCount).toBe(2);
        expect(await g.count()).toEqual({ identities: 1, templates: 2 });
      });
    });

    it('persists everything across a reopen', async (ctx) => {
      if (!subject.reopen) {
        ctx.skip();
        return;
      }
      const a = await g.createIdentity({ name: 'Ada', notes: 'n', tags: ['staff'] });
      const b = await g.createIdentity({ name: 'Bea' });
      const c = await g.createIdentity({ name: 'Cy' });
      const stored = await enroll([a.id, b.id, c.id], 10);
      const negatives = await enroll([a.id], 2, 'negative');
      await g.deleteTemplates([stored[0].id, stored[15].id]);
      await g.mergeIdentities(c.id, b.id);
      await g.updateIdentity(b.id, { tags: ['merged'] });
      const queries = [rand(), rand(), stored[5].embedding];
      const before = {
        count: await g.count(),
        list: await g.listIdentities({ first: 10 }),
        templates: await g.listTemplates(a.id),
        hits: await Promise.all(queries.map((q) => g.search(q, 12, { kinds: ['positive', 'negative'] }))),
        filtered: await g.search(queries[0], 5, { identityIds: [b.id] }),
      };
      expect(before.count).toEqual({ identities: 2, templates: 30 - 2 + negatives.length });

      g = await subject.reopen();
      expect(await g.count()).toEqual(before.count);
      expect(await g.listIdentities({ first: 10 })).toEqual(before.list);
      expect(await g.listTemplates(a.id)).toEqual(before.templates);
      expect(await Promise.all(queries.map((q) => g.search(q, 12, { kinds: ['positive', 'negative'] })))).toEqual(before.hits);
      expect(await g.search(queries[0], 5, { identityIds: [b.id] })).toEqual(before.filtered);
      // Still writable after the reopen.
      await enroll([a.id], 1);
      expect((await g.getIdentity(a.id))?.templateCount).toBe(10);
    });
  });
}
