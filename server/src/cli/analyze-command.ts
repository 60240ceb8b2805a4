import { parseArgs } from 'node:util';
import { readImageFile } from '../engine/image-decode.js';
import { EngineError } from '../engine/types.js';
import { startEngine } from './engine-session.js';
import { faceToJson, type FaceJson } from './face-json.js';
import { expandInputs } from './input-files.js';
import { Progress } from './progress.js';
import { positiveInt, UsageError } from './usage.js';

export const ANALYZE_USAGE = `Usage: boostface analyze [--embed] [--det-size N] [--max-faces N] PATH...
  Detect faces in images (directories are searched recursively, files in sorted order) and write one
  JSON object per image per line to stdout. Progress goes to stderr.
  --embed         include the 512-d L2-normalized embedding of every face
  --det-size N    detector input size, a multiple of 32 (default BOOSTFACE_DET_SIZE or 640)
  --max-faces N   keep the N main faces (large and central first); 0 = all
Exit status: 0 all files analyzed, 1 some failed, 2 usage error.`;

type Line = { path: string; width: number; height: number; faces: FaceJson[] } | { path: string; error: { code: string; message: string } };

function write(line: Line): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(JSON.stringify(line) + '\n')) resolve();
    else process.stdout.once('drain', resolve);
  });
}

export async function analyzeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      embed: { type: 'boolean', default: false },
      'det-size': { type: 'string' },
      'max-faces': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(ANALYZE_USAGE + '\n');
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('analyze needs at least one PATH');
  const detSize = positiveInt('--det-size', values['det-size']);
  if (detSize !== undefined && (detSize < 32 || detSize % 32 !== 0)) throw new UsageError(`--det-size must be a positive multiple of 32, got ${detSize}`);
  const maxFaces = positiveInt('--max-faces', values['max-faces']);
  const files = await expandInputs(positionals);
  if (files.length === 0) throw new UsageError('no image files found in the given paths');

  const { pool, settings } = await startEngine({ recognizer: values.embed });
  const options = { embed: values.embed, detSize: detSize ?? settings.detSize, maxFaces };
  const progress = new Progress('analyze', files.length);
  const analyzeOne = async (file: string): Promise<Line> => {
    try {
      const img = await readImageFile(file, settings.maxPixels);
      const { width, height } = img;
      const { faces } = await pool.analyze(img, options, true);
      return { path: file, width, height, faces: faces.map((f) => faceToJson(f, values.embed)) };
    } catch (err) {
      const code = err instanceof EngineError ? err.code : 'ENGINE_FAILURE';
      return { path: file, error: { code, message: (err as Error).message } };
    }
  };
  // Decode ahead of inference but keep a bounded window in flight; print strictly in input order.
  const window = pool.size * 2 + 1;
  const inFlight: Promise<Line>[] = [];
  let next = 0;
  let failed = 0;
  let faceCount = 0;
  try {
    for (let done = 0; done < files.length; done++) {
      while (next < files.length && inFlight.length < window) inFlight.push(analyzeOne(files[next++]));
      const line = await inFlight.shift()!;
      if ('error' in line) failed++;
      else faceCount += line.faces.length;
      await write(line);
      progress.update(done + 1, `${faceCount} faces, ${failed} failed`);
    }
  } finally {
    await pool.close();
  }
  return failed > 0 ? 1 : 0;
}
