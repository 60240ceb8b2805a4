import { describe, expect, it } from 'vitest';
import { cropAround, easeRegion } from './crop.js';

describe('cropAround', () => {
  it('centres a square region of zoom × the face', () => {
    expect(cropAround([300, 200, 340, 250], 1280, 720, 2)).toEqual({ x: 270, y: 175, w: 100, h: 100 });
  });
  it('keeps the region inside the frame', () => {
    expect(cropAround([0, 0, 40, 40], 640, 360, 3)).toEqual({ x: 0, y: 0, w: 120, h: 120 });
    expect(cropAround([620, 340, 640, 360], 640, 360, 3)).toEqual({ x: 580, y: 300, w: 60, h: 60 });
  });
  it('never asks for more than the frame', () => {
    const r = cropAround([0, 0, 600, 350], 640, 360, 3);
    expect(r.w).toBe(360);
    expect(r.x + r.w).toBeLessThanOrEqual(640);
  });
});

describe('easeRegion', () => {
  it('moves part of the way', () => {
    expect(easeRegion({ x: 0, y: 0, w: 100, h: 100 }, { x: 100, y: 50, w: 200, h: 200 }, 0.5)).toEqual({ x: 50, y: 25, w: 150, h: 150 });
    expect(easeRegion(null, { x: 1, y: 2, w: 3, h: 4 })).toEqual({ x: 1, y: 2, w: 3, h: 4 });
  });
});
