#!/usr/bin/env node
// Micro-benchmark of the engine's pixel loops, JavaScript reference vs WebAssembly SIMD (server/dist; run
// "npm run build" first): the detector letterbox to 640x640 from several source sizes, and face alignment to 112x112.
//
//   node bench/preprocess.mjs [--ms 1500]
//
// Prints the median time per call of repeated batches; the two implementations alternate batch by batch so that
// load from other processes affects both alike.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => path.join(ROOT, 'server/dist', p);
if (!existsSync(dist('engine/simd/preprocess.wasm'))) {
  console.error('bench: server is not built; run "npm run build" first');
  process.exit(2);
}
const { letterboxTensor, letterboxTensorJs } = await import(dist('engine/image-tensor.js'));
const { alignFace, warpAffineJs, estimateSimilarity, ARCFACE_TEMPLATE } = await import(dist('engine/align.js'));
const { preprocessBackend, preprocessCalls } = await import(dist('engine/simd/preprocess-wasm.js'));
if (preprocessBackend.kind !== 'wasm-simd') {
  console.error(`bench: WebAssembly kernels not in use: ${preprocessBackend.reason}`);
  process.exit(2);
}
const { values: args } = parseArgs({ options: { ms: { type: 'string', default: '1500' } } });
const BUDGET = Number(args.ms);

let seed = 12345;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
function image(width, height) {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (rand() * 256) | 0;
  return { data, width, height };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Median ms per call of batches of `batch` calls, for each of the functions, alternating batches. */
function compare(fns, batch) {
  for (const f of fns) for (let i = 0; i < batch * 3; i++) f(); // warm-up (JIT, wasm memory growth)
  const times = fns.map(() => []);
  const end = performance.now() + BUDGET;
  while (performance.now() < end || times[0].length < 5) {
    fns.forEach((f, k) => {
      const t0 = performance.now();
      for (let i = 0; i < batch; i++) f();
      times[k].push((performance.now() - t0) / batch);
    });
  }
  return times.map(median);
}

const pre = { colorOrder: 'RGB', mean: 127.5, std: 128 };
const fmt = (ms, unit = 'ms') => (unit === 'us' ? `${(ms * 1000).toFixed(1)} us` : `${ms.toFixed(3)} ms`);
console.log(`preprocess micro-benchmark (node ${process.version}, ${preprocessBackend.reason})`);
console.log('letterbox to 640x640, RGB mean 127.5 std 128, output buffer reused (as the detector does)');
console.log(`  ${'source'.padEnd(12)} ${'JavaScript'.padStart(12)} ${'WASM SIMD'.padStart(12)} speed-up`);
for (const [w, h] of [[2000, 1428], [1126, 661], [500, 375], [250, 250]]) {
  const img = image(w, h);
  const out = new Float32Array(3 * 640 * 640);
  const [js, wasm] = compare([() => letterboxTensorJs(img, 640, 640, pre, out), () => letterboxTensor(img, 640, 640, pre, out)], 4);
  console.log(`  ${`${w}x${h}`.padEnd(12)} ${fmt(js).padStart(12)} ${fmt(wasm).padStart(12)} ${(js / wasm).toFixed(1)}x`);
}

console.log('alignFace to 112x112 (per face; source 2000x1428, rotated 12 degrees)');
console.log(`  ${'face width'.padEnd(12)} ${'JavaScript'.padStart(12)} ${'WASM SIMD'.padStart(12)} speed-up`);
const scene = image(2000, 1428);
for (const faceWidth of [40, 100, 250, 500, 1000]) {
  const s = faceWidth / 112, th = (12 * Math.PI) / 180;
  const lm = ARCFACE_TEMPLATE.map(([x, y]) => {
    const u = (x - 56) * s, v = (y - 56) * s;
    return [1000 + u * Math.cos(th) - v * Math.sin(th), 714 + u * Math.sin(th) + v * Math.cos(th)];
  });
  const before = preprocessCalls.warp;
  const [js, wasm] = compare([() => warpAffineJs(scene, estimateSimilarity(lm, ARCFACE_TEMPLATE), 112, 112), () => alignFace(scene, lm)], 50);
  const path = preprocessCalls.warp > before ? '' : ' (JavaScript: source region too large to copy)';
  console.log(`  ${`${faceWidth} px`.padEnd(12)} ${fmt(js, 'us').padStart(12)} ${fmt(wasm, 'us').padStart(12)} ${(js / wasm).toFixed(1)}x${path}`);
}
