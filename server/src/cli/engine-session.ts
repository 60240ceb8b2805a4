import { engineSettings, poolConfig, type EngineSettings } from '../config.js';
import { InferencePool } from '../engine/worker-pool.js';

/** Start the inference pool for a CLI command and say on stderr what it runs on. */
export async function startEngine(opts: { recognizer: boolean; settings?: EngineSettings }): Promise<{ pool: InferencePool; settings: EngineSettings }> {
  const settings = opts.settings ?? engineSettings();
  const pool = await InferencePool.start(poolConfig(settings, opts));
  const { detector, recognizer } = pool.info;
  for (const line of [...detector.fallbacks, ...(recognizer?.fallbacks ?? [])]) process.stderr.write(`engine: ${line}; using CPU\n`);
  process.stderr.write(
    `engine: detector ${detector.file} on ${detector.provider}` +
      (recognizer ? `, recognizer ${recognizer.file} on ${recognizer.provider} (batch ≤ ${recognizer.maxBatch})` : '') +
      `, ${settings.workers} worker(s) x ${settings.threads} thread(s)\n`,
  );
  return { pool, settings };
}
