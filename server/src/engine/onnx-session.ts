import * as ort from 'onnxruntime-node';

export type ProviderName = 'cpu' | 'cuda' | 'tensorrt' | 'webgpu';
export const PROVIDER_NAMES: readonly ProviderName[] = ['cpu', 'cuda', 'tensorrt', 'webgpu'];

export interface SessionConfig {
  /** Tried in order; CPU is always appended as the last resort because onnxruntime-node never falls back by itself. */
  providers: ProviderName[];
  /** Intra-op threads per session (CPU kernels). */
  threads: number;
  deviceId?: number;
  /** TensorRT engine cache directory. */
  trtCacheDir?: string;
  /** GPU memory limit in bytes for the CUDA provider. */
  gpuMemLimit?: number;
}

export interface OpenedSession {
  session: ort.InferenceSession;
  provider: ProviderName;
  /** Why earlier providers were skipped, one line each. */
  fallbacks: string[];
}

function providerOption(name: ProviderName, cfg: SessionConfig): ort.InferenceSession.ExecutionProviderConfig {
  switch (name) {
    case 'cuda':
      return { name: 'cuda', deviceId: cfg.deviceId ?? 0, ...(cfg.gpuMemLimit ? { gpuMemLimit: cfg.gpuMemLimit } : {}) } as ort.InferenceSession.ExecutionProviderConfig;
    case 'tensorrt':
      return {
        name: 'tensorrt',
        deviceId: cfg.deviceId ?? 0,
        ...(cfg.trtCacheDir ? { trtEngineCacheEnable: true, trtEngineCachePath: cfg.trtCacheDir } : {}),
      } as ort.InferenceSession.ExecutionProviderConfig;
    default:
      return name;
  }
}

export function parseProviders(value: string | undefined): ProviderName[] {
  if (!value) return ['cpu'];
  const names = value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const n of names) {
    if (!PROVIDER_NAMES.includes(n as ProviderName)) {
      throw new Error(`unknown execution provider "${n}" (expected one of ${PROVIDER_NAMES.join(', ')})`);
    }
  }
  return names as ProviderName[];
}

/**
 * Open an ONNX session on the first provider that both loads and passes `probe` (a trial run).
 * A provider can load and still fail on the first run (e.g. WebGPU without an adapter), hence the probe.
 */
export async function openSession(
  file: string,
  cfg: SessionConfig,
  probe?: (session: ort.InferenceSession) => Promise<void>,
): Promise<OpenedSession> {
  const order = [...cfg.providers.filter((p) => p !== 'cpu'), 'cpu' as const];
  const fallbacks: string[] = [];
  for (const provider of order) {
    let session: ort.InferenceSession | undefined;
    try {
      session = await ort.InferenceSession.create(file, {
        executionProviders: [providerOption(provider, cfg)],
        intraOpNumThreads: cfg.threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        // Detector and recognizer each own a thread pool; spinning idle pools steal the cores the other one needs.
        extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
        // 3 = errors only: some detectors declare static output shapes and warn on every run at other sizes.
        logSeverityLevel: 3,
      });
      if (probe) await probe(session);
      return { session, provider, fallbacks };
    } catch (err) {
      await session?.release().catch(() => undefined);
      const msg = (err as Error).message.split('\n')[0];
      if (provider === 'cpu') throw new Error(`cannot load ${file} on CPU: ${msg}`);
      fallbacks.push(`${provider} unavailable (${msg})`);
    }
  }
  throw new Error('unreachable');
}
