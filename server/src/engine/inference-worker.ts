/** Worker-thread entry: owns one FaceAnalyzer (its own onnxruntime sessions) so inference never blocks the main loop. */
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { FaceAnalyzer, emptyTiming, type AnalyzerConfig } from './face-analyzer.js';
import { EngineError } from './types.js';
import type { WorkerRequest, WorkerResponse } from './worker-protocol.js';

const port = parentPort!;

function fail(id: number, err: unknown): WorkerResponse {
  const code = err instanceof EngineError ? err.code : 'ENGINE_FAILURE';
  return { id, ok: false, error: { code, message: (err as Error).message } };
}

async function main() {
  // Before the sessions exist, so that onnxruntime's own threads inherit it. On Linux a nice value is per thread:
  // the process' main thread keeps its priority.
  const { nice, ...config } = workerData as AnalyzerConfig & { nice?: number };
  if (nice) {
    try {
      os.setPriority(0, nice);
    } catch {
      // not allowed here (some containers): run at the inherited priority
    }
  }
  let analyzer: FaceAnalyzer;
  try {
    analyzer = await FaceAnalyzer.open(config);
  } catch (err) {
    port.postMessage(fail(0, err));
    return;
  }
  port.postMessage({ id: 0, ok: true, info: analyzer.info() } satisfies WorkerResponse);
  port.on('message', async (req: WorkerRequest) => {
    if (req.op === 'close') {
      await analyzer.release();
      port.close();
      return;
    }
    const timing = emptyTiming();
    try {
      if (req.op === 'analyze') {
        const faces = await analyzer.analyze(req.image, req.options, timing);
        const transfer = faces.flatMap((f) => [f.embedding?.buffer, f.crop?.buffer].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer));
        port.postMessage({ id: req.id, ok: true, faces, timing } satisfies WorkerResponse, transfer);
      } else {
        const embeddings = await analyzer.embedAligned(req.crops, timing);
        port.postMessage({ id: req.id, ok: true, embeddings, timing } satisfies WorkerResponse, embeddings.map((e) => e.buffer as ArrayBuffer));
      }
    } catch (err) {
      port.postMessage(fail(req.id, err));
    }
  });
}

void main();
