import { describe, expect, it } from 'vitest';
import { alignFace, ARCFACE_TEMPLATE, estimateSimilarity, invertAffine, warpAffine, type Affine } from './align.js';
import type { Point, RgbImage } from './types.js';

const apply = ([a, b, c, d, e, f]: Affine, [x, y]: Point): Point => [a * x + b * y + c, d * x + e * y + f];

describe('estimateSimilarity', () => {
  it('recovers an exact similarity transform', () => {
    const s = 1.7, th = 0.3;
    const truth: Affine = [s * Math.cos(th), -s * Math.sin(th), 12, s * Math.sin(th), s * Math.cos(th), -7];
    const src: Point[] = [[10, 20], [50, 22], [30, 40], [15, 60], [45, 61]];
    const dst = src.map((p) => apply(truth, p));
    const m = estimateSimilarity(src, dst);
    m.forEach((v, i) => expect(v).toBeCloseTo(truth[i], 9));
  });

  it('is the least-squares optimum under noise (no better nearby transform)', () => {
    const src: Point[] = [[10, 20], [50, 22], [30, 40], [15, 60], [45, 61]];
    const dst: Point[] = [[38, 51], [74, 52], [55, 72], [42, 92], [70, 93]];
    const err = (m: Affine) => src.reduce((acc, p, i) => {
      const q = apply(m, p);
      return acc + (q[0] - dst[i][0]) ** 2 + (q[1] - dst[i][1]) ** 2;
    }, 0);
    const m = estimateSimilarity(src, dst);
    const base = err(m);
    for (const [da, db] of [[1e-3, 0], [-1e-3, 0], [0, 1e-3], [0, -1e-3]]) {
      const p: Affine = [m[0] + da, m[1] - db, m[2], m[3] + db, m[4] + da, m[5]];
      expect(err(p)).toBeGreaterThan(base);
    }
  });

  it('rejects coincident points', () => {
    expect(() => estimateSimilarity([[1, 1], [1, 1]], [[0, 0], [1, 1]])).toThrow(/degenerate/);
  });
});

describe('warpAffine', () => {
  const img: RgbImage = { width: 4, height: 3, data: Uint8Array.from({ length: 36 }, (_, i) => i * 7) };

  it('is the identity for the identity matrix', () => {
    expect(Array.from(warpAffine(img, [1, 0, 0, 0, 1, 0], 4, 3))).toEqual(Array.from(img.data));
  });

  it('shifts by whole pixels and fills outside with 0', () => {
    const out = warpAffine(img, [1, 0, 1, 0, 1, 0], 4, 3); // dst(x) = src(x-1)
    expect(Array.from(out.slice(0, 3))).toEqual([0, 0, 0]);
    expect(Array.from(out.slice(3, 6))).toEqual(Array.from(img.data.slice(0, 3)));
  });

  it('inverts consistently', () => {
    const m: Affine = [0.9, -0.2, 5, 0.2, 0.9, -3];
    const r = apply(invertAffine(m), apply(m, [7, 11]));
    expect(r[0]).toBeCloseTo(7, 10);
    expect(r[1]).toBeCloseTo(11, 10);
  });
});

describe('alignFace', () => {
  it('maps the landmarks onto the ArcFace template', () => {
    // A 200x200 image with a bright dot at each landmark: after alignment the dots sit at the template points.
    const size = 200;
    const data = new Uint8Array(size * size * 3);
    const lm: Point[] = [[70, 80], [130, 78], [100, 110], [75, 140], [125, 139]];
    for (const [x, y] of lm) for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) data.fill(255, ((y + dy) * size + x + dx) * 3, ((y + dy) * size + x + dx) * 3 + 3);
    const crop = alignFace({ data, width: size, height: size }, lm);
    const m = estimateSimilarity(lm, ARCFACE_TEMPLATE);
    for (const p of lm) {
      const [x, y] = apply(m, p).map(Math.round);
      expect(crop[(y * 112 + x) * 3]).toBeGreaterThan(100);
    }
  });
});
