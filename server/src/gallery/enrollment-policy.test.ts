import { describe, expect, it } from 'vitest';
import type { Box, Face, FaceQuality } from '../engine/types.js';
import { DEFAULT_ENROLLMENT_THRESHOLDS as T, judgeEnrollmentFaces, selectDiverseTemplates, templateQuality } from './enrollment-policy.js';

const good: FaceQuality = { detScore: 0.9, interOcular: 50, faceWidth: 120, blur: 150, yaw: 0.05, pitch: 0.02, roll: 1 };
const face = (box: Box, q: Partial<FaceQuality> = {}, score = 0.9): Face => ({ box, score, landmarks: [], quality: { ...good, detScore: score, ...q } });

describe('judgeEnrollmentFaces', () => {
  it('accepts one good face and ignores small background faces', () => {
    const main = face([0, 0, 100, 100]);
    const r = judgeEnrollmentFaces([face([300, 300, 320, 320]), main], T);
    expect(r).toEqual({ ok: true, face: main });
  });

  it('rejects with the reason that applies', () => {
    const reason = (faces: Face[], box?: Box) => {
      const r = judgeEnrollmentFaces(faces, T, box);
      return r.ok ? 'OK' : r.reason;
    };
    expect(reason([])).toBe('NO_FACE');
    expect(reason([face([0, 0, 100, 100]), face([200, 0, 290, 90])])).toBe('MULTIPLE_FACES');
    expect(reason([face([0, 0, 100, 100], {}, 0.55)])).toBe('LOW_SCORE');
    expect(reason([face([0, 0, 100, 100], { interOcular: 12 })])).toBe('TOO_SMALL');
    expect(reason([face([0, 0, 100, 100], { blur: 8 })])).toBe('TOO_BLURRY');
    expect(reason([face([0, 0, 100, 100], { yaw: -0.9 })])).toBe('EXTREME_POSE');
  });

  it('takes the face in the given box among several', () => {
    const a = face([0, 0, 100, 100]);
    const b = face([200, 0, 300, 100]);
    expect(judgeEnrollmentFaces([a, b], T, [205, 5, 295, 100])).toEqual({ ok: true, face: b });
    const r = judgeEnrollmentFaces([a, b], T, [500, 500, 600, 600]);
    expect(r.ok ? 'OK' : r.reason).toBe('NO_FACE');
  });
});

describe('templateQuality', () => {
  it('orders faces by usefulness and stays in 0..1', () => {
    const q = templateQuality(good);
    expect(q).toBeGreaterThan(templateQuality({ ...good, blur: 30 }));
    expect(q).toBeGreaterThan(templateQuality({ ...good, yaw: 0.6 }));
    expect(templateQuality({ ...good, interOcular: 500, blur: 5000 })).toBeLessThanOrEqual(1);
    expect(templateQuality({ ...good, detScore: 0, interOcular: 0, blur: 0, yaw: 1 })).toBe(0);
  });
});

describe('selectDiverseTemplates', () => {
  const unit = (...v: number[]) => {
    const n = Math.hypot(...v);
    return Float32Array.from(v, (x) => x / n);
  };

  it('keeps everything under the cap', () => {
    expect(selectDiverseTemplates([{ embedding: unit(1, 0), quality: 0.5 }], 3)).toEqual([0]);
  });

  it('covers distinct appearances instead of near-duplicates', () => {
    const candidates = [
      { embedding: unit(1, 0, 0), quality: 0.9 },
      { embedding: unit(0.99, 0.05, 0), quality: 0.95 },
      { embedding: unit(0.98, 0.0, 0.05), quality: 0.92 },
      { embedding: unit(0, 1, 0), quality: 0.6 },
      { embedding: unit(0, 0, 1), quality: 0.5 },
    ];
    // Best quality first (index 1), then the two other appearances, not the near-duplicates of the frontal pose.
    expect(selectDiverseTemplates(candidates, 3)).toEqual([1, 3, 4]);
  });
});
