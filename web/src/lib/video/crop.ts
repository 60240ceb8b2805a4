/** The track view's zoom: which part of the frame to show around a face. */
import type { Box } from './track-buffer.js';

export type Region = { x: number; y: number; w: number; h: number };

/** The region around a face box, in frame pixels: `zoom` times the box, square, kept inside the frame. */
export function cropAround(box: Box, frameW: number, frameH: number, zoom = 2.4): Region {
  const cx = (box[0] + box[2]) / 2;
  const cy = (box[1] + box[3]) / 2;
  const side = Math.min(Math.max(box[2] - box[0], box[3] - box[1]) * zoom, frameW, frameH);
  const x = Math.min(Math.max(0, cx - side / 2), frameW - side);
  const y = Math.min(Math.max(0, cy - side / 2), frameH - side);
  return { x, y, w: side, h: side };
}

/** Moves a region part of the way to a target, so the crop follows a face without shaking. */
export function easeRegion(from: Region | null, to: Region, k = 0.35): Region {
  if (!from) return to;
  return { x: from.x + (to.x - from.x) * k, y: from.y + (to.y - from.y) * k, w: from.w + (to.w - from.w) * k, h: from.h + (to.h - from.h) * k };
}
