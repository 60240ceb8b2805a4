import type { Point, RgbImage } from './types.js';

/** The standard ArcFace 5-point template for a 112x112 crop. */
export const ARCFACE_TEMPLATE: readonly Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

/** 2x3 affine matrix [a, b, c, d, e, f] mapping (x, y) to (a x + b y + c, d x + e y + f). */
export type Affine = [number, number, number, number, number, number];

/**
 * Least-squares similarity transform (rotation, uniform scale, translation) taking src onto dst.
 * Closed form of Umeyama's method in 2-D: the optimum over scaled proper rotations, as skimage's
 * SimilarityTransform.estimate that insightface's norm_crop uses.
 */
export function estimateSimilarity(src: readonly Point[], dst: readonly Point[]): Affine {
  const n = src.length;
  let sx = 0, sy = 0, dx = 0, dy = 0;
  for (let i = 0; i < n; i++) {
    sx += src[i][0]; sy += src[i][1]; dx += dst[i][0]; dy += dst[i][1];
  }
  sx /= n; sy /= n; dx /= n; dy /= n;
  let dot = 0, cross = 0, norm = 0;
  for (let i = 0; i < n; i++) {
    const ax = src[i][0] - sx, ay = src[i][1] - sy;
    const bx = dst[i][0] - dx, by = dst[i][1] - dy;
    dot += ax * bx + ay * by;
    cross += ax * by - ay * bx;
    norm += ax * ax + ay * ay;
  }
  if (norm === 0) throw new Error('degenerate landmarks: all points coincide');
  const a = dot / norm;
  const b = cross / norm;
  return [a, -b, dx - (a * sx - b * sy), b, a, dy - (b * sx + a * sy)];
}

export function invertAffine([a, b, c, d, e, f]: Affine): Affine {
  const det = a * e - b * d;
  return [e / det, -b / det, (b * f - c * e) / det, -d / det, a / det, (c * d - a * f) / det];
}

/**
 * Warp `img` by forward matrix M into a width x height RGB crop, bilinear, border 0 — OpenCV warpAffine geometry,
 * including its 1/32-pixel quantization of source coordinates.
 */
export function warpAffine(img: RgbImage, M: Affine, width: number, height: number): Uint8Array {
  const [a, b, c, d, e, f] = invertAffine(M);
  const out = new Uint8Array(width * height * 3);
  const { data, width: W, height: H } = img;
  const Q = 32;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const fx = Math.round((a * x + b * y + c) * Q) / Q;
      const fy = Math.round((d * x + e * y + f) * Q) / Q;
      const x0 = Math.floor(fx);
      const y0 = Math.floor(fy);
      const wx = fx - x0;
      const wy = fy - y0;
      const o = (y * width + x) * 3;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < W && y0 + 1 < H) {
        const p00 = (y0 * W + x0) * 3;
        const p01 = p00 + 3;
        const p10 = p00 + W * 3;
        const p11 = p10 + 3;
        for (let ch = 0; ch < 3; ch++) {
          const top = data[p00 + ch] + (data[p01 + ch] - data[p00 + ch]) * wx;
          const bot = data[p10 + ch] + (data[p11 + ch] - data[p10 + ch]) * wx;
          out[o + ch] = Math.round(top + (bot - top) * wy);
        }
      } else if (x0 >= -1 && y0 >= -1 && x0 < W && y0 < H) {
        // Partly outside: missing neighbours count as the border value 0.
        for (let ch = 0; ch < 3; ch++) {
          const px = (xx: number, yy: number) => (xx >= 0 && yy >= 0 && xx < W && yy < H ? data[(yy * W + xx) * 3 + ch] : 0);
          const top = px(x0, y0) + (px(x0 + 1, y0) - px(x0, y0)) * wx;
          const bot = px(x0, y0 + 1) + (px(x0 + 1, y0 + 1) - px(x0, y0 + 1)) * wx;
          out[o + ch] = Math.round(top + (bot - top) * wy);
        }
      }
    }
  }
  return out;
}

export const ALIGNED_SIZE = 112;

/** Align a face to the ArcFace 112x112 template (insightface norm_crop). Returns interleaved RGB. */
export function alignFace(img: RgbImage, landmarks: readonly Point[], size = ALIGNED_SIZE): Uint8Array {
  const ratio = size / 112;
  const dst = ARCFACE_TEMPLATE.map(([x, y]) => [x * ratio, y * ratio] as Point);
  return warpAffine(img, estimateSimilarity(landmarks, dst), size, size);
}
