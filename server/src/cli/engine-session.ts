import { engineSettings, poolConfig, type EngineSettings } from '../config.js';
import { engineSummary } from '../engine/engine-summary.js';
import { InferencePool } from '../engine/worker-pool.js';

/** Start the inference pool for a CLI command and say on stderr what it runs on. */
export async function startEngine(opts: { recognizer: boolean; settings?: EngineSettings }): Promise<{ pool: InferencePool; settings: EngineSettings }> {
  const settings = opts.settings ?? engineSettings();
  const pool = await InferencePool.start(poolConfig(settings, opts));
  for (const line of engineSummary(pool.info, settings.workers, settings.threads)) process.stderr.write(`${line}\n`);
  return { pool, settings };
}
