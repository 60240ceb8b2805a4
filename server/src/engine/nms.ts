import type { Box } from './types.js';

/**
 * Greedy non-maximum suppression over boxes already sorted by descending score.
 * Uses the +1 pixel area convention of insightface's SCRFD so that results match it exactly.
 * Returns the indices kept, in order.
 */
export function nms(boxes: Box[], iouThreshold: number): number[] {
  const n = boxes.length;
  const area = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [x1, y1, x2, y2] = boxes[i];
    area[i] = (x2 - x1 + 1) * (y2 - y1 + 1);
  }
  const suppressed = new Uint8Array(n);
  const keep: number[] = [];
  for (let i = 0; i < n; i++) {
    if (suppressed[i]) continue;
    keep.push(i);
    const [ax1, ay1, ax2, ay2] = boxes[i];
    for (let j = i + 1; j < n; j++) {
      if (suppressed[j]) continue;
      const [bx1, by1, bx2, by2] = boxes[j];
      const w = Math.max(0, Math.min(ax2, bx2) - Math.max(ax1, bx1) + 1);
      const h = Math.max(0, Math.min(ay2, by2) - Math.max(ay1, by1) + 1);
      const inter = w * h;
      if (inter / (area[i] + area[j] - inter) > iouThreshold) suppressed[j] = 1;
    }
  }
  return keep;
}

/** Plain intersection-over-union (no +1), for evaluation and tracking. */
export function iou(a: Box, b: Box): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = w * h;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}
