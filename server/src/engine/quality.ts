import { ARCFACE_TEMPLATE } from './align.js';
import type { Face, FaceQuality, Point } from './types.js';

/** Variance of the 4-neighbour Laplacian of the grey image (interior pixels). Higher is sharper. */
export function laplacianVariance(rgb: Uint8Array, width: number, height: number): number {
  const grey = new Float32Array(width * height);
  for (let i = 0; i < grey.length; i++) grey[i] = 0.299 * rgb[i * 3] + 0.587 * rgb[i * 3 + 1] + 0.114 * rgb[i * 3 + 2];
  let sum = 0, sumSq = 0, n = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const v = grey[i - 1] + grey[i + 1] + grey[i - width] + grey[i + width] - 4 * grey[i];
      sum += v;
      sumSq += v * v;
      n++;
    }
  }
  if (n === 0) return 0;
  const mean = sum / n;
  return sumSq / n - mean * mean;
}

const clamp = (v: number) => Math.max(-1, Math.min(1, v));

/** Where the nose sits between the eye line and the mouth line on the frontal template (about 0.49). */
const TEMPLATE_NOSE_DEPTH = (() => {
  const [le, re, nose, lm, rm] = ARCFACE_TEMPLATE;
  const eyeY = (le[1] + re[1]) / 2;
  return (nose[1] - eyeY) / ((lm[1] + rm[1]) / 2 - eyeY);
})();

/** Yaw, pitch (proxies in -1..1) and roll (degrees) from the 5 landmarks, in the eye-line frame. */
export function poseFromLandmarks(lm: readonly Point[]): { yaw: number; pitch: number; roll: number } {
  const [le, re, nose, ml, mr] = lm;
  const roll = Math.atan2(re[1] - le[1], re[0] - le[0]);
  const cos = Math.cos(-roll), sin = Math.sin(-roll);
  const rot = (p: Point): Point => [p[0] * cos - p[1] * sin, p[0] * sin + p[1] * cos];
  const [l, r, n, a, b] = [le, re, nose, ml, mr].map(rot);
  const eyeMid: Point = [(l[0] + r[0]) / 2, (l[1] + r[1]) / 2];
  const mouthMid: Point = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
  const halfEye = Math.max(1e-6, (r[0] - l[0]) / 2);
  const axisX = (eyeMid[0] + mouthMid[0]) / 2;
  const yaw = clamp((n[0] - axisX) / halfEye);
  const depth = Math.max(1e-6, mouthMid[1] - eyeMid[1]);
  const pitch = clamp(((n[1] - eyeMid[1]) / depth - TEMPLATE_NOSE_DEPTH) / TEMPLATE_NOSE_DEPTH);
  return { yaw, pitch, roll: (roll * 180) / Math.PI };
}

export function faceQuality(face: Face, alignedCrop: Uint8Array | undefined, cropSize: number): FaceQuality {
  const [le, re] = face.landmarks;
  return {
    detScore: face.score,
    interOcular: Math.hypot(re[0] - le[0], re[1] - le[1]),
    faceWidth: face.box[2] - face.box[0],
    blur: alignedCrop ? laplacianVariance(alignedCrop, cropSize, cropSize) : 0,
    ...poseFromLandmarks(face.landmarks),
  };
}
