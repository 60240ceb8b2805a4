/**
 * Shot-cut detection. Edited video (and PTZ presets, camera switches) jumps from one scene to another between two
 * frames; a tracker would carry a track across the cut onto whatever face sits at the same place in the new shot,
 * and with it the old identity. A cut is recognized from a small grey thumbnail of each frame: the mean absolute
 * difference of two consecutive thumbnails is small for motion within a shot and large at a cut.
 */
import type { RgbImage } from '../engine/types.js';

export const SIGNATURE_W = 32;
export const SIGNATURE_H = 18;

/** Grey thumbnail (block means, sampled on a 4x4 grid per block): cheap even for 4K frames. */
export function frameSignature(img: RgbImage): Uint8Array {
  const out = new Uint8Array(SIGNATURE_W * SIGNATURE_H);
  const bw = img.width / SIGNATURE_W;
  const bh = img.height / SIGNATURE_H;
  for (let by = 0; by < SIGNATURE_H; by++) {
    for (let bx = 0; bx < SIGNATURE_W; bx++) {
      let sum = 0;
      for (let sy = 0; sy < 4; sy++) {
        const y = Math.min(img.height - 1, Math.floor(by * bh + ((sy + 0.5) * bh) / 4));
        for (let sx = 0; sx < 4; sx++) {
          const x = Math.min(img.width - 1, Math.floor(bx * bw + ((sx + 0.5) * bw) / 4));
          const o = (y * img.width + x) * 3;
          sum += 0.299 * img.data[o] + 0.587 * img.data[o + 1] + 0.114 * img.data[o + 2];
        }
      }
      out[by * SIGNATURE_W + bx] = Math.round(sum / 16);
    }
  }
  return out;
}

/** Mean absolute difference of two signatures, 0..255. */
export function signatureDistance(a: Uint8Array, b: Uint8Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i] - b[i]);
  return d / a.length;
}
