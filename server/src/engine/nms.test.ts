import { describe, expect, it } from 'vitest';
import { iou, nms } from './nms.js';
import type { Box } from './types.js';

describe('nms', () => {
  it('keeps the best of overlapping boxes and every disjoint one', () => {
    const boxes: Box[] = [
      [0, 0, 100, 100],
      [5, 5, 105, 105],
      [200, 200, 260, 260],
      [0, 0, 50, 50],
    ];
    expect(nms(boxes, 0.4)).toEqual([0, 2, 3]);
  });
  it('uses the +1 pixel area convention (insightface)', () => {
    // Two 10x10 boxes offset by 5 px: IoU is 0.333 without +1 and 66/(121+121-66)=0.375 with it.
    const boxes: Box[] = [
      [0, 0, 10, 10],
      [5, 0, 15, 10],
    ];
    expect(nms(boxes, 0.36)).toEqual([0]);
    expect(nms(boxes, 0.38)).toEqual([0, 1]);
  });
});

describe('iou', () => {
  it('is 1 for identical boxes, 0 for disjoint, exact in between', () => {
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    expect(iou([0, 0, 10, 10], [20, 20, 30, 30])).toBe(0);
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(50 / 150, 10);
  });
});
