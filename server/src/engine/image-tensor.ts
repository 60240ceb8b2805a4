import type { ModelPreprocess } from '../models/manifest.js';
import type { RgbImage } from './types.js';

/** Per-axis bilinear sampling plan with OpenCV INTER_LINEAR geometry (half-pixel centres, edge clamp). */
interface AxisPlan {
  i0: Int32Array;
  i1: Int32Array;
  w1: Float32Array;
}

function axisPlan(srcLen: number, dstLen: number): AxisPlan {
  const scale = srcLen / dstLen;
  const i0 = new Int32Array(dstLen);
  const i1 = new Int32Array(dstLen);
  const w1 = new Float32Array(dstLen);
  for (let d = 0; d < dstLen; d++) {
    let f = (d + 0.5) * scale - 0.5;
    let s = Math.floor(f);
    f -= s;
    if (s < 0) {
      s = 0;
      f = 0;
    }
    if (s >= srcLen - 1) {
      s = srcLen - 1;
      f = 0;
    }
    i0[d] = s;
    i1[d] = Math.min(s + 1, srcLen - 1);
    w1[d] = f;
  }
  return { i0, i1, w1 };
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
 */
export function letterboxTensor(img: RgbImage, width: number, height: number, pre: ModelPreprocess, out?: Float32Array): Letterbox {
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
  tensor.fill(pad);
  // Output plane p receives source channel ch[p]; BGR models get the planes swapped.
  const ch = pre.colorOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  const xs = axisPlan(img.width, newW);
  const ys = axisPlan(img.height, newH);
  const src = img.data;
  const rowStride = img.width * 3;
  for (let y = 0; y < newH; y++) {
    const r0 = ys.i0[y] * rowStride;
    const r1 = ys.i1[y] * rowStride;
    const wy = ys.w1[y];
    const o = y * width;
    for (let x = 0; x < newW; x++) {
      const c0 = xs.i0[x] * 3;
      const c1 = xs.i1[x] * 3;
      const wx = xs.w1[x];
      for (let p = 0; p < 3; p++) {
        const c = ch[p];
        const top = src[r0 + c0 + c] + (src[r0 + c1 + c] - src[r0 + c0 + c]) * wx;
        const bot = src[r1 + c0 + c] + (src[r1 + c1 + c] - src[r1 + c0 + c]) * wx;
        const v = Math.round(top + (bot - top) * wy);
        tensor[p * plane + o + x] = (v - pre.mean) * inv;
      }
    }
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
