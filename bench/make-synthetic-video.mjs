#!/usr/bin/env node
// Synthetic face video with ground truth, for tracking tests (server/src/eval/synthetic-video.ts).
//
//   npm run build -w server && node bench/make-synthetic-video.mjs [--out DIR] [--scenario default|short|random]
//       [--seed N] [--shared DIR]
//
// Writes DIR/<scenario>.mp4 and DIR/<scenario>.gt.json (default DIR: bench/out/synthetic) and prints their paths as
// JSON on stdout; progress on stderr. The engine's detector (BOOSTFACE_* settings; models from the shared folder
// unless BOOSTFACE_MODELS is set) measures the face box of every source photograph.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => path.join(ROOT, 'server/dist', p);
if (!existsSync(dist('eval/synthetic-video.js'))) {
  console.error('make-synthetic-video: server is not built; run "npm run build -w server" first');
  process.exit(2);
}
const { generateSyntheticVideo } = await import(dist('eval/synthetic-video.js'));
const { scenarioByName } = await import(dist('eval/synthetic-scenarios.js'));

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: path.join(ROOT, 'bench/out/synthetic') },
    scenario: { type: 'string', default: 'default' },
    seed: { type: 'string', default: '1' },
    shared: { type: 'string' },
  },
});

const log = (m) => process.stderr.write(`make-synthetic-video: ${m}\n`);
try {
  const seed = Number(args.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got "${args.seed}"`);
  const scenario = scenarioByName(args.scenario, seed);
  const t0 = performance.now();
  const { videoPath, gtPath, truth } = await generateSyntheticVideo(scenario, path.resolve(args.out), {
    sharedDir: args.shared && path.resolve(args.shared),
    log,
  });
  log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const required = truth.boxes.filter((b) => b.required).length;
  process.stdout.write(JSON.stringify({ videoPath, gtPath, frames: truth.frames, actors: truth.actors.length, boxes: truth.boxes.length, required }) + '\n');
} catch (err) {
  log(err.message);
  process.exitCode = 1;
}
