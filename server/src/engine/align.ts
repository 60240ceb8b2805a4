import { cvRound } from './cv-round.js';
import { wasmPreprocess } from './simd/preprocess-wasm.js';
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

const INTER_BITS = 5;
const INTER_TAB_SIZE = 1 << INTER_BITS;
const AB_BITS = 10;
const AB_SCALE = 1 << AB_BITS;
const REMAP_SHIFT = 15;

/**
 * OpenCV's bilinear weight table: for each of the 32x32 sub-pixel positions, four 15-bit weights that sum to
 * exactly 32768 (the rounding error goes to the largest weight, as OpenCV does).
 */
const BILINEAR_TABLE: Int32Array = (() => {
  const tab = new Int32Array(INTER_TAB_SIZE * INTER_TAB_SIZE * 4);
  const scale = 1 << REMAP_SHIFT;
  for (let fy = 0; fy < INTER_TAB_SIZE; fy++) {
    for (let fx = 0; fx < INTER_TAB_SIZE; fx++) {
      const ty = [1 - fy / INTER_TAB_SIZE, fy / INTER_TAB_SIZE];
      const tx = [1 - fx / INTER_TAB_SIZE, fx / INTER_TAB_SIZE];
      const w = [ty[0] * tx[0], ty[0] * tx[1], ty[1] * tx[0], ty[1] * tx[1]].map((v) => cvRound(v * scale));
      const sum = w.reduce((a, b) => a + b, 0);
      if (sum !== scale) {
        const k = w.indexOf(Math.max(...w));
        w[k] += scale - sum;
      }
      tab.set(w, (fy * INTER_TAB_SIZE + fx) * 4);
    }
  }
  return tab;
})();

/**
 * Warp `img` by forward matrix M into a width x height RGB crop, bilinear, constant border 0, with the integer
 * arithmetic of OpenCV's warpAffine (10-bit coordinate accumulation, 1/32-pixel positions, 15-bit weights), so
 * aligned crops match insightface's norm_crop. Runs in WebAssembly SIMD when the module is available
 * (simd/preprocess-wasm.ts), bit-identical to warpAffineJs.
 */
export function warpAffine(img: RgbImage, M: Affine, width: number, height: number): Uint8Array {
  if (wasmPreprocess) {
    // The same fixed-point coordinate tables as below; the WebAssembly kernel does the per-pixel work.
    const inv = invertAffine(M);
    const [a, b, c, d, e, f] = inv;
    const adeltaX = new Int32Array(width), adeltaY = new Int32Array(width);
    for (let x = 0; x < width; x++) {
      adeltaX[x] = cvRound(a * x * AB_SCALE);
      adeltaY[x] = cvRound(d * x * AB_SCALE);
    }
    const roundDelta = AB_SCALE / INTER_TAB_SIZE / 2;
    const X0 = new Int32Array(height), Y0 = new Int32Array(height);
    for (let y = 0; y < height; y++) {
      X0[y] = cvRound((b * y + c) * AB_SCALE) + roundDelta;
      Y0[y] = cvRound((e * y + f) * AB_SCALE) + roundDelta;
    }
    const out = wasmPreprocess.warpAffine(img, inv, width, height, adeltaX, adeltaY, X0, Y0, BILINEAR_TABLE);
    if (out) return out;
  }
  return warpAffineJs(img, M, width, height);
}

/** warpAffine in plain JavaScript: the reference for the WebAssembly path, and its fallback. */
export function warpAffineJs(img: RgbImage, M: Affine, width: number, height: number): Uint8Array {
  const [a, b, c, d, e, f] = invertAffine(M);
  const out = new Uint8Array(width * height * 3);
  const { data, width: W, height: H } = img;
  const adeltaX = new Int32Array(width);
  const adeltaY = new Int32Array(width);
  for (let x = 0; x < width; x++) {
    adeltaX[x] = cvRound(a * x * AB_SCALE);
    adeltaY[x] = cvRound(d * x * AB_SCALE);
  }
  const roundDelta = AB_SCALE / INTER_TAB_SIZE / 2;
  const shift = AB_BITS - INTER_BITS;
  const mask = INTER_TAB_SIZE - 1;
  const half = 1 << (REMAP_SHIFT - 1);
  const stride = W * 3;
  for (let y = 0; y < height; y++) {
    const X0 = cvRound((b * y + c) * AB_SCALE) + roundDelta;
    const Y0 = cvRound((e * y + f) * AB_SCALE) + roundDelta;
    for (let x = 0; x < width; x++) {
      const X = (X0 + adeltaX[x]) >> shift;
      const Y = (Y0 + adeltaY[x]) >> shift;
      const x0 = X >> INTER_BITS;
      const y0 = Y >> INTER_BITS;
      const t = ((Y & mask) * INTER_TAB_SIZE + (X & mask)) * 4;
      const w00 = BILINEAR_TABLE[t], w01 = BILINEAR_TABLE[t + 1], w10 = BILINEAR_TABLE[t + 2], w11 = BILINEAR_TABLE[t + 3];
      const o = (y * width + x) * 3;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < W && y0 + 1 < H) {
        const p00 = y0 * stride + x0 * 3;
        const p10 = p00 + stride;
        for (let ch = 0; ch < 3; ch++) {
          out[o + ch] = (data[p00 + ch] * w00 + data[p00 + 3 + ch] * w01 + data[p10 + ch] * w10 + data[p10 + 3 + ch] * w11 + half) >> REMAP_SHIFT;
        }
      } else if (x0 >= -1 && y0 >= -1 && x0 < W && y0 < H) {
        // Partly outside: taps outside the image read the border value 0.
        const inX0 = x0 >= 0, inX1 = x0 + 1 < W, inY0 = y0 >= 0, inY1 = y0 + 1 < H;
        for (let ch = 0; ch < 3; ch++) {
          const base = y0 * stride + x0 * 3 + ch;
          const v00 = inY0 && inX0 ? data[base] : 0;
          const v01 = inY0 && inX1 ? data[base + 3] : 0;
          const v10 = inY1 && inX0 ? data[base + stride] : 0;
          const v11 = inY1 && inX1 ? data[base + stride + 3] : 0;
          out[o + ch] = (v00 * w00 + v01 * w01 + v10 * w10 + v11 * w11 + half) >> REMAP_SHIFT;
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
