import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { dot, unitVectors } from './gallery-contract.js';
import type { TemplateKind } from './gallery.js';
import type * as SimdModule from './simd/gallery-wasm.js';
import type * as IndexModule from './template-index.js';

const SERVER = path.resolve(import.meta.dirname, '../..');

let TemplateIndex: typeof IndexModule.TemplateIndex;
let simd: typeof SimdModule;

beforeAll(async () => {
  // Build the kernels when missing or older than their source, then load the index with them.
  execFileSync(process.execPath, [path.join(SERVER, 'scripts/build-wasm.mjs'), '--if-stale'], { stdio: 'inherit' });
  delete process.env.BOOSTFACE_GALLERY_SEARCH;
  simd = await import('./simd/gallery-wasm.js');
  ({ TemplateIndex } = await import('./template-index.js'));
}, 120_000);

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

describe('TemplateIndex: WebAssembly SIMD first pass', () => {
  type Index = IndexModule.TemplateIndex;
  type Row = { id: string; identityId: string; kind: TemplateKind; v: Float32Array };

  /** The same rows in a SIMD index and a JavaScript-scan index. */
  function pair(dim: number, rows: Row[]): [Index, Index] {
    const fast = new TemplateIndex(dim, [0, 0], { minQuantizedRows: 1 });
    const slow = new TemplateIndex(dim, [0, 0], { backend: 'js' });
    for (const t of rows) {
      fast.put(t.id, t.identityId, t.kind, t.v);
      slow.put(t.id, t.identityId, t.kind, t.v);
    }
    return [fast, slow];
  }

  /** Searches both ways and expects the same hits, scores bit for bit; returns the first pass's candidate count. */
  function same(fast: Index, slow: Index, query: Float32Array, k: number, kinds: TemplateKind[], ids?: string[]): number {
    const before = fast.stats.candidates;
    expect(fast.search(query, k, kinds, ids)).toEqual(slow.search(query, k, kinds, ids));
    return fast.stats.candidates - before;
  }

  /** Rows clustered around a few centres (many near-ties at the top), some duplicated exactly, norms not 1. */
  function clustered(seed: number, dim: number, n: number, spread: number, scaled = false): Row[] {
    const rand = unitVectors(seed, dim);
    const centres = Array.from({ length: 5 }, rand);
    const rows: Row[] = [];
    for (let i = 0; i < n; i++) {
      let v: Float32Array;
      if (i % 50 === 7 && i > 0) v = rows[i - 1].v.slice(); // exact duplicate: a tie broken by template id
      else {
        const c = centres[i % centres.length];
        const e = rand();
        v = Float32Array.from(c, (x, j) => x + spread * e[j]);
        let sq = 0;
        for (const x of v) sq += x * x;
        const norm = scaled ? (0.25 + (i % 13) / 4) / Math.sqrt(sq) : 1 / Math.sqrt(sq);
        for (let j = 0; j < dim; j++) v[j] *= norm;
      }
      rows.push({ id: `t${(i * 7919) % n}`, identityId: `p${i % 61}`, kind: i % 9 === 0 ? 'negative' : 'positive', v });
    }
    return rows;
  }

  it('is in use: the module is built and loads', () => {
    expect(simd.gallerySearchBackend.kind).toBe('wasm-simd');
    const [fast, slow] = pair(16, clustered(1, 16, 40, 0.5));
    expect(fast.backend).toBe('wasm-simd');
    expect(slow.backend).toBe('js');
    expect(fast.matrixBytes).toBeGreaterThan(slow.matrixBytes);
  });

  it('gives the JavaScript scan\'s results, bit for bit, on random, clustered and scaled rows of several dimensions', () => {
    for (const [dim, n] of [[512, 3000], [13, 2500], [64, 4000], [100, 3000]]) {
      const rand = unitVectors(dim, dim);
      const sets: Row[][] = [
        Array.from({ length: n }, (_, i) => ({ id: `r${i}`, identityId: `p${i % 37}`, kind: (i % 5 === 0 ? 'negative' : 'positive') as TemplateKind, v: rand() })),
        clustered(dim + 1, dim, n, 0.3),
        clustered(dim + 2, dim, n, 0.02, true),
      ];
      for (const rows of sets) {
        const [fast, slow] = pair(dim, rows);
        const queries = [rand(), rows[17].v, rows[n - 3].v, Float32Array.from(rows[100].v, (x, j) => x + 0.01 * rows[5].v[j])];
        for (const q of queries) {
          for (const k of [1, 10, 37]) {
            same(fast, slow, q, k, ['positive']);
            same(fast, slow, q, k, ['negative', 'positive']);
          }
          same(fast, slow, q, 5, ['negative']);
          same(fast, slow, q, 10, ['positive'], ['p3', 'p4', 'nobody']); // few rows: scanned in JavaScript
          same(fast, slow, q, 10, ['positive', 'negative'], Array.from({ length: 30 }, (_, i) => `p${i}`)); // first pass, masked
          same(fast, slow, q, n, ['positive', 'negative']); // k too large for the first pass to pay
        }
        expect(fast.stats.quantizedScans).toBeGreaterThan(0);
        expect(fast.stats.jsScans).toBeGreaterThan(0);
      }
    }
  });

  it('re-scores few rows on spread-out data and many on near-ties, exact either way', () => {
    const dim = 512;
    const rand = unitVectors(77, dim);
    const spread = Array.from({ length: 5000 }, (_, i) => ({ id: `s${i}`, identityId: 'p', kind: 'positive' as TemplateKind, v: rand() }));
    const [f1, s1] = pair(dim, spread);
    expect(same(f1, s1, rand(), 10, ['positive'])).toBeLessThan(200);
    // 3000 rows within 1e-3 of one another: every score is within the error bound of the others.
    const tight = clustered(78, dim, 3000, 0.001);
    const [f2, s2] = pair(dim, tight);
    same(f2, s2, tight[0].v, 10, ['positive', 'negative']);
    same(f2, s2, rand(), 10, ['positive']);
  });

  it('cannot overflow its integer sums: flat vectors of 1040 dimensions', () => {
    // Every component at the maximum magnitude: each product is the largest code of the row times that of the query.
    const dim = 1040;
    const rand = unitVectors(9, dim);
    const flat = () => Float32Array.from(rand(), (x) => Math.sign(x) / Math.sqrt(dim));
    const rows: Row[] = Array.from({ length: 1500 }, (_, i) => ({ id: `f${i}`, identityId: 'p', kind: 'positive' as TemplateKind, v: flat() }));
    rows.push({ id: 'twin', identityId: 'q', kind: 'positive', v: rows[700].v.slice() });
    const [fast, slow] = pair(dim, rows);
    same(fast, slow, rows[700].v, 5, ['positive']);
    expect(fast.search(rows[700].v, 2, ['positive']).map((h) => h.templateId)).toEqual(['f700', 'twin']);
    same(fast, slow, Float32Array.from(rows[700].v, (x) => -x), 5, ['positive']);
    expect(fast.stats.quantizedScans).toBe(3);
  });

  it('follows replacements, kind changes, removals, merges and growth', () => {
    const dim = 32;
    const rand = unitVectors(5, dim);
    const [fast, slow] = pair(dim, []);
    const both = (fn: (x: Index) => unknown) => {
      const a = fn(fast);
      expect(fn(slow)).toEqual(a);
    };
    for (let i = 0; i < 6000; i++) {
      const v = rand();
      const kind: TemplateKind = i % 7 === 0 ? 'negative' : 'positive';
      both((x) => x.put(`t${i}`, `p${i % 40}`, kind, v));
      if (i % 11 === 3) both((x) => x.remove(`t${i - 2}`));
      if (i % 13 === 5) {
        const w = rand();
        both((x) => x.put(`t${i - 4}`, `p${(i * 3) % 40}`, i % 2 ? 'negative' : 'positive', w)); // replace, maybe move
      }
    }
    both((x) => x.moveIdentity('p3', 'p4'));
    both((x) => x.removeIdentity('p5'));
    expect([...fast.entries()]).toEqual([...slow.entries()]);
    for (let j = 0; j < 20; j++) {
      const q = rand();
      same(fast, slow, q, 10, ['positive', 'negative']);
      same(fast, slow, q, 3, ['positive'], ['p4', 'p5', 'p6', 'p7', 'p8', 'p9', 'p10']);
    }
    // Switching the backend changes nothing but the path.
    fast.setBackend('js');
    expect(fast.backend).toBe('js');
    const q = rand();
    const viaJs = fast.search(q, 10, ['positive']);
    fast.setBackend('auto');
    expect(fast.backend).toBe('wasm-simd');
    expect(fast.search(q, 10, ['positive'])).toEqual(viaJs);
  });

  it('stays in JavaScript below minQuantizedRows and refuses non-finite embeddings', () => {
    const index = new TemplateIndex(8, [0, 0], { minQuantizedRows: 100 });
    const rand = unitVectors(3, 8);
    for (let i = 0; i < 99; i++) index.put(`t${i}`, 'p', 'positive', rand());
    expect(index.backend).toBe('js');
    index.put('t99', 'p', 'positive', rand());
    expect(index.backend).toBe('wasm-simd');
    expect(() => index.put('bad', 'p', 'positive', Float32Array.of(1, 0, 0, 0, 0, 0, 0, NaN))).toThrow(RangeError);
    expect(() => index.put('t5', 'p', 'negative', Float32Array.of(1, 0, 0, 0, 0, Infinity, 0, 0))).toThrow(RangeError);
    expect(index.has('bad')).toBe(false);
    expect(index.search(rand(), 200, ['positive', 'negative']).map((h) => h.kind)).toEqual(Array(100).fill('positive'));
    // Finite but beyond what float32 squares hold: accepted, and searched exactly (every row re-scored).
    const js = new TemplateIndex(8, [0, 0], { backend: 'js' });
    for (const x of index.entries()) js.put(x.templateId, x.identityId, x.kind, x.embedding);
    const huge = Float32Array.of(3e19, -1e19, 0, 0, 0, 0, 0, 1);
    index.put('huge', 'p', 'positive', huge);
    js.put('huge', 'p', 'positive', huge);
    for (const q of [rand(), rand(), huge]) expect(index.search(q, 3, ['positive'])).toEqual(js.search(q, 3, ['positive']));
  });
});
