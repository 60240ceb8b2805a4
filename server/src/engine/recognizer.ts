import * as ort from 'onnxruntime-node';
import type { ResolvedModel } from '../models/manifest.js';
import { cropsToTensor } from './image-tensor.js';
import { openSession, type ProviderName, type SessionConfig } from './onnx-session.js';
import { EngineError } from './types.js';
import { l2normalize } from './vector.js';

export interface EmbedTiming {
  prepMs: number;
  runMs: number;
}

/** ArcFace-style recognizer: aligned RGB crops in, L2-normalized embeddings out, batched as far as the file allows. */
export class Recognizer {
  private constructor(
    readonly model: ResolvedModel,
    readonly session: ort.InferenceSession,
    readonly provider: ProviderName,
    readonly fallbacks: string[],
    private readonly inputName: string,
    private readonly outputName: string,
    readonly inputSize: number,
    /** Largest batch one run may take: 1 for fixed-batch exports. */
    readonly maxBatch: number,
    readonly dim: number,
  ) {}

  static async open(model: ResolvedModel, cfg: SessionConfig, maxBatch = 32): Promise<Recognizer> {
    const file = model.spec.file;
    let meta: { input: string; output: string; size: number; batch: number; dim: number } | undefined;
    const probe = async (session: ort.InferenceSession) => {
      const inMeta = session.inputMetadata[0];
      const shape = inMeta?.isTensor ? inMeta.shape : [];
      if (session.inputNames.length !== 1 || shape.length !== 4 || shape[1] !== 3 || shape[2] !== shape[3] || typeof shape[2] !== 'number') {
        throw new EngineError('MODEL_MISMATCH', `${file}: input shape [${shape.join(',')}] does not fit a recognizer (expected [N,3,S,S])`);
      }
      const size = shape[2];
      const batch = typeof shape[0] === 'number' && shape[0] > 0 ? shape[0] : maxBatch;
      const x = new ort.Tensor('float32', new Float32Array(3 * size * size), [1, 3, size, size]);
      const out = await session.run({ [session.inputNames[0]]: x });
      const name = session.outputNames[0];
      const dims = out[name].dims;
      if (dims.length !== 2 || dims[0] !== 1 || dims[1] < 64) {
        throw new EngineError('MODEL_MISMATCH', `${file}: output shape [${dims.join(',')}] does not fit a recognizer (expected [N,D])`);
      }
      meta = { input: session.inputNames[0], output: name, size, batch, dim: dims[1] };
    };
    let opened;
    try {
      opened = await openSession(model.path, cfg, probe);
    } catch (err) {
      if (err instanceof EngineError) throw err;
      throw new EngineError('MODEL_MISMATCH', `${file}: ${(err as Error).message}`);
    }
    const m = meta!;
    if (model.spec.embeddingSize && model.spec.embeddingSize !== m.dim) {
      throw new EngineError('MODEL_MISMATCH', `${file}: produces ${m.dim}-d embeddings, manifest says ${model.spec.embeddingSize}`);
    }
    return new Recognizer(model, opened.session, opened.provider, opened.fallbacks, m.input, m.output, m.size, Math.min(m.batch, maxBatch), m.dim);
  }

  /** Embed aligned crops (interleaved RGB, inputSize²). */
  async embed(crops: Uint8Array[], timing?: EmbedTiming): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    const s = this.inputSize;
    for (let start = 0; start < crops.length; start += this.maxBatch) {
      const t0 = performance.now();
      const chunk = crops.slice(start, start + this.maxBatch);
      const tensor = cropsToTensor(chunk, s, s, this.model.spec.preprocess);
      const t1 = performance.now();
      const res = await this.session.run({ [this.inputName]: new ort.Tensor('float32', tensor, [chunk.length, 3, s, s]) });
      const t2 = performance.now();
      const data = res[this.outputName].data as Float32Array;
      for (let i = 0; i < chunk.length; i++) out.push(l2normalize(data.slice(i * this.dim, (i + 1) * this.dim)));
      if (timing) {
        timing.prepMs += t1 - t0 + (performance.now() - t2);
        timing.runMs += t2 - t1;
      }
    }
    return out;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
