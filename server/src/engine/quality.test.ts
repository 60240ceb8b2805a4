import { describe, expect, it } from 'vitest';
import { ARCFACE_TEMPLATE } from './align.js';
import { laplacianVariance, poseFromLandmarks } from './quality.js';
import type { Point } from './types.js';

describe('poseFromLandmarks', () => {
  it('is frontal for the ArcFace template', () => {
    const p = poseFromLandmarks(ARCFACE_TEMPLATE);
    expect(Math.abs(p.yaw)).toBeLessThan(0.02);
    expect(Math.abs(p.pitch)).toBeLessThan(0.02);
    expect(Math.abs(p.roll)).toBeLessThan(1);
  });

  it('signs yaw by the side the nose moves to, and is invariant to in-plane rotation', () => {
    const turned: Point[] = ARCFACE_TEMPLATE.map(([x, y], i) => (i === 2 ? [x - 12, y] : [x, y]));
    const yaw = poseFromLandmarks(turned).yaw;
    expect(yaw).toBeLessThan(-0.5);
    const th = 0.5;
    const rotated = turned.map(([x, y]) => [x * Math.cos(th) - y * Math.sin(th), x * Math.sin(th) + y * Math.cos(th)] as Point);
    const r = poseFromLandmarks(rotated);
    expect(r.yaw).toBeCloseTo(yaw, 6);
    expect(r.roll - poseFromLandmarks(turned).roll).toBeCloseTo((th * 180) / Math.PI, 6);
  });

  it('lowers pitch when the nose rises towards the eyes', () => {
    const up: Point[] = ARCFACE_TEMPLATE.map(([x, y], i) => (i === 2 ? [x, y - 10] : [x, y]));
    expect(poseFromLandmarks(up).pitch).toBeLessThan(-0.3);
  });
});

describe('laplacianVariance', () => {
  it('is 0 on a flat image and larger on a sharper one', () => {
    const flat = new Uint8Array(16 * 16 * 3).fill(90);
    expect(laplacianVariance(flat, 16, 16)).toBe(0);
    const checker = new Uint8Array(16 * 16 * 3);
    const soft = new Uint8Array(16 * 16 * 3);
    for (let i = 0; i < 256; i++) {
      const v = ((i % 16) + Math.floor(i / 16)) % 2 ? 255 : 0;
      checker.fill(v, i * 3, i * 3 + 3);
      soft.fill(v ? 140 : 110, i * 3, i * 3 + 3);
    }
    expect(laplacianVariance(checker, 16, 16)).toBeGreaterThan(laplacianVariance(soft, 16, 16) * 10);
  });
});
