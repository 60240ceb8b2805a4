import { parseArgs } from 'node:util';
import { readImageFile } from '../engine/image-decode.js';
import { cosine } from '../engine/vector.js';
import { EngineError } from '../engine/types.js';
import { fittedDetSize } from '../engine/scrfd-detector.js';
import { DEFAULT_VERIFY_THRESHOLD } from '../engine/verification.js';
import { startEngine } from './engine-session.js';
import { positiveInt, unitFloat, UsageError } from './usage.js';

export const VERIFY_USAGE = `Usage: boostface verify [--threshold T] [--det-size N] IMAGE_A IMAGE_B
  Compare the main face (largest and most central) of two images. Prints one JSON object:
  {"a": ..., "b": ..., "similarity": cosine, "threshold": T, "same": true|false}
  --det-size N    detector input size (default: the configured size, never larger than the image)
  --threshold T   decision threshold on cosine similarity (default ${DEFAULT_VERIFY_THRESHOLD}, calibrated on LFW; see docs/accuracy.md)
Exit status: 0 compared, 1 an image could not be analyzed or holds no face, 2 usage error.`;

export async function verifyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { threshold: { type: 'string' }, 'det-size': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(VERIFY_USAGE + '\n');
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError('verify needs exactly two images');
  const threshold = unitFloat('--threshold', values.threshold) ?? DEFAULT_VERIFY_THRESHOLD;
  const detSize = positiveInt('--det-size', values['det-size']);
  const { pool, settings } = await startEngine({ recognizer: true });
  try {
    const embeddings: Float32Array[] = [];
    for (const file of positionals) {
      try {
        const img = await readImageFile(file, settings.maxPixels);
        const { faces } = await pool.analyze(img, { embed: true, maxFaces: 1, detSize: detSize ?? fittedDetSize(img, settings.detSize) }, true);
        if (faces.length === 0 || !faces[0].embedding) throw new EngineError('NO_FACE', 'no face found');
        embeddings.push(faces[0].embedding);
      } catch (err) {
        const code = err instanceof EngineError ? err.code : 'ENGINE_FAILURE';
        process.stdout.write(JSON.stringify({ path: file, error: { code, message: (err as Error).message } }) + '\n');
        process.stderr.write(`verify: ${file}: ${(err as Error).message}\n`);
        return 1;
      }
    }
    const similarity = cosine(embeddings[0], embeddings[1]);
    process.stdout.write(
      JSON.stringify({ a: positionals[0], b: positionals[1], similarity: Math.round(similarity * 1e5) / 1e5, threshold, same: similarity >= threshold }) + '\n',
    );
    return 0;
  } finally {
    await pool.close();
  }
}
