import type { AnalyzeOptions, AnalyzerInfo, StageTiming } from './face-analyzer.js';
import type { Face, RgbImage } from './types.js';

export type WorkerRequest =
  | { id: number; op: 'analyze'; image: RgbImage; options: AnalyzeOptions }
  | { id: number; op: 'embed'; crops: Uint8Array[] }
  | { id: number; op: 'close' };

export type WorkerResponse =
  | { id: number; ok: true; info: AnalyzerInfo }
  | { id: number; ok: true; faces: Face[]; timing: StageTiming }
  | { id: number; ok: true; embeddings: Float32Array[]; timing: StageTiming }
  | { id: number; ok: false; error: { code: string; message: string } };
