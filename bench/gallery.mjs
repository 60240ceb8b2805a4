#!/usr/bin/env node
// Gallery benchmark: enrollment throughput, index load time, search latency, recall against brute force, memory, for
// galleries of 10k, 100k and 1M templates: real face embeddings (LFW, embedded by the engine) plus random unit
// vectors to fill.
//
//   npm run build && npm run bench:gallery -- [--sizes 10000,100000,1000000] [--queries 200] [--recall-queries N]
//       [--fill random|faces] [--dir DIR] [--keep] [--out FILE]
//       [--no-milvus | --milvus ADDRESS | --milvus-flavor lite|milvus23] [--milvus-per-identity N] [--milvus-max-rss-gib G]
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
//
// Milvus column: the same templates (real + the same seeded filler, checked by a hash) go through the same enroll()
// into a MilvusGallery (server/src/gallery/milvus-gallery.ts) with its own collection prefix, on a fresh milvus-lite
// server started per size by tools/milvus/start-server.sh (--milvus-flavor milvus23: the real Milvus 2.3.5 binary;
// --milvus ADDRESS: a running server, no RSS figures; --no-milvus: skip). Measured: identities/s and templates/s,
// searches right after enrolling (no flush), flush + index wait, release + load of the templates collection (twice:
// the first waits for the index build), then the same top-10 searches checked against the same brute force, and the
// server's RSS (its process group, from /proc; the server is killed past --milvus-max-rss-gib, default 60% of the
// memory available at start). The collections are dropped afterwards. The adapter creates identities one RPC pair each, so at 1M (100k filler
// identities) --milvus-per-identity N groups more filler templates per identity on Milvus only (same vectors and ids).
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
    'no-milvus': { type: 'boolean', default: false },
    'milvus-flavor': { type: 'string', default: 'lite' },
    'milvus-per-identity': { type: 'string' },
    'milvus-max-rss-gib': { type: 'string' },
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

/**
 * Creates the identities, then upserts the real templates and the seeded filler in batches of BATCH. The filler is the
 * same for every adapter (same seed, same template ids); `perIdentity` only changes how filler templates are grouped
 * into identities. `keepFill` false generates it batch by batch (nothing kept; the brute force needs it only once).
 * `fillHash` (FNV-1a over the float bits) shows that two adapters were given the very same vectors.
 */
async function enroll(gallery, { size, dim, real, fillMode, seed, perIdentity = FILL_PER_IDENTITY, keepFill = true }) {
  const fillCount = Math.max(0, size - real.length);
  const fill = new Float32Array((keepFill ? fillCount : Math.min(fillCount, BATCH)) * dim);
  const people = [...new Set(real.map((t) => t.person))];
  const fillIdentities = Math.ceil(fillCount / perIdentity);
  const identities = people.length + fillIdentities;
  let t0 = now();
  let made = 0;
  const identityTrace = []; // [identities made, ms since the first]: shows whether creating one gets slower with more
  const identityMade = () => {
    if (++made % Math.max(1000, Math.ceil(identities / 10)) !== 0 && made !== identities) return;
    identityTrace.push([made, now() - t0]);
    log(`  identities ${made}/${identities} (${Math.round((made * 1000) / (now() - t0))}/s)`);
  };
  for (const person of people) {
    await gallery.createIdentity({ id: `person-${person}`, name: person.replaceAll('_', ' ') });
    identityMade();
  }
  for (let i = 0; i < fillIdentities; i++) {
    await gallery.createIdentity({ id: `fill-${i}`, name: `Filler ${i}` });
    identityMade();
  }
  const identityMs = now() - t0;
  let fillHash = 0x811c9dc5;
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
    const row0 = keepFill ? fillStart : 0; // row of `fill` that holds filler vector fillStart
    if (fillHere > 0) {
      const here = fill.subarray(row0 * dim, (row0 + fillHere) * dim);
      fillVectors(here, fillHere, dim, seed + fillStart, fillMode, real);
      const bits = new Uint32Array(here.buffer, here.byteOffset, here.length);
      for (let i = 0; i < bits.length; i++) fillHash = Math.imul(fillHash ^ bits[i], 0x01000193);
    }
    for (let i = 0; i < n; i++, next++) {
      const base = { quality: 0.8, source: 'bench', createdAt: 1_700_000_000_000, kind: 'positive' };
      if (next < real.length) batch.push({ ...base, ...templates[next] });
      else {
        const f = next - real.length;
        const row = f - fillStart + row0;
        batch.push({ ...base, id: `fill-${String(f).padStart(8, '0')}`, identityId: `fill-${Math.floor(f / perIdentity)}`, embedding: fill.subarray(row * dim, (row + 1) * dim) });
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
  return { fill: keepFill ? fill : null, fillHash: fillHash >>> 0, identities, identityMs, identityTrace, upsertMs, templatesPerSec: (total * 1000) / upsertMs };
}

// ---------------------------------------------------------------------------------------------------------------
// Search measurement (any adapter).

/** `budgetMs`: stop early (after 3 searches at least) once the searches took that long: slow paths stay bounded. */
async function measureSearch(gallery, queries, { rounds, k = 10, warmup = 20, budgetMs = Infinity }) {
  for (const q of queries.slice(0, warmup)) await gallery.search(q, k);
  const times = [];
  let hits = [];
  const start = now();
  for (let round = 0; round < rounds; round++) {
    const res = [];
    for (const q of queries) {
      if (times.length >= 3 && now() - start > budgetMs) break;
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
// Milvus: the second adapter, side by side. By default every size gets a fresh milvus-lite server started here
// (tools/milvus/start-server.sh, a temp dir, clean RSS); --milvus ADDRESS uses a running server instead (fresh
// collections, no RSS), --no-milvus skips the column.

const MILVUS_TOOLS = path.join(ROOT, 'tools/milvus');
const milvusServers = new Set();

/** Starts a Milvus-protocol server on a free port in a fresh temp dir; stop() is synchronous and idempotent. */
function startMilvus(flavor, baseDir) {
  const dataDir = mkdtempSync(path.join(baseDir, 'bf-bench-milvus-'));
  const t0 = now();
  let address;
  try {
    const printed = execFileSync(path.join(MILVUS_TOOLS, 'start-server.sh'), ['--port', '0', '--flavor', flavor, dataDir], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    address = printed.trim().split('\n').pop();
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`could not start a ${flavor} Milvus server (tools/milvus/start-server.sh exited with ${err.status}); --no-milvus skips it`);
  }
  const server = {
    address,
    flavor,
    dataDir,
    pid: Number(readFileSync(path.join(dataDir, 'server.pid'), 'utf8')),
    startMs: now() - t0,
    stop() {
      if (!milvusServers.delete(server)) return;
      try {
        execFileSync(path.join(MILVUS_TOOLS, 'stop-server.sh'), [dataDir], { stdio: ['ignore', 'ignore', 'inherit'] });
      } catch (err) {
        log(`stopping the Milvus server (pid ${server.pid}) failed: ${err.message}`);
      }
      if (!args.keep) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  milvusServers.add(server);
  return server;
}

const stopMilvusServers = () => [...milvusServers].forEach((s) => s.stop());

/** Resident memory of a process group (the server script starts the server as its own group), from /proc. */
function groupRss(pgid) {
  let kb = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) !== pgid) continue; // state ppid pgrp
      kb += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // the process ended meanwhile
    }
  }
  return kb * 1024;
}

function diskBytes(dir) {
  try {
    return Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
  } catch {
    return null;
  }
}

/** An SDK response must carry status Success (the SDK resolves failed calls). */
function milvusOk(res, what) {
  const st = res?.status ?? res;
  const failed = (st?.error_code !== undefined && st.error_code !== 'Success' && st.error_code !== 0) || (typeof st?.code === 'number' && st.code !== 0);
  if (failed) throw new Error(`${what}: ${st.error_code ?? st.code} ${st.reason ?? ''}`);
  return res;
}

/**
 * One size on Milvus: a fresh MilvusGallery (own collection prefix), filled by enroll(); a few searches right away
 * (no flush: what a replica sees just after enrolling); then flush, wait until the index covers every row, release
 * and load the templates collection again (the "load on open"), search top-10 with the same queries as the embedded
 * adapter, check against the same brute force, and drop the collections. The bench's own SDK client does the
 * flush/index/load steps the adapter never needs.
 */
async function measureMilvus({ size, dim, real, space, truth, recallQueries, perIdentity, external, flavor }) {
  const { MilvusGallery } = await import(dist('gallery/milvus-gallery.js'));
  const { MilvusClient } = await import('@zilliz/milvus2-sdk-node');
  let server = { address: external, pid: null, flavor: 'external', startMs: null };
  if (!external) {
    try {
      server = startMilvus(flavor, baseDir);
    } catch (err) {
      return { status: `failed: ${err.message}` };
    }
  }
  const rss = () => (server.pid ? groupRss(server.pid) : null);
  // The SDK pings every 10 s, also during a call; a gRPC-core (Python) server such as milvus-lite allows one ping per
  // 5 minutes without data, so a call that waits longer than ~45 s (a load while the index builds) ends with
  // RESOURCE_EXHAUSTED "Bandwidth exhausted" (too many pings). The bench's own client pings every 6 minutes.
  const admin = new MilvusClient({ address: server.address, logLevel: 'error', timeout: 600_000, channelOptions: { 'grpc.keepalive_time_ms': 360_000 } });
  let gallery;
  const m = { status: 'measured', flavor: server.flavor, address: server.address, serverStartMs: server.startMs, perIdentity };
  // The machine is shared: a server that grows past the limit is killed (the size then reads "failed").
  const watchdog =
    server.pid &&
    setInterval(() => {
      const now1 = groupRss(server.pid);
      m.rssPeak = Math.max(m.rssPeak ?? 0, now1);
      if (now1 > milvusMaxRss && !m.killedForMemory) {
        m.killedForMemory = `server RSS ${r(now1 / 2 ** 30, 1)} GiB > ${r(milvusMaxRss / 2 ** 30, 1)} GiB (--milvus-max-rss-gib)`;
        log(`  Milvus: killing the server: ${m.killedForMemory}`);
        try {
          process.kill(-server.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }, 1000);
  try {
    await admin.connectPromise;
    m.serverVersion = (await admin.getVersion()).version;
    m.rssIdle = rss();
    const prefix = `bench_${size}_${process.pid}_${Date.now().toString(36)}_`;
    gallery = await MilvusGallery.open({ address: server.address, space, collectionPrefix: prefix, timeoutMs: 600_000 });
    const templatesCollection = gallery.collections.templates;
    log(`  Milvus ${m.serverVersion} at ${server.address}${server.pid ? ` (pid ${server.pid})` : ''}: enrolling into ${prefix}*`);
    const t0 = now();
    const e = await enroll(gallery, { size, dim, real, fillMode, seed: 1000, perIdentity, keepFill: false });
    Object.assign(m, {
      templatesPerSec: e.templatesPerSec,
      identities: e.identities,
      identitiesPerSec: (e.identities * 1000) / e.identityMs,
      identitySeconds: e.identityMs / 1000,
      identityTrace: e.identityTrace,
      upsertSeconds: e.upsertMs / 1000,
      fillHash: e.fillHash,
    });
    m.enrollWallSeconds = (now() - t0) / 1000;
    m.rssAfterFill = rss();
    let t = now();
    m.count = await retried(m, 'count()', () => gallery.count());
    m.countMs = now() - t;
    if (m.count.templates !== size) throw new Error(`count() says ${m.count.templates} templates after enrolling ${size}`);

    // Right after enrolling: no flush, index state as the server left it.
    const preQueries = latencySet.slice(0, Math.min(recallQueries, 20));
    const pre = await measureSearch(gallery, preQueries, { rounds: 1, warmup: 0, budgetMs: 60_000 });
    m.beforeFlush = { p50: pre.p50, p99: pre.p99, searches: pre.searches, recall: recall(pre.hits.map(hitPairs), truth.slice(0, pre.hits.length)) };
    m.indexBeforeFlush = await indexState(admin, templatesCollection);

    t = now();
    milvusOk(await admin.flushSync({ collection_names: [templatesCollection] }), 'flush');
    m.flushMs = now() - t;
    t = now();
    for (;;) {
      m.index = await indexState(admin, templatesCollection);
      if (m.index.done || now() - t > 3_600_000) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    m.indexWaitMs = now() - t;
    m.dataBytes = server.dataDir ? diskBytes(server.dataDir) : null;
    // milvus-lite builds the index of flushed segments in a background thread (describeIndex says "Finished" all
    // along) and a load waits for it; the second release + load is the load alone (index files read back).
    const reload = async () => {
      const t1 = now();
      milvusOk(await admin.releaseCollection({ collection_name: templatesCollection }), 'release');
      milvusOk(await admin.loadCollectionSync({ collection_name: templatesCollection }), 'load');
      return now() - t1;
    };
    m.firstLoadMs = await reload();
    m.rssAfterFirstLoad = rss();
    m.loadMs = await reload();
    m.rssAfterLoad = rss();

    const rounds = size >= 500_000 ? 1 : 3;
    log(`  Milvus: flush ${r(m.flushMs / 1000, 1)} s, index wait ${r(m.indexWaitMs / 1000, 1)} s, first release + load ${r(m.firstLoadMs / 1000, 1)} s, second ${r(m.loadMs / 1000, 1)} s; ${latencyQueries} x ${rounds} searches`);
    const s = await measureSearch(gallery, latencySet, { rounds });
    m.search = { p50: s.p50, p99: s.p99, mean: s.mean, searches: s.searches };
    m.recall = recall(s.hits.slice(0, recallQueries).map(hitPairs), truth.slice(0, Math.min(recallQueries, s.hits.length)));
    m.rssAfterSearch = rss();
    m.wallSeconds = (now() - t0) / 1000;
  } catch (err) {
    m.status = `failed: ${m.killedForMemory ?? err.message}`;
    log(`  Milvus failed: ${err.stack ?? err.message}`);
    if (server.dataDir) m.serverLogTail = tail(path.join(server.dataDir, 'server.log'), 30);
  } finally {
    if (watchdog) clearInterval(watchdog);
    if (m.errors && server.dataDir && !m.serverLogTail) m.serverLogTail = tail(path.join(server.dataDir, 'server.log'), 30);
    await gallery?.close();
    if (gallery && !m.killedForMemory) {
      for (const name of Object.values(gallery.collections)) {
        try {
          milvusOk(await admin.dropCollection({ collection_name: name }), `drop ${name}`);
        } catch (err) {
          log(`  could not drop ${name}: ${err.message}`);
        }
      }
    }
    await admin.closeConnection().catch(() => undefined);
    if (!external) server.stop();
  }
  return m;
}

const hitPairs = (h) => h.map((x) => [x.templateId, x.score]);

/** A bench step tried again (5 times, 10 s apart) when the server refuses it; every refusal is kept in m.errors. */
async function retried(m, what, fn) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      (m.errors ??= []).push(`${what}, try ${attempt}: ${err.message}`);
      log(`  Milvus: ${what} failed (try ${attempt}): ${err.message}`);
      if (attempt === 5) throw err;
      await new Promise((res) => setTimeout(res, 10_000));
    }
  }
}

function tail(file, lines) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines - 1).join('\n');
  } catch {
    return null;
  }
}

async function indexState(admin, collection) {
  const d = milvusOk(await admin.describeIndex({ collection_name: collection, field_name: 'embedding' }), 'describe index');
  const x = d.index_descriptions?.[0] ?? {};
  const [indexed, total, pending] = [x.indexed_rows, x.total_rows, x.pending_index_rows].map((v) => (v === undefined ? undefined : Number(v)));
  // A server that reports no row counts builds synchronously (milvus-lite): nothing to wait for.
  return { type: x.index_type, state: x.state, indexedRows: indexed, totalRows: total, pendingRows: pending, done: indexed === undefined || (indexed >= total && !pending) };
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

if (!['lite', 'milvus23'].includes(args['milvus-flavor'])) throw new Error(`--milvus-flavor must be lite or milvus23 (got ${args['milvus-flavor']})`);
// A server started here never outlives the bench: stopped after each size, on errors, on exit and on Ctrl-C.
process.on('exit', stopMilvusServers);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    log(`${signal}: stopping`);
    stopMilvusServers();
    rmSync(queriesFile, { force: true });
    process.exit(130);
  });
}

const milvusMaxRss = Number(args['milvus-max-rss-gib'] ?? (0.6 * os.freemem()) / 2 ** 30) * 2 ** 30;

const results = [];
try {
  for (const size of sizes) {
    log(`--- ${size} templates (fill: ${fillMode}) ---`);
    const real = enrolled.slice(0, size);
    const dataDir = mkdtempSync(path.join(baseDir, `bf-bench-gallery-${size}-`));
    const embedded = {};
    let fill;
    let embeddedFillHash;
    {
      const gallery = await EmbeddedGallery.open({ dataDir, space });
      const e = await enroll(gallery, { size, dim, real, fillMode, seed: 1000 });
      fill = e.fill;
      embeddedFillHash = e.fillHash;
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
    embedded.fillHash = embeddedFillHash;
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

    let milvus = { status: 'skipped (--no-milvus)' };
    if (!args['no-milvus']) {
      // 10 filler templates per identity as on the embedded adapter, except at 500k and more: the adapter creates an
      // identity with a query and an upsert, and on milvus-lite the query scans every unflushed identity, so 100k
      // filler identities would take hours (see the projection printed for the smaller sizes).
      const perIdentity = Number(args['milvus-per-identity'] ?? (size >= 500_000 ? 1000 : FILL_PER_IDENTITY));
      milvus = await measureMilvus({ size, dim, real, space, truth, recallQueries, perIdentity, external: args.milvus, flavor: args['milvus-flavor'] });
      if (milvus.fillHash !== undefined) milvus.sameTemplatesAsEmbedded = milvus.fillHash === embedded.fillHash;
      if (milvus.status === 'measured') milvus.projected1M = projectMilvus(milvus, enrolled, perIdentity);
    }
    results.push({ size, fill: fillMode, embedded, milvus });
    printSize(results[results.length - 1]);
  }
} finally {
  rmSync(queriesFile, { force: true });
  stopMilvusServers();
}

/**
 * How long enrolling 1M templates would take on this Milvus, from this size's rates: identities from a fit of
 * t(n) = a·n + b·n² to the identity trace (b > 0: each identity costs more the more there are), templates at the
 * measured rate. Both for 10 filler templates per identity (as the embedded adapter gets) and for `perIdentity`.
 */
function projectMilvus(m, real, perIdentity) {
  const people = new Set(real.map((t) => t.person)).size;
  // Least squares without intercept: minimize the sum of (a·n + b·n² − t)².
  let [s11, s12, s22, s1t, s2t] = [0, 0, 0, 0, 0];
  for (const [n, ms] of m.identityTrace) {
    const t = ms / 1000;
    s11 += n * n;
    s12 += n ** 3;
    s22 += n ** 4;
    s1t += n * t;
    s2t += n * n * t;
  }
  const det = s11 * s22 - s12 * s12;
  const fit = m.identityTrace.length >= 2 && det > 0 ? { a: (s1t * s22 - s2t * s12) / det, b: (s11 * s2t - s12 * s1t) / det } : { a: 1 / m.identitiesPerSec, b: 0 };
  const at = (per) => {
    const identities = people + Math.ceil((1_000_000 - real.length) / per);
    const identitySeconds = Math.max(fit.a * identities + fit.b * identities ** 2, identities / m.identitiesPerSec);
    const upsertSeconds = 1_000_000 / m.templatesPerSec;
    return { perIdentity: per, identities, identitySeconds, upsertSeconds, totalMinutes: (identitySeconds + upsertSeconds) / 60 };
  };
  return { identityFit: fit, at10: at(FILL_PER_IDENTITY), atPerIdentity: at(perIdentity) };
}

function printSize({ size, embedded: e, milvus: m }) {
  const mb = (b) => (b === null || b === undefined ? '-' : `${r(b / 2 ** 20, 1)} MiB`);
  const { simd: f, js: b } = e;
  const rec = (x) => `${r(x.recall.recallAt1, 4)} / ${r(x.recall.top10Overlap, 4)} (${x.recall.queries} q)`;
  const ok = m.status === 'measured';
  const mv = (fn) => (ok ? fn() : '');
  const rows = [
    ['enroll (upsertTemplates, batches of 1,000)', `${Math.round(e.templatesPerSec)} templates/s`, '', ok ? `${Math.round(m.templatesPerSec)} templates/s` : m.status],
    ['create identities', `${Math.round(e.identitiesPerSec)} /s (${e.identities})`, '', mv(() => `${Math.round(m.identitiesPerSec)} /s (${m.identities}${m.perIdentity !== FILL_PER_IDENTITY ? `, ${m.perIdentity} filler templates each` : ''})`)],
    ['right after enrolling: p50, recall@1', '', '', mv(() => `${r(m.beforeFlush.p50)} ms, ${r(m.beforeFlush.recall.recallAt1, 4)} (${m.beforeFlush.recall.queries} q, no flush)`)],
    ['index load on open', `${Math.round(f.loadMs)} ms`, `${Math.round(b.loadMs)} ms`, mv(() => `${Math.round(m.loadMs)} ms (release + load)`)],
    ['flush / index wait / first load (after the build)', '', '', mv(() => `${r(m.flushMs / 1000, 1)} s / ${r(m.indexWaitMs / 1000, 1)} s / ${r(m.firstLoadMs / 1000, 1)} s`)],
    ['search top-10 p50', `${r(f.search.p50)} ms`, `${r(b.search.p50)} ms`, mv(() => `${r(m.search.p50)} ms`)],
    ['search top-10 p99', `${r(f.search.p99)} ms`, `${r(b.search.p99)} ms`, mv(() => `${r(m.search.p99)} ms`)],
    ['searches timed', `${f.search.searches}`, `${b.search.searches}`, mv(() => `${m.search.searches}`)],
    ['rows re-scored per search (first pass)', f.candidatesPerScan === null ? '-' : `${r(f.candidatesPerScan, 1)}`, 'all', mv(() => 'HNSW')],
    ['recall@1 / top-10 overlap vs brute force', rec(f), `${rec(b)}${b.identicalToSimd ? ', identical' : ', DIFFERS'}`, mv(() => rec(m))],
    ['float32 SIMD scan alone (idea a)', f.f32Scan ? `${r(f.f32Scan.p50)} ms` : '-', '', ''],
    ['index bytes (bytes per template)', `${mb(f.indexBytes)} (${Math.round(f.bytesPerTemplate)})`, `${mb(b.indexBytes)} (${Math.round(b.bytesPerTemplate)})`, ''],
    ['process RSS after open (per template)', `${mb(f.rss)} (${Math.round(f.rssPerTemplate)})`, `${mb(b.rss)} (${Math.round(b.rssPerTemplate)})`, mv(() => (m.rssAfterFill === null ? 'n/a (external server)' : `server: idle ${mb(m.rssIdle)}, filled ${mb(m.rssAfterFill)}, loaded ${mb(m.rssAfterFirstLoad)}, ${mb(m.rssAfterLoad)}, searched ${mb(m.rssAfterSearch)}, peak ${mb(m.rssPeak)}`))],
    ['SQLite file (per template)', `${mb(e.dbBytes)} (${Math.round(e.dbBytesPerTemplate)})`, '', mv(() => (m.dataBytes === null ? '' : `server data dir ${mb(m.dataBytes)} (${Math.round(m.dataBytes / size)})`))],
  ];
  const head = [`${size.toLocaleString('en')} templates`, `embedded (${f.backend})`, `embedded, ${b.backend} scan (before)`, ok ? `Milvus (${m.flavor} ${m.serverVersion})` : 'Milvus'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((x) => String(x[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(w[i])).join(' | ')} |`;
  console.log(['', line(head), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...rows.map(line)].join('\n'));
  if (ok) {
    const say = (p) => `${p.identities} identities (${p.perIdentity} filler templates each): ${r(p.totalMinutes, 0)} min (${r(p.identitySeconds / 60, 1)} identities + ${r(p.upsertSeconds / 60, 1)} upserts)`;
    const { identityFit: fit, at10, atPerIdentity } = m.projected1M;
    console.log(
      `Milvus: same filler vectors as embedded: ${m.sameTemplatesAsEmbedded}; enrolment took ${r(m.enrollWallSeconds / 60, 1)} min ` +
        `(createIdentity ≈ ${r(fit.a * 1000, 2)} ms + ${r(2 * fit.b * 1e6, 2)} µs per identity already there). Projected for 1M templates: ${say(at10)}` +
        `${atPerIdentity.perIdentity !== at10.perIdentity ? `; ${say(atPerIdentity)}` : ''}`,
    );
  }
}

const out = args.out ?? path.join(OUT_DIR, `gallery-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(
  out,
  JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, model, dim, realEnrolled: enrolled.length, heldOutQueries: queries.length, latencyQueries, results }, null, 2),
);
log(`wrote ${path.relative(ROOT, out)}`);
