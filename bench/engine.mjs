#!/usr/bin/env node
// Face-engine benchmark: per-stage timings and end-to-end throughput of BoostFace on ../shared/data images,
// with the insightface Python reference pipeline (same models, same images, same threads) in the same run.
//
//   npm run bench:engine -- [--threads N] [--repeat N] [--no-reference] [--out FILE]
//
// Figures go to stdout as a table and to bench/out/engine-<time>.json. Progress goes to stderr.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => path.join(ROOT, 'server/dist', p);
if (!existsSync(dist('engine/face-analyzer.js'))) {
  console.error('bench: server is not built; run "npm run build" first');
  process.exit(2);
}
const { FaceAnalyzer, emptyTiming } = await import(dist('engine/face-analyzer.js'));
const { InferencePool } = await import(dist('engine/worker-pool.js'));
const { readImageFile } = await import(dist('engine/image-decode.js'));
const { alignFace } = await import(dist('engine/align.js'));
const { engineSettings, poolConfig } = await import(dist('config.js'));

const { values: args } = parseArgs({
  options: {
    threads: { type: 'string', default: '2' },
    repeat: { type: 'string', default: '2' },
    'no-reference': { type: 'boolean', default: false },
    'no-pool': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const THREADS = Number(args.threads);
const REPEAT = Number(args.repeat);
const SHARED = path.resolve(process.env.BOOSTFACE_SHARED ?? path.join(ROOT, '../shared'));
const MODELS = process.env.BOOSTFACE_MODELS ?? path.join(SHARED, 'models');
const DETECTOR = process.env.BOOSTFACE_DETECTOR ?? 'scrfd_2.5g_bnkps';
const RECOGNIZER = process.env.BOOSTFACE_RECOGNIZER ?? 'fr_feature_dynbatch';
if (!existsSync(path.join(SHARED, 'data'))) {
  console.error(`bench: shared data not found at ${SHARED} (set BOOSTFACE_SHARED)`);
  process.exit(2);
}

// The image set is the parity golden set: 48 images (portraits, group scenes, WIDER, dlib, LFW).
const golden = JSON.parse(readFileSync(path.join(ROOT, 'server/test/golden/parity-640.json'), 'utf8'));
const files = golden.images.map((i) => path.join(SHARED, 'data', i.path));
const log = (m) => process.stderr.write(`bench: ${m}\n`);
const now = () => performance.now();
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : 0;
};
const r = (v, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

const env = { ...process.env, BOOSTFACE_MODELS: MODELS, BOOSTFACE_DETECTOR: DETECTOR, BOOSTFACE_RECOGNIZER: RECOGNIZER };

async function ourStages() {
  const settings = engineSettings({ ...env, BOOSTFACE_THREADS: String(THREADS), BOOSTFACE_WORKERS: '1' });
  const analyzer = await FaceAnalyzer.open(poolConfig(settings, { recognizer: true }));
  const info = analyzer.info();
  log(`providers: detector ${info.detector.provider}, recognizer ${info.recognizer.provider}${[...info.detector.fallbacks, ...info.recognizer.fallbacks].map((f) => `; ${f}`).join('')}`);
  const images = [];
  const decode = [];
  for (let k = 0; k < REPEAT; k++) {
    for (const f of files) {
      const t0 = now();
      const img = await readImageFile(f);
      decode.push(now() - t0);
      if (k === 0) images.push(img);
    }
  }
  log(`decode ${r(mean(decode))} ms/image`);
  for (const img of images.slice(0, 3)) await analyzer.analyze(img, { detSize: 640 }); // warm-up
  const detect = {};
  let crops = [];
  for (const size of [640, 320]) {
    const tot = [], run = [];
    for (let k = 0; k < REPEAT; k++) {
      for (const img of images) {
        const t = emptyTiming();
        const t0 = now();
        const faces = await analyzer.analyze(img, { detSize: size }, t);
        tot.push(now() - t0 - t.alignMs);
        run.push(t.detectRunMs);
        if (size === 640 && k === 0) crops.push(...faces.map((f) => ({ img, f })));
      }
    }
    detect[size] = { ms: mean(tot), runMs: mean(run), medianMs: median(tot) };
    log(`detect ${size}: ${r(mean(tot))} ms/image (run ${r(mean(run))})`);
  }
  const t0 = now();
  const aligned = crops.map(({ img, f }) => alignFace(img, f.landmarks));
  const alignMsPerFace = (now() - t0) / crops.length;
  const embed = {};
  for (const b of [1, 8, 32]) {
    const batch = Array.from({ length: b }, (_, i) => aligned[i % aligned.length]);
    await analyzer.embedAligned(batch);
    const tot = [], run = [];
    for (let k = 0; k < Math.max(3, Math.round(64 / b)); k++) {
      const t = emptyTiming();
      const s = now();
      await analyzer.embedAligned(batch, t);
      tot.push(now() - s);
      run.push(t.embedRunMs);
    }
    embed[b] = { batchMs: mean(tot), runMs: mean(run), perFaceMs: mean(tot) / b };
    log(`embed batch ${b}: ${r(mean(tot))} ms (${r(mean(tot) / b)} ms/face)`);
  }
  // End to end on one thread of control, the reference's loop: read → detect 640 → align → embed in one batch.
  const t = emptyTiming();
  let faces = 0;
  const e0 = now();
  for (let k = 0; k < REPEAT; k++) {
    for (const f of files) {
      const img = await readImageFile(f);
      faces += (await analyzer.analyze(img, { detSize: 640, embed: true }, t)).length;
    }
  }
  const wall = now() - e0;
  const n = REPEAT * files.length;
  log(`end to end: ${r((n * 1000) / wall)} images/s`);
  const runMs = t.detectRunMs + t.embedRunMs;
  await analyzer.release();
  return {
    providers: { detector: info.detector.provider, recognizer: info.recognizer.provider, fallbacks: [...info.detector.fallbacks, ...info.recognizer.fallbacks] },
    decodeMs: mean(decode),
    detect,
    alignMsPerFace,
    embed,
    endToEnd: { imagesPerSec: (n * 1000) / wall, msPerImage: wall / n, facesPerImage: faces / n, runShare: runMs / wall, timing: t },
  };
}

/** The product path: decode on the main thread, inference in worker threads, a bounded window in flight. */
async function ourPool(workers, threads) {
  const settings = engineSettings({ ...env, BOOSTFACE_WORKERS: String(workers), BOOSTFACE_THREADS: String(threads) });
  const pool = await InferencePool.start(poolConfig(settings, { recognizer: true }));
  for (const f of files.slice(0, 3)) await pool.analyze(await readImageFile(f), { detSize: 640, embed: true }, true);
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  const cpu0 = process.cpuUsage();
  const t0 = now();
  const queue = Array.from({ length: REPEAT }, () => files).flat();
  const inFlight = new Set();
  let faces = 0;
  for (const f of queue) {
    const p = readImageFile(f)
      .then((img) => pool.analyze(img, { detSize: 640, embed: true }, true))
      .then((res) => (faces += res.faces.length));
    inFlight.add(p);
    p.finally(() => inFlight.delete(p));
    if (inFlight.size >= workers * 2 + 1) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const wall = now() - t0;
  lag.disable();
  const cpu = process.cpuUsage(cpu0);
  await pool.close();
  return {
    workers,
    threads,
    imagesPerSec: (queue.length * 1000) / wall,
    facesPerImage: faces / queue.length,
    eventLoopLagMs: { p50: lag.percentile(50) / 1e6, p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 },
    processCpuPercent: ((cpu.user + cpu.system) / 1000 / wall) * 100,
  };
}

function reference(extraArgs = []) {
  const py = path.join(process.env.BOOSTFACE_REF_VENV ?? path.join(ROOT, 'tools/reference/.venv'), 'bin/python');
  if (!existsSync(py)) {
    log('reference: installing the insightface venv (tools/reference/setup.sh)');
    const s = spawnSync('bash', [path.join(ROOT, 'tools/reference/setup.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (s.status !== 0) return { error: 'reference venv could not be installed (tools/reference/setup.sh failed)' };
  }
  const list = path.join(os.tmpdir(), `bf-bench-images-${process.pid}.txt`);
  writeFileSync(list, files.join('\n') + '\n');
  log(`reference: insightface pipeline, threads ${THREADS} ${extraArgs.join(' ')}`);
  const res = spawnSync(py, [path.join(ROOT, 'tools/reference/bench_reference.py'), '--images', list, '--threads', String(THREADS), '--repeat', String(REPEAT), '--models', MODELS, '--data', path.join(SHARED, 'data'), '--json', ...extraArgs], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 << 20,
  });
  if (res.status !== 0) return { error: `reference benchmark failed (exit ${res.status})` };
  return JSON.parse(res.stdout);
}

log(`${files.length} images x${REPEAT}, ${THREADS} thread(s), detector ${DETECTOR}, recognizer ${RECOGNIZER}, ${os.cpus().length} cores`);
const ours = await ourStages();
const pools = args['no-pool'] ? [] : [await ourPool(1, THREADS)];
if (THREADS > 1 && !args['no-pool']) pools.push(await ourPool(THREADS, 1));
// The reference as insightface ships it (onnxruntime threads spin while idle) and tuned like ours (no spinning);
// ratios are taken against the faster of the two.
const refDefault = args['no-reference'] ? { error: 'skipped (--no-reference)' } : reference();
const refNoSpin = args['no-reference'] ? { error: 'skipped (--no-reference)' } : reference(['--no-spin']);
const ref = (refNoSpin.endToEnd?.imagesPerSec ?? 0) > (refDefault.endToEnd?.imagesPerSec ?? 0) ? refNoSpin : refDefault;

const row = (label, a, b, unit) => {
  const ratio = typeof a === 'number' && typeof b === 'number' && a > 0 ? `${r(b / a)}x` : '';
  return `  ${label.padEnd(36)} ${String(typeof a === 'number' ? r(a) : '-').padStart(9)} ${String(typeof b === 'number' ? r(b) : '-').padStart(11)} ${unit.padEnd(9)} ${ratio}`;
};
const e2e = ours.endToEnd;
const refE2e = ref.endToEnd ?? {};
const overhead = 1 - e2e.runShare;
const lines = [
  `BoostFace engine benchmark — ${files.length} images x${REPEAT}, ${THREADS} onnxruntime thread(s), ${os.cpus()[0]?.model ?? 'cpu'} (${os.cpus().length} cores), ` +
    `providers: detector ${ours.providers.detector}, recognizer ${ours.providers.recognizer}`,
  `  ${'stage'.padEnd(36)} ${'BoostFace'.padStart(9)} ${'insightface'.padStart(11)} ${'unit'.padEnd(9)} reference/ours`,
  row('decode', ours.decodeMs, ref.decodeMs, 'ms/image'),
  row('detect 640 (all)', ours.detect[640].ms, ref.detect640Ms, 'ms/image'),
  row('detect 640 (session.run)', ours.detect[640].runMs, ref.detect640RunMs, 'ms/image'),
  row('detect 320 (all)', ours.detect[320].ms, ref.detect320Ms, 'ms/image'),
  row('detect 320 (session.run)', ours.detect[320].runMs, ref.detect320RunMs, 'ms/image'),
  row('align', ours.alignMsPerFace, ref.alignMsPerFace, 'ms/face'),
  ...[1, 8, 32].map((b) => row(`embed batch ${b}`, ours.embed[b].batchMs, ref.embed?.[b]?.batchMs, 'ms/batch')),
  row('end to end, one stream', e2e.imagesPerSec, refE2e.imagesPerSec, 'images/s'),
  `  reference end to end: ${refDefault.endToEnd ? r(refDefault.endToEnd.imagesPerSec) : '-'} images/s as shipped (threads spin), ` +
    `${refNoSpin.endToEnd ? r(refNoSpin.endToEnd.imagesPerSec) : '-'} images/s without spinning; the table uses the faster`,
  `  end to end ratio ours/reference: ${refE2e.imagesPerSec ? r(e2e.imagesPerSec / refE2e.imagesPerSec) + 'x' : 'n/a'}` +
    `; engine overhead (all but session.run): ours ${r(overhead * 100, 1)}%, reference ${refE2e.runShare ? r((1 - refE2e.runShare) * 100, 1) + '%' : 'n/a'}`,
  ...pools.map(
    (p) =>
      `  worker pool ${p.workers}x${p.threads}: ${r(p.imagesPerSec)} images/s (ratio to reference ${refE2e.imagesPerSec ? r(p.imagesPerSec / refE2e.imagesPerSec) + 'x' : 'n/a'}), ` +
      `main event-loop lag p50 ${r(p.eventLoopLagMs.p50)} ms p99 ${r(p.eventLoopLagMs.p99)} ms max ${r(p.eventLoopLagMs.max)} ms, process CPU ${r(p.processCpuPercent, 0)}%`,
  ),
];
if (ref.error) lines.push(`  reference: ${ref.error}`);
console.log(lines.join('\n'));
const out = args.out ?? path.join(ROOT, 'bench/out', `engine-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), threads: THREADS, repeat: REPEAT, images: files.length, ours, pools, reference: { default: refDefault, noSpin: refNoSpin } }, null, 2));
log(`figures written to ${path.relative(ROOT, out)}`);
