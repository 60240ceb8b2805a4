import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AnalyzeOptions, AnalyzerConfig, AnalyzerInfo, StageTiming } from './face-analyzer.js';
import { EngineError, type Face, type RgbImage } from './types.js';
import type { WorkerRequest, WorkerResponse } from './worker-protocol.js';

export interface PoolConfig extends AnalyzerConfig {
  /** Worker threads, each with its own sessions; keep workers × session.threads ≤ cores. */
  workers: number;
  /** Niceness of the worker threads and the onnxruntime threads they start (Linux: per thread); default 0. */
  nice?: number;
}

type Job = {
  req: WorkerRequest;
  transfer: ArrayBuffer[];
  resolve: (r: WorkerResponse & { ok: true }) => void;
  reject: (e: Error) => void;
};

interface Slot {
  worker: Worker;
  job?: Job;
}

/**
 * The compiled worker sits beside this module in dist/. Under vitest this module runs from src/ as TypeScript,
 * where worker threads cannot load .ts, so the build output is used (the test command builds first).
 */
function workerUrl(): URL {
  const sibling = new URL('./inference-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(sibling))) return sibling;
  const built = new URL('../../dist/engine/inference-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error(`inference worker not built: run "npm run build" (looked for ${fileURLToPath(built)})`);
}

/** A fixed set of inference worker threads fed from one FIFO queue; a crashed worker is replaced. */
export class InferencePool {
  private slots: Slot[] = [];
  private queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  info!: AnalyzerInfo;

  private constructor(private readonly cfg: PoolConfig) {}

  static async start(cfg: PoolConfig): Promise<InferencePool> {
    const pool = new InferencePool(cfg);
    const n = Math.max(1, cfg.workers);
    try {
      for (let i = 0; i < n; i++) pool.slots.push(await pool.spawn());
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  private spawn(): Promise<Slot> {
    return new Promise((resolve, reject) => {
      const { workers: _n, ...analyzerCfg } = this.cfg;
      const worker = new Worker(workerUrl(), { workerData: analyzerCfg });
      const slot: Slot = { worker };
      let ready = false;
      worker.on('message', (msg: WorkerResponse) => {
        if (!ready) {
          ready = true;
          if (msg.ok && 'info' in msg) {
            this.info = msg.info;
            resolve(slot);
          } else {
            void worker.terminate();
            reject(msg.ok ? new Error('bad worker handshake') : new EngineError(msg.error.code, msg.error.message));
          }
          return;
        }
        const job = slot.job;
        slot.job = undefined;
        if (job) {
          if (msg.ok) job.resolve(msg);
          else job.reject(new EngineError(msg.error.code, msg.error.message));
        }
        this.pump();
      });
      worker.on('error', (err) => {
        if (!ready) {
          ready = true;
          reject(err);
        }
      });
      worker.on('exit', (code) => {
        const job = slot.job;
        slot.job = undefined;
        job?.reject(new EngineError('ENGINE_FAILURE', `inference worker exited (code ${code})`));
        if (!ready || this.closed) return;
        // Replace the dead worker so the pool keeps its size.
        const idx = this.slots.indexOf(slot);
        this.spawn().then(
          (s) => {
            if (idx >= 0) this.slots[idx] = s;
            this.pump();
          },
          () => undefined,
        );
      });
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.job || this.queue.length === 0) continue;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.worker.postMessage(job.req, job.transfer);
    }
  }

  private submit(req: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<WorkerResponse & { ok: true }> {
    if (this.closed) return Promise.reject(new EngineError('UNAVAILABLE', 'inference pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ req, transfer, resolve, reject });
      this.pump();
    });
  }

  /** Jobs queued or running. */
  get pending(): number {
    return this.queue.length + this.slots.filter((s) => s.job).length;
  }

  get size(): number {
    return this.slots.length;
  }

  /** Detect (and optionally embed) faces. With transfer, the image buffer moves to the worker and is unusable here after. */
  async analyze(image: RgbImage, options: AnalyzeOptions = {}, transfer = false): Promise<{ faces: Face[]; timing: StageTiming }> {
    const res = await this.submit({ id: this.nextId++, op: 'analyze', image, options }, transfer ? [image.data.buffer as ArrayBuffer] : []);
    if (!('faces' in res)) throw new Error('unexpected worker reply');
    return { faces: res.faces, timing: res.timing };
  }

  /** Embed aligned crops (interleaved RGB at the recognizer's input size). */
  async embed(crops: Uint8Array[]): Promise<{ embeddings: Float32Array[]; timing: StageTiming }> {
    const res = await this.submit({ id: this.nextId++, op: 'embed', crops });
    if (!('embeddings' in res)) throw new Error('unexpected worker reply');
    return { embeddings: res.embeddings, timing: res.timing };
  }

  /**
   * Refuse new work, reject what is queued, let running jobs finish (up to `graceMs`), then stop the workers.
   * Terminating a worker inside onnxruntime's run aborts the whole process, so the grace period matters.
   */
  async close(graceMs = 10_000): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new EngineError('UNAVAILABLE', 'inference pool closed'));
    const deadline = Date.now() + graceMs;
    while (this.slots.some((s) => s.job) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots = [];
  }
}
