import type { ModelPreprocess } from '../models/manifest.js';
import { cvRound as roundHalfEven } from './cv-round.js';
import { wasmPreprocess } from './simd/preprocess-wasm.js';
import type { RgbImage } from './types.js';

/** OpenCV's fixed-point interpolation weights: 11 fractional bits. */
const COEF_SCALE = 2048;


/**
 * Horizontal plan with cv::resize INTER_LINEAR geometry: half-pixel centres, coordinates computed in float32,
 * out-of-range taps clamped to the edge with weight 0.
 */
function xPlan(srcLen: number, dstLen: number): { i0: Int32Array; i1: Int32Array; a0: Int32Array; a1: Int32Array } {
  const scale = 1 / (dstLen / srcLen); // as OpenCV: the inverse of its inv_scale, not srcLen / dstLen
  const i0 = new Int32Array(dstLen), i1 = new Int32Array(dstLen), a0 = new Int32Array(dstLen), a1 = new Int32Array(dstLen);
  for (let d = 0; d < dstLen; d++) {
    let f = Math.fround((d + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    f = Math.fround(f - s);
    if (s < 0) (f = 0), (s = 0);
    if (s >= srcLen - 1) (f = 0), (s = srcLen - 1);
    i0[d] = s;
    i1[d] = Math.min(s + 1, srcLen - 1);
    a0[d] = roundHalfEven(Math.fround(1 - f) * COEF_SCALE);
    a1[d] = roundHalfEven(f * COEF_SCALE);
  }
  return { i0, i1, a0, a1 };
}

/** Vertical plan: OpenCV clamps the source rows but not the weights. */
function yPlan(srcLen: number, dstLen: number): { r0: Int32Array; r1: Int32Array; b0: Int32Array; b1: Int32Array } {
  const scale = 1 / (dstLen / srcLen); // as OpenCV: the inverse of its inv_scale, not srcLen / dstLen
  const r0 = new Int32Array(dstLen), r1 = new Int32Array(dstLen), b0 = new Int32Array(dstLen), b1 = new Int32Array(dstLen);
  const clampRow = (r: number) => Math.max(0, Math.min(srcLen - 1, r));
  for (let d = 0; d < dstLen; d++) {
    let f = Math.fround((d + 0.5) * scale - 0.5);
    const s = Math.floor(f);
    f = Math.fround(f - s);
    r0[d] = clampRow(s);
    r1[d] = clampRow(s + 1);
    b0[d] = roundHalfEven(Math.fround(1 - f) * COEF_SCALE);
    b1[d] = roundHalfEven(f * COEF_SCALE);
  }
  return { r0, r1, b0, b1 };
}

/**
 * Resize 8-bit RGB to newW x newH with the exact integer arithmetic of OpenCV's vectorized INTER_LINEAR path
 * (horizontal pass to 11-bit fixed point, vertical pass with 16-bit high multiplies) and write each sample through
 * `lut` into planar output: sample (x, y) of channel c goes to out[planes[c] + y * stride + x].
 * Matching OpenCV bit for bit keeps detections identical to the insightface reference.
 */
function resizeLinearToPlanes(img: RgbImage, newW: number, newH: number, out: Float32Array, planes: [number, number, number], stride: number, lut: Float32Array): void {
  const xs = xPlan(img.width, newW);
  const ys = yPlan(img.height, newH);
  const src = img.data;
  const rowLen = newW * 3;
  // Horizontally resized source rows, cached: consecutive output rows mostly share their source rows.
  let rowA = new Int32Array(rowLen), rowB = new Int32Array(rowLen);
  let idxA = -1, idxB = -1;
  const { i0, i1, a0, a1 } = xs;
  const hresize = (sy: number, out: Int32Array) => {
    const base = sy * img.width * 3;
    for (let x = 0; x < newW; x++) {
      const p0 = base + i0[x] * 3, p1 = base + i1[x] * 3;
      const w0 = a0[x], w1 = a1[x];
      const o = x * 3;
      out[o] = src[p0] * w0 + src[p1] * w1;
      out[o + 1] = src[p0 + 1] * w0 + src[p1 + 1] * w1;
      out[o + 2] = src[p0 + 2] * w0 + src[p1 + 2] * w1;
    }
  };
  const row = (sy: number): Int32Array => {
    if (sy === idxA) return rowA;
    if (sy === idxB) return rowB;
    // Evict the row that is not the other one needed by this output row.
    [rowA, rowB, idxA, idxB] = [rowB, rowA, idxB, idxA];
    hresize(sy, rowB);
    idxB = sy;
    return rowB;
  };
  for (let y = 0; y < newH; y++) {
    const s0 = row(ys.r0[y]);
    const s1 = ys.r1[y] === ys.r0[y] ? s0 : row(ys.r1[y]);
    const b0 = ys.b0[y], b1 = ys.b1[y];
    const o0 = planes[0] + y * stride, o1 = planes[1] + y * stride, o2 = planes[2] + y * stride;
    // ((S0>>4)*b0 >> 16) + ((S1>>4)*b1 >> 16), rounded by 2 bits; the weights sum to 2048, so 0..255 without clamping.
    for (let x = 0, o = 0; x < newW; x++, o += 3) {
      out[o0 + x] = lut[((((s0[o] >> 4) * b0) >> 16) + (((s1[o] >> 4) * b1) >> 16) + 2) >> 2];
      out[o1 + x] = lut[((((s0[o + 1] >> 4) * b0) >> 16) + (((s1[o + 1] >> 4) * b1) >> 16) + 2) >> 2];
      out[o2 + x] = lut[((((s0[o + 2] >> 4) * b0) >> 16) + (((s1[o + 2] >> 4) * b1) >> 16) + 2) >> 2];
    }
  }
}

export interface Letterbox {
  /** NCHW float tensor data of shape [1, 3, height, width]. */
  tensor: Float32Array;
  /** Resized content size / source size (the same on both axes). */
  scale: number;
}

/**
 * Resize keeping the aspect ratio into the top-left of a width x height canvas (insightface SCRFD layout),
 * writing normalized planar values directly: one pass, no intermediate RGB buffer.
 * Resampled values are rounded to 8 bits first so that the tensor matches an 8-bit resize.
 * The resize runs in WebAssembly SIMD when the module is available (simd/preprocess-wasm.ts), bit-identical to
 * letterboxTensorJs.
 */
export function letterboxTensor(img: RgbImage, width: number, height: number, pre: ModelPreprocess, out?: Float32Array): Letterbox {
  return letterbox(img, width, height, pre, out, wasmPreprocess !== null);
}

/** letterboxTensor in plain JavaScript: the reference for the WebAssembly path, and its fallback. */
export function letterboxTensorJs(img: RgbImage, width: number, height: number, pre: ModelPreprocess, out?: Float32Array): Letterbox {
  return letterbox(img, width, height, pre, out, false);
}

function letterbox(img: RgbImage, width: number, height: number, pre: ModelPreprocess, out: Float32Array | undefined, useWasm: boolean): Letterbox {
  const imRatio = img.height / img.width;
  let newW: number;
  let newH: number;
  if (imRatio > height / width) {
    newH = height;
    newW = Math.max(1, Math.floor(newH / imRatio));
  } else {
    newW = width;
    newH = Math.max(1, Math.floor(newW * imRatio));
  }
  const plane = width * height;
  const tensor = out ?? new Float32Array(3 * plane);
  const inv = 1 / pre.std;
  const pad = (0 - pre.mean) * inv;
  // Planes in model order: BGR models get red in the last plane.
  const [pr, pb] = pre.colorOrder === 'BGR' ? [2 * plane, 0] : [0, 2 * plane];
  const pg = plane;
  const lut = new Float32Array(256);
  for (let v = 0; v < 256; v++) lut[v] = (v - pre.mean) * inv;
  // Only the padding needs filling: the resized content overwrites the rest (the WebAssembly kernel also writes the
  // padding right of the content).
  for (let p = 0; p < 3; p++) tensor.fill(pad, p * plane + newH * width, (p + 1) * plane);
  const planes: [number, number, number] = [pr, pg, pb];
  const plan = useWasm ? { ...xPlan(img.width, newW), ...yPlan(img.height, newH) } : null;
  const viaWasm = plan !== null && wasmPreprocess!.resizeToPlanes(img.data, img.width, newW, newH, plan, tensor, planes, width, lut, pre.mean, inv, pad);
  if (!viaWasm) {
    if (newW < width) for (let p = 0; p < 3; p++) for (let y = 0; y < newH; y++) tensor.fill(pad, p * plane + y * width + newW, p * plane + (y + 1) * width);
    resizeLinearToPlanes(img, newW, newH, tensor, planes, width, lut);
  }
  return { tensor, scale: newH / img.height };
}

/** Interleaved 8-bit RGB crops (each w x h) to one normalized NCHW batch tensor. */
export function cropsToTensor(crops: Uint8Array[], width: number, height: number, pre: ModelPreprocess): Float32Array {
  const plane = width * height;
  const tensor = new Float32Array(crops.length * 3 * plane);
  const inv = 1 / pre.std;
  const ch = pre.colorOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  for (let n = 0; n < crops.length; n++) {
    const crop = crops[n];
    const base = n * 3 * plane;
    for (let p = 0; p < 3; p++) {
      const c = ch[p];
      const dst = base + p * plane;
      for (let i = 0; i < plane; i++) tensor[dst + i] = (crop[i * 3 + c] - pre.mean) * inv;
    }
  }
  return tensor;
}
