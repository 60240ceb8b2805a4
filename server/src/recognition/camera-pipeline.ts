/**
 * One camera's path through the engine: frame → detection (inference pool, with aligned crops) → the camera's
 * TrackRecognizer. Frames are handled one at a time per camera; the caller decides which frames (the live frame
 * scheduler drops stale ones, offline processing takes every frame).
 */
import { fittedDetSize } from '../engine/scrfd-detector.js';
import type { InferencePool } from '../engine/worker-pool.js';
import { frameSignature, signatureDistance } from './shot-cut.js';
import type { CameraFrame, TrackRecognizer } from './track-recognizer.js';

export interface CameraPipelineOptions {
  detSize: number;
  /** Duration of one nominal frame interval for the tracker's motion model (ms); typically 1000 / source fps. */
  frameIntervalMs: number;
  /** Minimum detector score for a face to be tracked. */
  minScore?: number;
  /**
   * Thumbnail distance (mean absolute grey difference, 0..255) from the previous frame at which all tracks end: a shot
   * cut. Measured on the shared clips: cuts 26-30, motion within a shot at most 12.8 (pans), 1-3 typical. 0 disables.
   */
  cutThreshold?: number;
  /** Told the detection time of every frame (metrics). */
  onDetect?: (ms: number) => void;
}

export interface PipelineStats {
  frames: number;
  faces: number;
  cuts: number;
  /** Detection time (submit → result), ms, for the last frames. */
  detectMs: number[];
}

const KEEP_SAMPLES = 512;
export const DEFAULT_CUT_THRESHOLD = 20;

export class CameraPipeline {
  private lastTs: number | undefined;
  private lastSignature: Uint8Array | undefined;
  readonly stats: PipelineStats = { frames: 0, faces: 0, cuts: 0, detectMs: [] };

  constructor(
    readonly cameraId: string,
    private readonly pool: InferencePool,
    readonly recognizer: TrackRecognizer,
    private readonly options: CameraPipelineOptions,
  ) {}

  /** Detect and track one frame. The frame's pixels stay usable (snapshots read them): they are copied to the worker. */
  async handle(frame: CameraFrame): Promise<void> {
    const cutThreshold = this.options.cutThreshold ?? DEFAULT_CUT_THRESHOLD;
    if (cutThreshold > 0) {
      const signature = frameSignature(frame.image);
      if (this.lastSignature && signatureDistance(this.lastSignature, signature) >= cutThreshold) {
        this.recognizer.cut();
        this.stats.cuts++;
      }
      this.lastSignature = signature;
    }
    const t0 = performance.now();
    const { faces } = await this.pool.analyze(frame.image, { detSize: fittedDetSize(frame.image, this.options.detSize), crops: true });
    const ms = performance.now() - t0;
    this.options.onDetect?.(ms);
    const kept = this.options.minScore ? faces.filter((f) => f.score >= this.options.minScore!) : faces;
    // dt in nominal intervals from capture times, so that dropped frames advance the motion model by the right amount.
    const dt = this.lastTs === undefined ? 1 : Math.max(0.25, (frame.ts - this.lastTs) / this.options.frameIntervalMs);
    this.lastTs = frame.ts;
    this.recognizer.process(frame, kept, dt);
    this.stats.frames++;
    this.stats.faces += kept.length;
    this.stats.detectMs.push(ms);
    if (this.stats.detectMs.length > KEEP_SAMPLES) this.stats.detectMs.splice(0, this.stats.detectMs.length - KEEP_SAMPLES);
  }

  /** Every frame in order (offline files), then end all tracks and wait for their recognition. */
  async runAll(frames: AsyncIterable<CameraFrame>): Promise<void> {
    for await (const frame of frames) await this.handle(frame);
    await this.recognizer.finish();
  }
}
