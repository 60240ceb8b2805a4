import * as ort from 'onnxruntime-node';
import type { ResolvedModel } from '../models/manifest.js';
import { letterboxTensor } from './image-tensor.js';
import { nms } from './nms.js';
import { openSession, type ProviderName, type SessionConfig } from './onnx-session.js';
import { EngineError, type Box, type DetectOptions, type Face, type Point, type RgbImage } from './types.js';

export const DEFAULT_DET_SIZE = 640;
export const DEFAULT_SCORE_THRESHOLD = 0.5;
export const DEFAULT_NMS_THRESHOLD = 0.4;

/** Where each stride's score, box and keypoint tensors are among the model's outputs (by name). */
interface HeadLayout {
  strides: number[];
  anchorsPerCell: number;
  scores: string[];
  boxes: string[];
  keypoints: string[];
}

export interface DetectTiming {
  prepMs: number;
  runMs: number;
  postMs: number;
}

function modelError(file: string, msg: string): EngineError {
  return new EngineError('MODEL_MISMATCH', `${file}: ${msg}`);
}

function tensorShape(meta: ort.InferenceSession.ValueMetadata): ReadonlyArray<number | string> {
  return meta.isTensor ? meta.shape : [];
}

/**
 * Group outputs into score/box/keypoint heads. The last dimension tells the kind (1, 4, 10) when the file declares
 * shapes; otherwise insightface's export order (scores×n, boxes×n, keypoints×n, strides ascending) is assumed.
 * Output names are numeric strings, so JS object key order must never be used for this.
 */
export function headLayout(file: string, outputs: readonly ort.InferenceSession.ValueMetadata[]): HeadLayout {
  const n = outputs.length;
  if (n === 6 || n === 10) throw modelError(file, 'detector has no keypoint outputs; alignment needs the 5-point head (use a *_kps / bnkps export)');
  if (n !== 9 && n !== 15) throw modelError(file, `expected 9 or 15 outputs for an SCRFD detector with keypoints, found ${n}`);
  const fmc = n / 3;
  const byLastDim = (d: number) => outputs.filter((o) => tensorShape(o).at(-1) === d).map((o) => o.name);
  let scores = byLastDim(1);
  let boxes = byLastDim(4);
  let keypoints = byLastDim(10);
  if (scores.length !== fmc || boxes.length !== fmc || keypoints.length !== fmc) {
    const names = outputs.map((o) => o.name);
    scores = names.slice(0, fmc);
    boxes = names.slice(fmc, 2 * fmc);
    keypoints = names.slice(2 * fmc);
  }
  return fmc === 3
    ? { strides: [8, 16, 32], anchorsPerCell: 2, scores, boxes, keypoints }
    : { strides: [8, 16, 32, 64, 128], anchorsPerCell: 1, scores, boxes, keypoints };
}

interface Candidate {
  box: Box;
  score: number;
  landmarks: Point[];
}

/** SCRFD face detector (500M / 2.5G / 10G with keypoints), insightface-compatible pre- and post-processing. */
export class ScrfdDetector {
  /** Free input buffers per input size; a buffer is taken out while its run is in flight. */
  private freeBuffers = new Map<string, Float32Array[]>();

  private constructor(
    readonly model: ResolvedModel,
    readonly session: ort.InferenceSession,
    readonly provider: ProviderName,
    readonly fallbacks: string[],
    private readonly inputName: string,
    /** [width, height] when the file fixes its input size. */
    readonly fixedSize: [number, number] | undefined,
    private readonly layout: HeadLayout,
  ) {}

  static async open(model: ResolvedModel, cfg: SessionConfig): Promise<ScrfdDetector> {
    if (model.spec.family !== 'scrfd') {
      throw modelError(model.spec.file, `detector family "${model.spec.family}" is not supported (supported: scrfd)`);
    }
    let layout: HeadLayout | undefined;
    let fixed: [number, number] | undefined;
    let inputName = '';
    const probe = async (session: ort.InferenceSession) => {
      const input = session.inputMetadata[0];
      const shape = input ? tensorShape(input) : [];
      if (session.inputNames.length !== 1 || (shape.length > 0 && (shape.length !== 4 || shape[1] !== 3))) {
        throw modelError(model.spec.file, `input shape [${shape.join(',')}] does not fit a detector (expected [1,3,H,W])`);
      }
      inputName = session.inputNames[0];
      const [h, w] = [shape[2], shape[3]];
      fixed = typeof h === 'number' && typeof w === 'number' && h > 0 && w > 0 ? [w, h] : undefined;
      layout = headLayout(model.spec.file, session.outputMetadata);
      const [pw, ph] = fixed ?? [64, 64];
      await session.run({ [inputName]: new ort.Tensor('float32', new Float32Array(3 * pw * ph), [1, 3, ph, pw]) });
    };
    let opened;
    try {
      opened = await openSession(model.path, cfg, probe);
    } catch (err) {
      if (err instanceof EngineError) throw err;
      throw modelError(model.spec.file, (err as Error).message);
    }
    return new ScrfdDetector(model, opened.session, opened.provider, opened.fallbacks, inputName, fixed, layout!);
  }

  inputSize(detSize?: number): [number, number] {
    if (this.fixedSize) return this.fixedSize;
    const size = detSize ?? this.model.spec.input.defaultSize ?? DEFAULT_DET_SIZE;
    if (!Number.isInteger(size) || size < 32 || size > 4096 || size % 32 !== 0) {
      throw new EngineError('BAD_DET_SIZE', `detector input size must be a multiple of 32 between 32 and 4096, got ${size}`);
    }
    return [size, size];
  }

  async detect(img: RgbImage, opts: DetectOptions = {}, timing?: DetectTiming): Promise<Face[]> {
    const t0 = performance.now();
    const [w, h] = this.inputSize(opts.detSize);
    const key = `${w}x${h}`;
    const free = this.freeBuffers.get(key) ?? [];
    this.freeBuffers.set(key, free);
    const { tensor, scale } = letterboxTensor(img, w, h, this.model.spec.preprocess, free.pop());
    const t1 = performance.now();
    let out: ort.InferenceSession.ReturnType;
    try {
      out = await this.session.run({ [this.inputName]: new ort.Tensor('float32', tensor, [1, 3, h, w]) });
    } finally {
      free.push(tensor);
    }
    const t2 = performance.now();
    const faces = this.decode(out, w, h, scale, img, opts);
    if (timing) {
      timing.prepMs += t1 - t0;
      timing.runMs += t2 - t1;
      timing.postMs += performance.now() - t2;
    }
    return faces;
  }

  private decode(out: ort.InferenceSession.ReturnType, w: number, h: number, scale: number, img: RgbImage, opts: DetectOptions): Face[] {
    const threshold = opts.scoreThreshold ?? DEFAULT_SCORE_THRESHOLD;
    const { strides, anchorsPerCell: A } = this.layout;
    const cands: Candidate[] = [];
    strides.forEach((stride, k) => {
      const scores = out[this.layout.scores[k]].data as Float32Array;
      const dist = out[this.layout.boxes[k]].data as Float32Array;
      const kps = out[this.layout.keypoints[k]].data as Float32Array;
      const cols = Math.ceil(w / stride);
      const expected = cols * Math.ceil(h / stride) * A;
      if (scores.length !== expected) {
        throw modelError(this.model.spec.file, `stride ${stride} head has ${scores.length} anchors, expected ${expected}`);
      }
      for (let i = 0; i < scores.length; i++) {
        const score = scores[i];
        if (score < threshold) continue;
        const cell = Math.floor(i / A);
        const cx = (cell % cols) * stride;
        const cy = Math.floor(cell / cols) * stride;
        const d = i * 4;
        const box: Box = [
          (cx - dist[d] * stride) / scale,
          (cy - dist[d + 1] * stride) / scale,
          (cx + dist[d + 2] * stride) / scale,
          (cy + dist[d + 3] * stride) / scale,
        ];
        const landmarks: Point[] = [];
        for (let p = 0; p < 5; p++) {
          const o = i * 10 + p * 2;
          landmarks.push([(cx + kps[o] * stride) / scale, (cy + kps[o + 1] * stride) / scale]);
        }
        cands.push({ box, score, landmarks });
      }
    });
    cands.sort((a, b) => b.score - a.score);
    const keep = nms(
      cands.map((c) => c.box),
      opts.nmsThreshold ?? DEFAULT_NMS_THRESHOLD,
    );
    const faces: Face[] = keep.map((i) => cands[i]);
    return opts.maxFaces && opts.maxFaces > 0 ? selectMainFaces(faces, img.width, img.height, opts.maxFaces) : faces;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/**
 * Detector input size that does not upscale small images: the letterbox would otherwise enlarge close-up faces
 * past the largest anchors (on 250 px LFW portraits, 640 misses 6 of 1,366 faces; 256 misses none). Used where one
 * main face is wanted (verification); `analyze` keeps the configured size, as insightface does.
 */
export function fittedDetSize(img: { width: number; height: number }, maxSize: number): number {
  return Math.min(maxSize, Math.max(32, Math.ceil(Math.max(img.width, img.height) / 32) * 32));
}

/** insightface's max_num rule: rank by area minus twice the squared distance from the image centre. */
export function selectMainFaces(faces: Face[], width: number, height: number, maxFaces: number): Face[] {
  if (faces.length <= maxFaces) return faces;
  const cx = Math.floor(width / 2);
  const cy = Math.floor(height / 2);
  const value = (f: Face) => {
    const [x1, y1, x2, y2] = f.box;
    const dx = (x1 + x2) / 2 - cx;
    const dy = (y1 + y2) / 2 - cy;
    return (x2 - x1) * (y2 - y1) - 2 * (dx * dx + dy * dy);
  };
  return faces
    .map((f, i) => ({ f, v: value(f), i }))
    .sort((a, b) => b.v - a.v || a.i - b.i)
    .slice(0, maxFaces)
    .map((e) => e.f);
}
