import { describe, expect, it } from 'vitest';
import { dot, unitVectors } from './gallery-contract.js';
import type { TemplateKind } from './gallery.js';
import { TemplateIndex } from './template-index.js';

describe('TemplateIndex', () => {
  it('ranks exactly for a dimension that is not a multiple of the unroll', () => {
    const dim = 13;
    const rand = unitVectors(3, dim);
    const index = new TemplateIndex(dim);
    const stored: { id: string; identityId: string; kind: TemplateKind; v: Float32Array }[] = [];
    for (let i = 0; i < 3000; i++) {
      const t = { id: `t${i}`, identityId: `p${i % 37}`, kind: (i % 5 === 0 ? 'negative' : 'positive') as TemplateKind, v: rand() };
      stored.push(t);
      index.put(t.id, t.identityId, t.kind, t.v);
    }
    const query = rand();
    for (const [kinds, ids] of [
      [['positive'], undefined],
      [['negative', 'positive'], undefined],
      [['positive'], ['p3', 'p4', 'nobody']],
    ] as [TemplateKind[], string[] | undefined][]) {
      const expected = stored
        .filter((t) => kinds.includes(t.kind) && (!ids || ids.includes(t.identityId)))
        .map((t) => ({ templateId: t.id, identityId: t.identityId, kind: t.kind, score: dot(query, t.v) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, 25);
      const hits = index.search(query, 25, kinds, ids);
      expect(hits.map((h) => h.templateId)).toEqual(expected.map((h) => h.templateId));
      hits.forEach((h, i) => expect(h.score).toBeCloseTo(expected[i].score, 12));
    }
  });

  it('breaks score ties by template id', () => {
    const index = new TemplateIndex(4);
    const v = Float32Array.of(1, 0, 0, 0);
    for (const id of ['d', 'b', 'e', 'a', 'c']) index.put(id, 'x', 'positive', v);
    expect(index.search(v, 3, ['positive']).map((h) => h.templateId)).toEqual(['a', 'b', 'c']);
    expect(index.search(v, 10, ['positive']).map((h) => h.templateId)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('replaces in place, moves a row when its kind changes, and stays dense after removals', () => {
    const index = new TemplateIndex(2);
    const e = (x: number) => Float32Array.of(x, Math.sqrt(1 - x * x));
    index.put('a', 'p', 'positive', e(1));
    index.put('b', 'p', 'positive', e(0.5));
    index.put('c', 'q', 'positive', e(0));
    index.put('b', 'q', 'negative', e(0.6)); // kind and owner change
    expect(index.size).toBe(3);
    expect(index.search(e(1), 10, ['positive']).map((h) => h.templateId)).toEqual(['a', 'c']);
    expect(index.search(e(1), 10, ['negative'])).toMatchObject([{ templateId: 'b', identityId: 'q', kind: 'negative' }]);
    expect(index.remove('a')).toBe(true);
    expect(index.remove('a')).toBe(false);
    expect([...index.entries()].map((x) => x.templateId)).toEqual(['c', 'b']);
    expect(index.moveIdentity('q', 'r')).toBe(2);
    expect(index.search(e(1), 10, ['positive', 'negative'], ['q'])).toEqual([]);
    expect(index.search(e(1), 10, ['positive', 'negative'], ['r']).map((h) => h.templateId)).toEqual(['b', 'c']);
    expect(index.removeIdentity('r')).toBe(2);
    expect(index.size).toBe(0);
    expect(index.search(e(1), 10, ['positive', 'negative'])).toEqual([]);
    // Freed identity slots are reused without mixing identities up.
    index.put('d', 's', 'positive', e(1));
    index.put('f', 't', 'positive', e(0));
    expect(index.search(e(1), 10, ['positive'], ['t']).map((h) => h.identityId)).toEqual(['t']);
  });

  it('grows past its initial capacity', () => {
    const rand = unitVectors(9, 8);
    const index = new TemplateIndex(8, [2, 0]);
    const vs = Array.from({ length: 5000 }, rand);
    vs.forEach((v, i) => index.put(`t${i}`, 'p', 'positive', v));
    expect(index.size).toBe(5000);
    expect(index.search(vs[4321], 1, ['positive'])[0]).toMatchObject({ templateId: 't4321' });
  });
});
