import type { ResolvedModel } from '../models/manifest.js';
import { alignFace } from './align.js';
import type { SessionConfig } from './onnx-session.js';
import { faceQuality } from './quality.js';
import { Recognizer } from './recognizer.js';
import { ScrfdDetector } from './scrfd-detector.js';
import type { DetectOptions, Face, RgbImage } from './types.js';

export interface AnalyzerConfig {
  detector: ResolvedModel;
  /** Absent: detection and quality only. */
  recognizer?: ResolvedModel;
  session: SessionConfig;
  /** Upper bound on the recognizer batch (the file may allow less). */
  maxBatch?: number;
}

export interface AnalyzeOptions extends DetectOptions {
  embed?: boolean;
  /** Return each face's aligned crop (the live pipeline embeds only the faces its tracks need, later). */
  crops?: boolean;
}

/** Milliseconds per stage, summed over calls; "run" is time inside onnxruntime. */
export interface StageTiming {
  detectPrepMs: number;
  detectRunMs: number;
  detectPostMs: number;
  alignMs: number;
  embedPrepMs: number;
  embedRunMs: number;
}

export const emptyTiming = (): StageTiming => ({
  detectPrepMs: 0,
  detectRunMs: 0,
  detectPostMs: 0,
  alignMs: 0,
  embedPrepMs: 0,
  embedRunMs: 0,
});

export interface AnalyzerInfo {
  detector: { file: string; provider: string; fallbacks: string[]; fixedSize?: [number, number] };
  recognizer?: { file: string; provider: string; fallbacks: string[]; maxBatch: number; dim: number };
}

/** Detect → align → quality → embed on the calling thread. Runs inside inference workers. */
export class FaceAnalyzer {
  private constructor(
    readonly detector: ScrfdDetector,
    readonly recognizer: Recognizer | undefined,
  ) {}

  static async open(cfg: AnalyzerConfig): Promise<FaceAnalyzer> {
    const detector = await ScrfdDetector.open(cfg.detector, cfg.session);
    const recognizer = cfg.recognizer ? await Recognizer.open(cfg.recognizer, cfg.session, cfg.maxBatch) : undefined;
    return new FaceAnalyzer(detector, recognizer);
  }

  info(): AnalyzerInfo {
    const d = this.detector;
    const r = this.recognizer;
    return {
      detector: { file: d.model.spec.file, provider: d.provider, fallbacks: d.fallbacks, fixedSize: d.fixedSize },
      recognizer: r && { file: r.model.spec.file, provider: r.provider, fallbacks: r.fallbacks, maxBatch: r.maxBatch, dim: r.dim },
    };
  }

  async analyze(img: RgbImage, opts: AnalyzeOptions = {}, timing = emptyTiming()): Promise<Face[]> {
    const det = { prepMs: 0, runMs: 0, postMs: 0 };
    const faces = await this.detector.detect(img, opts, det);
    timing.detectPrepMs += det.prepMs;
    timing.detectRunMs += det.runMs;
    timing.detectPostMs += det.postMs;
    const t0 = performance.now();
    const crops = faces.map((f) => alignFace(img, f.landmarks));
    faces.forEach((f, i) => (f.quality = faceQuality(f, crops[i], 112)));
    timing.alignMs += performance.now() - t0;
    if (opts.embed && faces.length > 0) {
      const embeddings = await this.embedAligned(crops, timing);
      faces.forEach((f, i) => (f.embedding = embeddings[i]));
    }
    if (opts.crops) faces.forEach((f, i) => (f.crop = crops[i]));
    return faces;
  }

  async embedAligned(crops: Uint8Array[], timing = emptyTiming()): Promise<Float32Array[]> {
    if (!this.recognizer) throw new Error('no recognizer configured');
    const t = { prepMs: 0, runMs: 0 };
    const out = await this.recognizer.embed(crops, t);
    timing.embedPrepMs += t.prepMs;
    timing.embedRunMs += t.runMs;
    return out;
  }

  async release(): Promise<void> {
    await this.detector.release();
    await this.recognizer?.release();
  }
}
