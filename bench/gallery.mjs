#!/usr/bin/env node
// Gallery benchmark: enrollment throughput, index load time, search latency, recall against brute force, memory, for
// galleries of 10k, 100k and 1M templates: real face embeddings (LFW, embedded by the engine) plus random unit
// vectors to fill.
//
//   npm run build && npm run bench:gallery -- [--sizes 10000,100000,1000000] [--queries 200] [--recall-queries N]
//       [--fill random|faces] [--dir DIR] [--keep] [--out FILE] [--milvus ADDRESS]
//
// Per size: a fresh EmbeddedGallery in DIR (default: the system temp dir) is filled through upsertTemplates in
// batches of 1,000 (timed: templates/s), closed, then opened again in a child process (clean RSS) that times the
// index load, searches top-10 for held-out real faces (p50/p99; WebAssembly SIMD first pass, then the JavaScript scan
// on the same gallery as the "before" figure) and hands back its top-10 lists, which this process checks against a
// float64 brute force (recall@1, top-10 overlap). Figures go to stdout as a table and to bench/out/gallery-<time>.json;
// progress to stderr. The face embeddings are cached in bench/out/faces-<recognizer>.json.
//
// --fill faces: filler vectors drawn near the real faces (a random real embedding mixed with noise) instead of
// isotropic random ones: many more near-ties at the top, the hard case for the first pass's candidate count.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = path.join(ROOT, 'bench/out');
const dist = (p) => path.join(ROOT, 'server/dist', p);
if (!existsSync(dist('gallery/embedded-gallery.js'))) {
  console.error('bench: server is not built; run "npm run build" first');
  process.exit(2);
}
const { EmbeddedGallery } = await import(dist('gallery/embedded-gallery.js'));

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000,1000000' },
    queries: { type: 'string', default: '200' },
    'recall-queries': { type: 'string' },
    fill: { type: 'string', default: 'random' },
    dir: { type: 'string' },
    keep: { type: 'boolean', default: false },
    out: { type: 'string' },
    milvus: { type: 'string' },
    child: { type: 'string' }, // internal: the measuring child process
  },
});

const log = (m) => process.stderr.write(`bench: ${m}\n`);
const now = () => performance.now();
const r = (v, d = 2) => (v === undefined || v === null ? v : Math.round(v * 10 ** d) / 10 ** d);
const pct = (xs, p) => {
  const s = Float64Array.from(xs).sort();
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
const BATCH = 1000;
const base64 = (v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
const floats = (b64) => {
  const bytes = Buffer.from(b64, 'base64');
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
};
const FILL_PER_IDENTITY = 10;

if (args.child) {
  await child(JSON.parse(args.child));
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------------------------
// Real faces: LFW images embedded once by the engine (worker pool), cached.

const SHARED = path.resolve(process.env.BOOSTFACE_SHARED ?? path.join(ROOT, '../shared'));
const MODELS = process.env.BOOSTFACE_MODELS ?? path.join(SHARED, 'models');

async function realFaces() {
  const { InferencePool } = await import(dist('engine/worker-pool.js'));
  const { readImageFile } = await import(dist('engine/image-decode.js'));
  const { engineSettings, poolConfig } = await import(dist('config.js'));
  const cfg = poolConfig(engineSettings({ ...process.env, BOOSTFACE_MODELS: MODELS }), { recognizer: true });
  const model = cfg.recognizer.spec.id;
  const cache = path.join(OUT_DIR, `faces-${model}.json`);
  if (existsSync(cache)) {
    const saved = JSON.parse(readFileSync(cache, 'utf8'));
    log(`real faces: ${saved.faces.length} embeddings of ${model} from ${path.relative(ROOT, cache)}`);
    return { model, dim: saved.dim, faces: saved.faces.map((f) => ({ ...f, embedding: floats(f.embedding) })) };
  }
  const sets = ['faces/lfw_deepfunneled_devtrain_subset/images', 'faces/lfw_original_krasserm'].map((s) => path.join(SHARED, 'data', s));
  const files = [];
  for (const set of sets) {
    if (!existsSync(set)) continue;
    for (const person of readdirSync(set).sort()) {
      const dir = path.join(set, person);
      if (!statSync(dir).isDirectory()) continue;
      for (const f of readdirSync(dir).sort()) if (/\.(jpe?g|png)$/i.test(f)) files.push({ person, file: path.join(dir, f) });
    }
  }
  if (files.length === 0) throw new Error(`no face images under ${path.join(SHARED, 'data/faces')} (set BOOSTFACE_SHARED)`);
  log(`real faces: embedding ${files.length} images with ${model} (cached afterwards)`);
  const pool = await InferencePool.start(cfg);
  const faces = [];
  const inFlight = new Set();
  let done = 0;
  for (const item of files) {
    const p = readImageFile(item.file)
      .then((img) => pool.analyze(img, { detSize: 640, embed: true, maxFaces: 1 }, true))
      .then(({ faces: found }) => {
        if (found[0]?.embedding) faces.push({ person: item.person, file: path.relative(SHARED, item.file), embedding: found[0].embedding });
        if (++done % 200 === 0) log(`  ${done}/${files.length}`);
      });
    inFlight.add(p);
    p.finally(() => inFlight.delete(p));
    if (inFlight.size >= pool.size * 2 + 1) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  await pool.close();
  faces.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const dim = faces[0].embedding.length;
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(cache, JSON.stringify({ model, dim, faces: faces.map((f) => ({ ...f, embedding: base64(f.embedding) })) }));
  log(`real faces: ${faces.length} of ${files.length} images gave a face`);
  return { model, dim, faces };
}

/** One image per person with two or more is held out as a query; everything else is enrolled. */
function split(faces) {
  const byPerson = new Map();
  for (const f of faces) byPerson.set(f.person, [...(byPerson.get(f.person) ?? []), f]);
  const enrolled = [];
  const queries = [];
  for (const [person, list] of [...byPerson].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (list.length >= 2) queries.push({ person, embedding: list[0].embedding });
    enrolled.push(...(list.length >= 2 ? list.slice(1) : list).map((f, i) => ({ person, id: `real-${person}-${i}`, embedding: f.embedding })));
  }
  return { enrolled, queries };
}

// ---------------------------------------------------------------------------------------------------------------
// Filler vectors: seeded, so that the brute force sees exactly what was enrolled.

function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fills rows [0, n) of `out` (n x dim) with unit vectors: isotropic, or near the real faces ('faces'). */
function fillVectors(out, n, dim, seed, mode, real) {
  const rand = prng(seed);
  const g = new Float64Array(dim);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < dim; i += 2) {
      const u = Math.max(rand(), 1e-12);
      const rad = Math.sqrt(-2 * Math.log(u));
      const th = 2 * Math.PI * rand();
      g[i] = rad * Math.cos(th);
      if (i + 1 < dim) g[i + 1] = rad * Math.sin(th);
    }
    if (mode === 'faces') {
      // A real face plus noise of about its own size: cosine ~0.7 to it, ~0.3-0.5 to other faces of its kind.
      const base = real[Math.floor(rand() * real.length)].embedding;
      for (let i = 0; i < dim; i++) g[i] = base[i] + g[i] / Math.sqrt(dim);
    }
    let sq = 0;
    for (let i = 0; i < dim; i++) sq += g[i] * g[i];
    const inv = 1 / Math.sqrt(sq);
    const o = r * dim;
    for (let i = 0; i < dim; i++) out[o + i] = g[i] * inv;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Enrollment through the Gallery port (any adapter).

async function enroll(gallery, { size, dim, real, fillMode, seed }) {
  const fillCount = Math.max(0, size - real.length);
  const fill = new Float32Array(fillCount * dim);
  const people = [...new Set(real.map((t) => t.person))];
  const fillIdentities = Math.ceil(fillCount / FILL_PER_IDENTITY);
  let t0 = now();
  for (const person of people) await gallery.createIdentity({ id: `person-${person}`, name: person.replaceAll('_', ' ') });
  for (let i = 0; i < fillIdentities; i++) await gallery.createIdentity({ id: `fill-${i}`, name: `Filler ${i}` });
  const identityMs = now() - t0;
  log(`  ${people.length + fillIdentities} identities in ${r(identityMs / 1000, 1)} s`);
  const templates = real.map((t) => ({ id: t.id, identityId: `person-${t.person}`, embedding: t.embedding }));
  let upsertMs = 0;
  let next = 0;
  const total = real.length + fillCount;
  let reported = 0;
  while (next < total) {
    const batch = [];
    const fillStart = Math.max(0, next - real.length);
    const n = Math.min(BATCH, total - next);
    const fillHere = Math.min(n, Math.max(0, next + n - real.length) - fillStart);
    if (fillHere > 0) fillVectors(fill.subarray(fillStart * dim, (fillStart + fillHere) * dim), fillHere, dim, seed + fillStart, fillMode, real);
    for (let i = 0; i < n; i++, next++) {
      const base = { quality: 0.8, source: 'bench', createdAt: 1_700_000_000_000, kind: 'positive' };
      if (next < real.length) batch.push({ ...base, ...templates[next] });
      else {
        const f = next - real.length;
        batch.push({ ...base, id: `fill-${String(f).padStart(8, '0')}`, identityId: `fill-${Math.floor(f / FILL_PER_IDENTITY)}`, embedding: fill.subarray(f * dim, (f + 1) * dim) });
      }
    }
    t0 = now();
    await gallery.upsertTemplates(batch);
    upsertMs += now() - t0;
    if (next - reported >= total / 20 || next === total) {
      reported = next;
      log(`  enrolled ${next}/${total} (${Math.round((next * 1000) / upsertMs)} templates/s)`);
    }
  }
  return { fill, identities: people.length + fillIdentities, identityMs, upsertMs, templatesPerSec: (total * 1000) / upsertMs };
}

// ---------------------------------------------------------------------------------------------------------------
// Search measurement (any adapter).

async function measureSearch(gallery, queries, { rounds, k = 10 }) {
  for (const q of queries.slice(0, 20)) await gallery.search(q, k); // warm-up
  const times = [];
  let hits = [];
  for (let round = 0; round < rounds; round++) {
    const res = [];
    for (const q of queries) {
      const t0 = now();
      res.push(await gallery.search(q, k));
      times.push(now() - t0);
    }
    if (round === 0) hits = res;
  }
  return { p50: pct(times, 50), p99: pct(times, 99), mean: times.reduce((a, b) => a + b, 0) / times.length, searches: times.length, hits };
}

// ---------------------------------------------------------------------------------------------------------------
// The child: opens the filled gallery fresh, times the load, measures memory and search.

async function child({ dataDir, space, queriesFile, searchQueries, rounds }) {
  const { queries: raw } = JSON.parse(readFileSync(queriesFile, 'utf8'));
  const queries = raw.map(floats);
  const rssBefore = process.memoryUsage().rss;
  const t0 = now();
  const gallery = await EmbeddedGallery.open({ dataDir, space });
  const loadMs = now() - t0;
  global.gc?.();
  const mem = process.memoryUsage();
  // The adapter's index (a private field) for its counters: benchmark-only access.
  const index = gallery.index;
  const stats0 = { ...index.stats };
  const search = await measureSearch(gallery, queries.slice(0, searchQueries), { rounds });
  const scans = index.stats.quantizedScans - stats0.quantizedScans;
  const candidates = scans ? (index.stats.candidates - stats0.candidates) / scans : null;
  const backend = index.backend;
  const indexBytes = gallery.indexBytes; // after searching: with the first pass's scratch (scores, candidates)
  // Idea (a), measured alone: the float32 SIMD scan of the same matrix (kernel time only, copies excluded).
  let f32Scan = null;
  if (backend === 'wasm-simd' && index.segments[0].rows <= 200_000 && space.dim % 4 === 0) {
    const { scanF32Once } = await import(dist('gallery/simd/gallery-wasm.js'));
    const ms = [];
    for (const q of queries.slice(0, 10)) {
      const res = scanF32Once(index.segments[0].matrix, index.segments[0].rows, q);
      if (res) ms.push(res.ms);
    }
    if (ms.length) f32Scan = { p50: pct(ms, 50) };
  }
  await gallery.close();
  const out = {
    backend,
    loadMs,
    rssBefore,
    rss: mem.rss,
    heapUsed: mem.heapUsed,
    arrayBuffers: mem.arrayBuffers,
    indexBytes,
    candidatesPerScan: candidates,
    search: { p50: search.p50, p99: search.p99, mean: search.mean, searches: search.searches },
    f32Scan,
    hits: search.hits.map((h) => h.map((x) => [x.templateId, x.score])),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

/**
 * Flushes what the enrollment left to write back (a load timed during writeback of gigabytes measures the disk), then
 * reads the gallery files once, so that each measured load starts from the page cache alike.
 */
function warmPageCache(dataDir) {
  try {
    execFileSync('sync', { stdio: 'ignore' });
  } catch {
    // no sync(1): measured as it comes
  }
  const buf = Buffer.allocUnsafe(8 << 20);
  for (const f of ['gallery.sqlite', 'gallery.sqlite-wal']) {
    const file = path.join(dataDir, f);
    if (!existsSync(file)) continue;
    const fd = openSync(file, 'r');
    try {
      while (readSync(fd, buf, 0, buf.length, null) > 0);
    } finally {
      closeSync(fd);
    }
  }
}

/** Measures in a fresh process; `js` runs it with BOOSTFACE_GALLERY_SEARCH=js (the JavaScript scan, as before). */
function runChild(params, js = false) {
  const env = { ...process.env };
  if (js) env.BOOSTFACE_GALLERY_SEARCH = 'js';
  else delete env.BOOSTFACE_GALLERY_SEARCH;
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', JSON.stringify(params)], { stdio: ['ignore', 'pipe', 'inherit'], env });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`measuring child exited with code ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()));
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Brute force (float64, ties by template id) and recall.

function bruteForce(queries, real, fill, dim, k) {
  const best = queries.map(() => []);
  const consider = (qi, id, score) => {
    const b = best[qi];
    if (b.length === k && (score < b[k - 1][1] || (score === b[k - 1][1] && id > b[k - 1][0]))) return;
    b.push([id, score]);
    b.sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
    if (b.length > k) b.pop();
  };
  const dotAt = (q, m, off) => {
    let s = 0;
    for (let i = 0; i < dim; i++) s += q[i] * m[off + i];
    return s;
  };
  for (const t of real) queries.forEach((q, qi) => consider(qi, t.id, dotAt(q, t.embedding, 0)));
  const rows = fill.length / dim;
  for (let rI = 0; rI < rows; rI++) {
    const id = `fill-${String(rI).padStart(8, '0')}`;
    const off = rI * dim;
    for (let qi = 0; qi < queries.length; qi++) {
      const s = dotAt(queries[qi], fill, off);
      const b = best[qi];
      if (b.length < k || s >= b[b.length - 1][1]) consider(qi, id, s);
    }
    if (rI > 0 && rI % 200_000 === 0) log(`  brute force ${rI}/${rows}`);
  }
  return best;
}

function recall(hits, truth) {
  let top1 = 0;
  let overlap = 0;
  let maxScoreDiff = 0;
  hits.forEach((h, i) => {
    const t = truth[i];
    if (h[0]?.[0] === t[0]?.[0]) top1++;
    const ids = new Set(t.map((x) => x[0]));
    overlap += h.filter((x) => ids.has(x[0])).length / Math.max(1, t.length);
    h.forEach((x, j) => (maxScoreDiff = Math.max(maxScoreDiff, Math.abs(x[1] - (t[j]?.[1] ?? Infinity)))));
  });
  return { queries: hits.length, recallAt1: top1 / hits.length, top10Overlap: overlap / hits.length, maxScoreDiff };
}

// ---------------------------------------------------------------------------------------------------------------
// Milvus: a second adapter, side by side — NOT IMPLEMENTED HERE.
//
// >>> MILVUS ADAPTER GOES HERE <<<
// When the Milvus adapter exists, make openMilvus return { gallery, cleanup } for a fresh, empty collection of this
// embedding space at `address` (`gallery` implementing the Gallery port, server/src/gallery/gallery.ts), and the
// same enroll() and measureSearch() above fill the "Milvus" column. Until then the column reads "not available yet".
async function openMilvus(_address, _space) {
  return null;
}

// ---------------------------------------------------------------------------------------------------------------

const sizes = args.sizes.split(',').map((s) => Number(s.trim())).filter((n) => n > 0);
const latencyQueries = Number(args.queries);
const fillMode = args.fill === 'faces' ? 'faces' : 'random';
const { model, dim, faces } = await realFaces();
const { enrolled, queries } = split(faces);
log(`real data: ${enrolled.length} enrolled faces of ${new Set(enrolled.map((t) => t.person)).size} people, ${queries.length} held-out query faces`);
const space = { model, dim };
const baseDir = args.dir ?? os.tmpdir();
mkdirSync(OUT_DIR, { recursive: true });
const queriesFile = path.join(OUT_DIR, `.gallery-queries-${process.pid}.json`);
// Latency cycles over the held-out faces when more queries are asked for than there are.
const latencySet = Array.from({ length: latencyQueries }, (_, i) => queries[i % queries.length].embedding);
writeFileSync(queriesFile, JSON.stringify({ queries: latencySet.map(base64) }));

const results = [];
try {
  for (const size of sizes) {
    log(`--- ${size} templates (fill: ${fillMode}) ---`);
    const real = enrolled.slice(0, size);
    const dataDir = mkdtempSync(path.join(baseDir, `bf-bench-gallery-${size}-`));
    const embedded = {};
    let fill;
    {
      const gallery = await EmbeddedGallery.open({ dataDir, space });
      const e = await enroll(gallery, { size, dim, real, fillMode, seed: 1000 });
      fill = e.fill;
      await gallery.close();
      Object.assign(embedded, { templatesPerSec: e.templatesPerSec, identities: e.identities, identitiesPerSec: (e.identities * 1000) / e.identityMs, upsertSeconds: e.upsertMs / 1000 });
      embedded.dbBytes = ['gallery.sqlite', 'gallery.sqlite-wal'].reduce((s, f) => s + (existsSync(path.join(dataDir, f)) ? statSync(path.join(dataDir, f)).size : 0), 0);
    }
    const unique = Math.min(queries.length, latencyQueries);
    const jsQueries = Math.min(unique, size >= 500_000 ? 30 : 100);
    const recallQueries = Math.min(unique, Number(args['recall-queries'] ?? (size >= 500_000 ? 50 : 100)));
    log(`  measuring in fresh processes: load, ${latencyQueries} x 3 searches (WebAssembly SIMD); load, ${jsQueries} searches (JavaScript scan, before)`);
    warmPageCache(dataDir);
    const fast = await runChild({ dataDir, space, queriesFile, searchQueries: latencyQueries, rounds: 3 });
    warmPageCache(dataDir);
    const before = await runChild({ dataDir, space, queriesFile, searchQueries: jsQueries, rounds: 1 }, true);
    log(`  brute force for ${recallQueries} queries`);
    const truth = bruteForce(latencySet.slice(0, recallQueries), real, fill, dim, 10);
    fill = null;
    const identical = before.hits.every((h, i) => JSON.stringify(h) === JSON.stringify(fast.hits[i]));
    for (const m of [fast, before]) {
      m.recall = recall(m.hits.slice(0, recallQueries), truth.slice(0, m.hits.length));
      m.bytesPerTemplate = m.indexBytes / size;
      m.rssPerTemplate = (m.rss - m.rssBefore) / size;
      delete m.hits;
    }
    Object.assign(embedded, { dbBytesPerTemplate: embedded.dbBytes / size, simd: fast, js: { ...before, identicalToSimd: identical } });
    if (!args.keep) rmSync(dataDir, { recursive: true, force: true });
    else log(`  kept ${dataDir}`);

    let milvus = { status: 'not available yet' };
    if (args.milvus) {
      const opened = await openMilvus(args.milvus, space);
      milvus = opened ? { status: 'measured' } : { status: `not available yet (no adapter; --milvus ${args.milvus} ignored)` };
      // With an adapter: enroll(opened.gallery, ...), measureSearch(opened.gallery, ...), recall(...), opened.cleanup().
    }
    results.push({ size, fill: fillMode, embedded, milvus });
    printSize(results[results.length - 1]);
  }
} finally {
  rmSync(queriesFile, { force: true });
}

function printSize({ size, embedded: e, milvus }) {
  const mb = (b) => `${r(b / 2 ** 20, 1)} MiB`;
  const mv = milvus.status === 'measured' ? '(see json)' : 'not available yet';
  const { simd: f, js: b } = e;
  const rec = (m) => `${r(m.recall.recallAt1, 4)} / ${r(m.recall.top10Overlap, 4)} (${m.recall.queries} q)`;
  const rows = [
    ['enroll (upsertTemplates, batches of 1,000)', `${Math.round(e.templatesPerSec)} templates/s`, '', mv],
    ['create identities', `${Math.round(e.identitiesPerSec)} /s (${e.identities})`, '', mv],
    ['index load on open', `${Math.round(f.loadMs)} ms`, `${Math.round(b.loadMs)} ms`, mv],
    ['search top-10 p50', `${r(f.search.p50)} ms`, `${r(b.search.p50)} ms`, mv],
    ['search top-10 p99', `${r(f.search.p99)} ms`, `${r(b.search.p99)} ms`, mv],
    ['searches timed', `${f.search.searches}`, `${b.search.searches}`, mv],
    ['rows re-scored per search (first pass)', f.candidatesPerScan === null ? '-' : `${r(f.candidatesPerScan, 1)}`, 'all', mv],
    ['recall@1 / top-10 overlap vs brute force', rec(f), `${rec(b)}${b.identicalToSimd ? ', identical' : ', DIFFERS'}`, mv],
    ['float32 SIMD scan alone (idea a)', f.f32Scan ? `${r(f.f32Scan.p50)} ms` : '-', '', ''],
    ['index bytes (bytes per template)', `${mb(f.indexBytes)} (${Math.round(f.bytesPerTemplate)})`, `${mb(b.indexBytes)} (${Math.round(b.bytesPerTemplate)})`, mv],
    ['process RSS after open (per template)', `${mb(f.rss)} (${Math.round(f.rssPerTemplate)})`, `${mb(b.rss)} (${Math.round(b.rssPerTemplate)})`, mv],
    ['SQLite file (per template)', `${mb(e.dbBytes)} (${Math.round(e.dbBytesPerTemplate)})`, '', mv],
  ];
  const head = [`${size.toLocaleString('en')} templates`, `embedded (${f.backend})`, `embedded, ${b.backend} scan (before)`, 'Milvus'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((x) => String(x[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(w[i])).join(' | ')} |`;
  console.log(['', line(head), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...rows.map(line)].join('\n'));
}

const out = args.out ?? path.join(OUT_DIR, `gallery-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(
  out,
  JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, model, dim, realEnrolled: enrolled.length, heldOutQueries: queries.length, latencyQueries, results }, null, 2),
);
log(`wrote ${path.relative(ROOT, out)}`);
