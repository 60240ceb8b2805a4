#!/usr/bin/env node
// Live-pipeline benchmark: cameras replaying recorded video in real time through the whole live path (ffmpeg source →
// latest-wins frame scheduler → camera pipeline → inference pool → tracker → embeddings → gallery → track events on
// the bus, with sightings and snapshots written to a temporary data directory), and the offline frame rate against
// the insightface FaceAnalysis loop on the same 1080p clip.
//
//   npm run build && npm run bench:pipeline -- [--cameras 1,2,4] [--seconds 60] [--warmup 8] [--no-enroll]
//       [--no-offline] [--no-reference] [--offline-passes 2] [--offline-engines default,1x2] [--engine WxT]
//       [--node-flags=--initial-old-space-size=256] [--soak MINUTES] [--allocator jemalloc|glibc] [--out FILE]
//
// Each camera configuration runs in a fresh child process (clean RSS and CPU counters): `openCore` + `startLive` as
// the server runs them, the face_recognition_examples people enrolled (so tracks get identified on the Hamilton clip),
// then cameras added at run time with loop + realtime (ffmpeg -re: frames arrive at the native rate and carry their
// arrival time as capture time `ts`). Camera 1 is opera_arcade_walkers.mp4 (1920x1080, 25 fps), then
// hamilton_whitehouse_clip.mp4 (640x360, 29.97 fps), vtest.avi (768x576, 10 fps), opera again. After --warmup seconds
// the counters are read, and again --seconds later:
//   - per camera: frames handled by the pipeline per second (detect fps), frames offered, dropped (latest-wins),
//     skipped (detectFps cap), detection round trip;
//   - frame → event latency: Date.now() in a bus subscriber minus the event's `ts` (capture time of its frame), all
//     events, per kind;
//   - CPU in cores: the node process (process.cpuUsage, all threads: main, inference workers, libuv), per thread from
//     /proc/self/task, the ffmpeg children (/proc/<pid>/stat), and the whole machine (/proc/stat) so that other
//     tenants' load shows; RSS each second (start, end, max); main-thread event-loop lag (monitorEventLoopDelay, 1 ms);
//   - where the time goes: the frame's wait in the scheduler slot, the detection round trip and its parts measured in
//     the worker (letterbox, session.run, decode, alignment), embedding batches, snapshot writes, sighting writes, the
//     shot-cut signature (wrapped on the instances for the run; the code under test is not changed).
// Offline: `boostface track --no-sightings` style (videoFrames, every frame, as fast as it goes) on the 1080p clip,
// then tools/reference/bench_video.py (insightface: cv2 decode → SCRFD.detect 640 → norm_crop → embed every face,
// every frame) on the same file and models, with onnxruntime spinning off (the fair setting; see engine.md) and as
// shipped.
// --engine WxT runs the live configurations with W inference workers of T threads each (default: the server's own
// choice, BOOSTFACE_WORKERS / BOOSTFACE_THREADS if set); --offline-engines lists the settings of the offline runs;
// --node-flags passes flags to the measuring node processes (e.g. V8 heap sizing, see docs/performance.md).
// --soak MINUTES: only one 1080p camera for that long, RSS every 10 s, slope over the second half (MB/min), and which
// mappings grew over the second half (/proc/self/smaps).
// --allocator: the measuring processes run with libjemalloc preloaded as scripts/start.sh and the images run the
// server (default), or on glibc's malloc.
//
// Figures go to stdout as tables and to bench/out/pipeline-<time>.json; progress to stderr.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { constants as perfConstants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = path.join(ROOT, 'bench/out');
const dist = (p) => path.join(ROOT, 'server/dist', p);
if (!existsSync(dist('main.js'))) {
  console.error('bench: server is not built; run "npm run build" first');
  process.exit(2);
}

const { values: args } = parseArgs({
  options: {
    cameras: { type: 'string', default: '1,2,4' },
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '8' },
    'no-enroll': { type: 'boolean', default: false },
    'no-offline': { type: 'boolean', default: false },
    'no-reference': { type: 'boolean', default: false },
    'offline-passes': { type: 'string', default: '2' },
    'offline-engines': { type: 'string', default: 'default,1x2' },
    engine: { type: 'string' },
    'node-flags': { type: 'string' },
    allocator: { type: 'string', default: 'jemalloc' },
    soak: { type: 'string' },
    out: { type: 'string' },
    child: { type: 'string' }, // internal: live | offline | soak
  },
});

const SHARED = path.resolve(process.env.BOOSTFACE_SHARED ?? path.join(ROOT, '../shared'));
const MODELS = process.env.BOOSTFACE_MODELS ?? path.join(SHARED, 'models');
const VIDEO_DIR = path.join(SHARED, 'data/video');
const OPERA = path.join(VIDEO_DIR, 'opera_arcade_walkers.mp4');
const CAMERA_VIDEOS = [OPERA, path.join(VIDEO_DIR, 'hamilton_whitehouse_clip.mp4'), path.join(VIDEO_DIR, 'vtest.avi'), OPERA];
const GALLERY_DIR = path.join(SHARED, 'data/faces/face_recognition_examples');
const PYTHON = path.join(ROOT, 'tools/reference/.venv/bin/python');
const CLK_TCK = 100; // Linux USER_HZ: /proc tick unit
const MB = 2 ** 20;

const log = (m) => process.stderr.write(`bench${args.child ? `[${args.child}]` : ''}: ${m}\n`);
const r = (v, d = 1) => (v === null || v === undefined || Number.isNaN(v) ? null : Math.round(v * 10 ** d) / 10 ** d);
const sleep = (ms) => new Promise((res) => setTimeout(res, ms));
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const mean = (xs) => (xs.length ? sum(xs) / xs.length : null);
/** Nearest-rank percentile. */
function pct(xs, p) {
  if (!xs.length) return null;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
const dist3 = (xs) => ({ n: xs.length, mean: r(mean(xs), 2), p50: r(pct(xs, 50), 2), p95: r(pct(xs, 95), 2), p99: r(pct(xs, 99), 2), max: r(pct(xs, 100), 2) });

// ---------------------------------------------------------------------------------------------------------------------
// /proc readings

/** utime + stime (s) and the name of a process or thread from its stat file; null if it is gone. */
function procStat(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const close = text.lastIndexOf(')');
  const name = text.slice(text.indexOf('(') + 1, close);
  const f = text.slice(close + 2).split(' '); // f[0] is field 3 (state)
  return { name, ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / CLK_TCK, childrenCpu: (Number(f[13]) + Number(f[14])) / CLK_TCK };
}

/** CPU seconds of this process's children: live ones from /proc plus the reaped ones (cutime + cstime). */
function childrenCpu() {
  let total = procStat('/proc/self/stat').childrenCpu;
  const byName = {};
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const s = procStat(`/proc/${d}/stat`);
    if (!s || s.ppid !== process.pid) continue;
    total += s.cpu;
    byName[s.name] = (byName[s.name] ?? 0) + s.cpu;
  }
  return { total, byName };
}

/**
 * Thread roles, told apart by when the thread appeared (Node names all its threads "node"): those present before
 * openCore are V8's platform threads (GC, compiler) and libuv's; those created while openCore ran are the inference
 * workers (with one onnxruntime thread each, no extra pool threads); later ones are libuv's pool and libvips (sharp).
 */
const threadRole = new Map();
function labelNewThreads(role) {
  for (const tid of readdirSync('/proc/self/task')) if (!threadRole.has(tid)) threadRole.set(tid, tid === String(process.pid) ? 'main' : role);
}

/** CPU seconds per thread of this process, keyed "role#tid" (the main thread's tid is the pid). */
function threadCpu() {
  const out = {};
  for (const tid of readdirSync('/proc/self/task')) {
    const s = procStat(`/proc/self/task/${tid}/stat`);
    if (s) out[`${threadRole.get(tid) ?? `${s.name} (later)`}#${tid}`] = s.cpu;
  }
  return out;
}

/** Resident memory split into anonymous (heap, buffers, native allocators) and file-backed (code, mapped files). */
function rssParts() {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { anon: kb('RssAnon'), file: kb('RssFile') };
}

/** Mappings of this process with their resident size (from /proc/self/smaps), keyed by start address. */
function smapsRegions() {
  const regions = new Map();
  let cur = null;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      cur = { start: head[1], size: (parseInt(head[2], 16) - parseInt(head[1], 16)) / 1024, name: head[3] || '[anon]', rss: 0 };
      regions.set(cur.start, cur);
    } else if (cur && line.startsWith('Rss:')) cur.rss = Number(/(\d+)/.exec(line)[1]);
  }
  return regions;
}

/** Where resident memory grew between two smaps readings: totals by mapping name, and the regions that grew most (KiB). */
function smapsGrowth(before, after) {
  const byName = {};
  const grown = [];
  for (const [start, reg] of after) {
    const was = before.get(start)?.rss ?? 0;
    const d = reg.rss - was;
    const key = reg.name.startsWith('/') ? path.basename(reg.name) : reg.name;
    byName[key] = (byName[key] ?? 0) + d;
    if (d !== 0) grown.push({ start, name: key, sizeKiB: reg.size, rssKiB: reg.rss, grewKiB: d, isNew: !before.has(start) });
  }
  for (const [start, reg] of before) {
    if (!after.has(start)) {
      const key = reg.name.startsWith('/') ? path.basename(reg.name) : reg.name;
      byName[key] = (byName[key] ?? 0) - reg.rss;
    }
  }
  grown.sort((x, y) => y.grewKiB - x.grewKiB);
  return { byNameKiB: Object.fromEntries(Object.entries(byName).filter(([, v]) => Math.abs(v) >= 256).sort((x, y) => y[1] - x[1])), topRegions: grown.slice(0, 15) };
}

/** Busy and total CPU seconds of the whole machine. */
function machineCpu() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = sum(f.slice(0, 8));
  return { busy: (total - f[3] - f[4]) / CLK_TCK, total: total / CLK_TCK };
}

/** The busiest other processes right now (ps's lifetime %CPU is useless; this samples /proc over 2 s). */
async function busyProcesses(ms = 2000) {
  const read = () => {
    const m = new Map();
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      const s = procStat(`/proc/${d}/stat`);
      if (s) m.set(d, s);
    }
    return m;
  };
  const a = read();
  await sleep(ms);
  const b = read();
  const rows = [];
  for (const [pid, s] of b) {
    const before = a.get(pid);
    if (!before) continue;
    const cores = (s.cpu - before.cpu) / (ms / 1000);
    if (cores >= 0.05) {
      let cmd = '';
      try {
        cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim().slice(0, 120);
      } catch {}
      rows.push({ pid: Number(pid), cores: r(cores, 2), cmd: cmd || s.name });
    }
  }
  return rows.sort((x, y) => y.cores - x.cores);
}

function machineInfo() {
  return {
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    memGiB: r(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    ffmpeg: spawnSync('ffmpeg', ['-version'], { encoding: 'utf8' }).stdout?.split('\n')[0] ?? null,
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// Child: one live configuration (or the soak)

/** A fresh data directory; the in-process event bus even where BOOSTFACE_REDIS_URL is set (this measures one process). */
function coreEnv(dataDir) {
  return { ...process.env, BOOSTFACE_DATA_DIR: dataDir, BOOSTFACE_MODELS: MODELS, BOOSTFACE_REDIS_URL: '' };
}

async function enrollPeople(core) {
  let n = 0;
  for (const person of readdirSync(GALLERY_DIR).filter((p) => !p.startsWith('_')).sort()) {
    const files = readdirSync(path.join(GALLERY_DIR, person)).map((f) => path.join(GALLERY_DIR, person, f));
    const images = files.map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(f)) }));
    const { identity } = await core.enrollment.enroll({ name: person }, images);
    if (identity) n++;
  }
  return n;
}

/** Accumulates durations (ms) of calls to an instance's method, sync or async, without changing what it returns. */
function timeMethod(obj, name, sink, extra) {
  const orig = obj[name].bind(obj);
  obj[name] = (...a) => {
    const t0 = performance.now();
    const res = orig(...a);
    if (res && typeof res.then === 'function') {
      return res.then((v) => {
        sink.push(performance.now() - t0);
        extra?.(v, a);
        return v;
      });
    }
    sink.push(performance.now() - t0);
    extra?.(res, a);
    return res;
  };
}

async function liveChild() {
  const soakMinutes = args.child === 'soak' ? Number(args.soak) : 0;
  const nCameras = soakMinutes ? 1 : Number(args.cameras);
  const seconds = soakMinutes ? soakMinutes * 60 : Number(args.seconds);
  const warmup = Number(args.warmup);
  const { openCore, startLive } = await import(dist('main.js'));
  const { CameraPipeline } = await import(dist('recognition/camera-pipeline.js'));
  const shotCut = await import(dist('recognition/shot-cut.js'));
  const { currentAllocator } = await import(dist('ops/allocator.js'));

  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bf-bench-pipeline-'));
  labelNewThreads('v8 + libuv pool (GC, sharp, fs)');
  const core = await openCore(coreEnv(dataDir), { log });
  labelNewThreads('inference worker');
  const enrolled = args['no-enroll'] ? 0 : await enrollPeople(core);
  log(`${nCameras} camera(s), ${enrolled} identities enrolled, workers ${core.settings.workers} × ${core.settings.threads} threads, det size ${core.settings.detSize}`);

  // Instrumentation (timings only; results pass through unchanged). `measuring` gates what is kept.
  let measuring = false;
  const prof = { analyzeMs: [], stages: { detectPrepMs: [], detectRunMs: [], detectPostMs: [], alignMs: [] }, embedMs: [], embedBatch: [], embedRunMs: [], snapshotMs: [], sightingMs: [], waitMs: [], handleMs: [] };
  const keep = (sink) => ({ push: (v) => measuring && sink.push(v) });
  timeMethod(core.pool, 'analyze', keep(prof.analyzeMs), (res) => {
    if (!measuring) return;
    for (const k of Object.keys(prof.stages)) prof.stages[k].push(res.timing[k]);
  });
  timeMethod(core.pool, 'embed', keep(prof.embedMs), (res, a) => {
    if (!measuring) return;
    prof.embedBatch.push(a[0].length);
    prof.embedRunMs.push(res.timing.embedRunMs);
  });
  timeMethod(core.snapshots, 'write', keep(prof.snapshotMs));
  timeMethod(core.sightings, 'put', keep(prof.sightingMs));
  const handle = CameraPipeline.prototype.handle;
  CameraPipeline.prototype.handle = async function (frame) {
    const t0 = performance.now();
    if (measuring) prof.waitMs.push(Date.now() - frame.ts);
    try {
      return await handle.call(this, frame);
    } finally {
      if (measuring) prof.handleMs.push(performance.now() - t0);
    }
  };

  const live = await startLive(core, { retention: false, log });
  const latency = { all: [], started: [], updated: [], identified: [], ended: [] };
  const counts = { started: 0, updated: 0, identified: 0, ended: 0 };
  const names = new Set();
  live.bus.subscribe('trackEvents', (e) => {
    if (!measuring) return;
    const ms = Date.now() - e.ts;
    latency.all.push(ms);
    latency[e.kind].push(ms);
    counts[e.kind]++;
    if (e.identity) names.add(e.identity.name);
  });

  const cameras = [];
  for (let i = 0; i < nCameras; i++) {
    const id = `cam${i + 1}`;
    const url = CAMERA_VIDEOS[i % CAMERA_VIDEOS.length];
    await live.cameras.add({ id, name: path.basename(url), url, loop: true, realtime: true });
    cameras.push({ id, video: path.basename(url) });
  }
  log(`cameras added; warming up ${warmup} s`);
  await sleep(warmup * 1000);

  const pipelineOf = (id) => live.recognition.camera(id, { frameIntervalMs: 40 });
  const snap = () => ({
    t: performance.now(),
    cpu: process.cpuUsage(),
    children: childrenCpu(),
    threads: threadCpu(),
    machine: machineCpu(),
    embed: { ...live.recognition.embedStats },
    cams: Object.fromEntries(
      cameras.map(({ id }) => {
        const p = pipelineOf(id);
        return [id, { sched: live.schedulerStats(id), frames: p.stats.frames, faces: p.stats.faces, cuts: p.stats.cuts, rec: { ...p.recognizer.stats }, health: live.cameras.get(id)?.health }];
      }),
    ),
  });
  const loop = monitorEventLoopDelay({ resolution: 1 });
  // Main-thread garbage collection by kind: large frame buffers count as external memory, which drives V8's GCs.
  const GC_KINDS = { [perfConstants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge', [perfConstants.NODE_PERFORMANCE_GC_MAJOR]: 'markCompact', [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [perfConstants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakCallbacks' };
  const gc = {};
  const gcObserver = new PerformanceObserver((list) => {
    if (!measuring) return;
    for (const e of list.getEntries()) {
      const kind = GC_KINDS[e.detail?.kind ?? e.kind] ?? 'other';
      const g = (gc[kind] ??= { count: 0, totalMs: 0, maxMs: 0 });
      g.count++;
      g.totalMs += e.duration;
      g.maxMs = Math.max(g.maxMs, e.duration);
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const rss = [];
  const memAt = (t0) => {
    const m = process.memoryUsage();
    return { s: r((performance.now() - t0) / 1000, 1), rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, ...rssParts() };
  };
  const a = snap();
  measuring = true;
  loop.enable();
  const sampleEvery = soakMinutes ? 10_000 : 1000;
  rss.push(memAt(a.t));
  // Soak: which mappings grow over the second half (glibc arenas, onnxruntime, V8, ...).
  let smapsMid = null;
  const midTimer = soakMinutes ? setTimeout(() => (smapsMid = smapsRegions()), (seconds * 1000) / 2) : undefined;
  const sampler = setInterval(() => {
    rss.push(memAt(a.t));
    if (soakMinutes && rss.length % 6 === 1) log(`soak ${r((performance.now() - a.t) / 60000, 1)} min, RSS ${r(rss.at(-1).rss / MB, 1)} MB`);
  }, sampleEvery);
  const progress = soakMinutes
    ? undefined
    : setInterval(() => {
        const s = cameras.map(({ id }) => `${id} ${pipelineOf(id).stats.frames - a.cams[id].frames}`).join(', ');
        log(`${r((performance.now() - a.t) / 1000, 0)} s: frames ${s}; events ${latency.all.length}`);
      }, 10_000);
  await sleep(seconds * 1000);
  measuring = false;
  loop.disable();
  gcObserver.disconnect();
  clearInterval(sampler);
  clearInterval(progress);
  clearTimeout(midTimer);
  rss.push(memAt(a.t));
  const smapsSecondHalf = smapsMid ? smapsGrowth(smapsMid, smapsRegions()) : undefined;
  const b = snap();

  // The shot-cut signature and the structured clone of a frame, timed on a real frame size (1080p) for the profile.
  const frame = { data: new Uint8Array(1920 * 1080 * 3).fill(90), width: 1920, height: 1080 };
  const tSig = performance.now();
  for (let i = 0; i < 50; i++) shotCut.frameSignature(frame);
  const signatureMs = (performance.now() - tSig) / 50;
  const tClone = performance.now();
  for (let i = 0; i < 20; i++) structuredClone(frame);
  const cloneMs = (performance.now() - tClone) / 20;

  const wall = (b.t - a.t) / 1000;
  const perCamera = cameras.map(({ id, video }) => {
    const x = a.cams[id];
    const y = b.cams[id];
    const d = (k) => y.sched[k] - x.sched[k];
    return {
      id,
      video,
      size: y.health?.width ? `${y.health.width}x${y.health.height}` : null,
      sourceFps: y.health?.fps ?? null,
      detectFps: r((y.frames - x.frames) / wall, 2),
      offeredFps: r(d('offered') / wall, 2),
      offered: d('offered'),
      delivered: d('delivered'),
      dropped: d('dropped'),
      skipped: d('skipped'),
      faces: y.faces - x.faces,
      cuts: y.cuts - x.cuts,
      tracksStarted: y.rec.tracksStarted - x.rec.tracksStarted,
      embeddings: y.rec.embeddings - x.rec.embeddings,
      identifications: y.rec.identifications - x.rec.identifications,
      reconnects: (y.health?.reconnects ?? 0) - (x.health?.reconnects ?? 0),
      state: y.health?.state,
      detectMs: dist3(pipelineOf(id).stats.detectMs),
    };
  });
  const threadDelta = {};
  const roleDelta = {};
  for (const [k, v] of Object.entries(b.threads)) {
    const cores = (v - (a.threads[k] ?? 0)) / wall;
    const role = k.split('#')[0];
    roleDelta[role] = (roleDelta[role] ?? 0) + cores;
    if (cores >= 0.005) threadDelta[k] = r(cores, 3);
  }
  for (const k of Object.keys(roleDelta)) roleDelta[k] = r(roleDelta[k], 3);
  const ffmpegCores = (b.children.total - a.children.total) / wall;
  const nodeCores = (b.cpu.user + b.cpu.system - a.cpu.user - a.cpu.system) / 1e6 / wall;
  const machineBusy = (b.machine.busy - a.machine.busy) / wall;
  const ns = (v) => r(v / 1e6, 2);
  const half = rss.filter((x) => x.s >= seconds / 2);
  const result = {
    cameras: nCameras,
    seconds: r(wall, 1),
    enrolled,
    engine: { workers: core.settings.workers, threads: core.settings.threads, detSize: core.settings.detSize, detector: path.basename(core.pool.info.detector.file), recognizer: path.basename(core.pool.info.recognizer.file) },
    perCamera,
    latency: Object.fromEntries(Object.entries(latency).map(([k, v]) => [k, dist3(v)])),
    latencyExceptEnded: dist3([...latency.started, ...latency.updated, ...latency.identified]),
    events: counts,
    namesSeen: [...names].sort(),
    cpu: {
      nodeCores: r(nodeCores, 3),
      ffmpegCores: r(ffmpegCores, 3),
      totalCores: r(nodeCores + ffmpegCores, 3),
      machineBusyCores: r(machineBusy, 3),
      otherCores: r(machineBusy - nodeCores - ffmpegCores, 3),
      byRole: roleDelta,
      threads: threadDelta,
    },
    rssMB: { start: r(rss[0].rss / MB), end: r(rss.at(-1).rss / MB), max: r(Math.max(...rss.map((x) => x.rss)) / MB) },
    heapMB: { start: r(rss[0].heapUsed / MB), end: r(rss.at(-1).heapUsed / MB), max: r(Math.max(...rss.map((x) => x.heapUsed)) / MB) },
    rssSlopeSecondHalfMBPerMin: half.length >= 2 ? r(slope(half.map((x) => [x.s / 60, x.rss / MB])), 3) : null,
    heapSlopeSecondHalfMBPerMin: half.length >= 2 ? r(slope(half.map((x) => [x.s / 60, x.heapUsed / MB])), 3) : null,
    eventLoopLagMs: { p50: ns(loop.percentile(50)), p99: ns(loop.percentile(99)), max: ns(loop.max), mean: ns(loop.mean) },
    mainThreadGc: Object.fromEntries(Object.entries(gc).map(([k, g]) => [k, { perSec: r(g.count / wall, 2), msPerSec: r(g.totalMs / wall, 2), maxMs: r(g.maxMs, 2) }])),
    embed: { batches: b.embed.batches - a.embed.batches, crops: b.embed.crops - a.embed.crops },
    profile: {
      schedulerWaitMs: dist3(prof.waitMs),
      handleMs: dist3(prof.handleMs),
      analyzeRoundTripMs: dist3(prof.analyzeMs),
      inWorker: Object.fromEntries(Object.entries(prof.stages).map(([k, v]) => [k, dist3(v)])),
      outsideWorkerMs: dist3(prof.analyzeMs.map((t, i) => t - prof.stages.detectPrepMs[i] - prof.stages.detectRunMs[i] - prof.stages.detectPostMs[i] - prof.stages.alignMs[i])),
      embedBatchMs: dist3(prof.embedMs),
      embedRunMs: dist3(prof.embedRunMs),
      embedBatchSize: dist3(prof.embedBatch),
      snapshotWriteMs: dist3(prof.snapshotMs),
      sightingPutMs: dist3(prof.sightingMs),
      signature1080pMs: r(signatureMs, 3),
      structuredClone1080pMs: r(cloneMs, 2),
    },
    rssSamples: soakMinutes ? rss.map((x) => ({ s: x.s, rssMB: r(x.rss / MB, 1), heapMB: r(x.heapUsed / MB, 1), externalMB: r(x.external / MB, 1), anonMB: r(x.anon / MB, 1), fileMB: r(x.file / MB, 1) })) : undefined,
    allocator: currentAllocator() === 'default' ? 'glibc' : currentAllocator(),
    smapsSecondHalf,
    rssAnonSlopeSecondHalfMBPerMin: half.length >= 2 ? r(slope(half.map((x) => [x.s / 60, x.anon / MB])), 3) : null,
  };
  await live.stop();
  await core.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(result) + '\n');
}

/** Least-squares slope of [x, y] points. */
function slope(points) {
  const mx = mean(points.map((p) => p[0]));
  const my = mean(points.map((p) => p[1]));
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : 0;
}

// ---------------------------------------------------------------------------------------------------------------------
// Child: offline frame rate on the 1080p clip (every frame, as fast as it goes; `boostface track --no-sightings`)

async function offlineChild() {
  const { openCore, createRecognition } = await import(dist('main.js'));
  const { videoFrames } = await import(dist('cameras/video-frames.js'));
  const { InProcessBus } = await import(dist('bus/in-process-bus.js'));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bf-bench-offline-'));
  const core = await openCore(coreEnv(dataDir), { log });
  const passes = [];
  const WARMUP = 3; // as bench_video.py
  for (let pass = 0; pass < Number(args['offline-passes']); pass++) {
    const bus = new InProcessBus();
    let events = 0;
    bus.subscribe('trackEvents', () => events++);
    const recognition = createRecognition(core, bus, { sightings: false, log });
    const pipeline = recognition.camera('opera', { frameIntervalMs: 40 });
    const cpu0 = process.cpuUsage();
    const ch0 = childrenCpu().total;
    let n = 0;
    let faces0 = 0;
    let t0 = 0;
    for await (const frame of videoFrames(OPERA, { cameraId: 'opera' })) {
      await pipeline.handle(frame);
      n++;
      if (n === WARMUP) {
        t0 = performance.now();
        faces0 = pipeline.stats.faces;
      }
    }
    // The tracks' last embeddings and searches belong to the work, as bench_video.py embeds within the frame.
    await recognition.stopAll();
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const frames = n - WARMUP;
    passes.push({
      frames,
      framesPerSec: r(frames / secs, 2),
      facesDetected: pipeline.stats.faces - faces0,
      facesEmbedded: recognition.embedStats.crops,
      events,
      nodeCores: r((cpu.user + cpu.system) / 1e6 / secs, 2),
      ffmpegCores: r((childrenCpu().total - ch0) / secs, 2),
      detectMs: dist3(pipeline.stats.detectMs),
    });
    log(`offline pass ${pass + 1}: ${passes.at(-1).framesPerSec} frames/s, ${recognition.embedStats.crops} faces embedded, ${passes.at(-1).facesDetected} detected`);
  }
  const engine = { workers: core.settings.workers, threads: core.settings.threads };
  await core.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify({ engine, passes }) + '\n');
}

// ---------------------------------------------------------------------------------------------------------------------
// Parent

/** Environment of a child for an engine setting WxT (W inference workers of T onnxruntime threads) or 'default'. */
function engineEnv(engine) {
  const m = /^(\d+)x(\d+)$/.exec(engine ?? '');
  if (engine && engine !== 'default' && !m) throw new Error(`bad engine setting "${engine}" (WxT, e.g. 1x2, or default)`);
  return m ? { ...process.env, BOOSTFACE_WORKERS: m[1], BOOSTFACE_THREADS: m[2] } : process.env;
}

/** The measuring processes run on the allocator scripts/start.sh gives the server (jemalloc where installed) unless --allocator glibc. */
function allocatorEnv(env) {
  const preload = (env.LD_PRELOAD ?? '').split(/[ :]/).filter((x) => x && !x.includes('jemalloc'));
  if (args.allocator === 'jemalloc') {
    const probe = spawnSync('/bin/sh', ['-c', ':'], { env: { ...env, LD_PRELOAD: 'libjemalloc.so.2' }, encoding: 'utf8' });
    if (probe.stderr.trim()) log('libjemalloc.so.2 not found (apt-get install libjemalloc2): measuring on glibc malloc');
    else preload.unshift('libjemalloc.so.2');
  } else if (args.allocator !== 'glibc') throw new Error(`--allocator: jemalloc or glibc, not ${args.allocator}`);
  return { ...env, LD_PRELOAD: preload.join(' ') };
}

function runChild(mode, extra = [], env = engineEnv(args.engine)) {
  return new Promise((resolve, reject) => {
    const flags = args['node-flags'] ? args['node-flags'].split(' ').filter(Boolean) : [];
    const child = spawn(process.execPath, [...flags, fileURLToPath(import.meta.url), '--child', mode, ...extra], { stdio: ['ignore', 'pipe', 'inherit'], env: allocatorEnv(env) });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').at(-1);
      if (code !== 0 || !line) return reject(new Error(`bench child ${mode} exited with ${code}`));
      resolve(JSON.parse(line));
    });
  });
}

function runReference(spin) {
  if (!existsSync(PYTHON)) return { status: `not available (${path.relative(ROOT, PYTHON)} missing; run tools/reference/setup.sh)` };
  const argv = [path.join(ROOT, 'tools/reference/bench_video.py'), OPERA, '--threads', '2', ...(spin ? [] : ['--no-spin'])];
  const t0 = performance.now();
  const res = spawnSync(PYTHON, argv, { encoding: 'utf8', env: { ...process.env, BOOSTFACE_MODELS: MODELS }, cwd: path.join(ROOT, 'tools/reference') });
  if (res.status !== 0) return { status: `failed: ${res.stderr.trim().split('\n').at(-1)}` };
  return { status: 'measured', spin, wallSec: r((performance.now() - t0) / 1000, 1), ...JSON.parse(res.stdout.trim().split('\n').at(-1)) };
}

function table(head, rows) {
  const w = head.map((h, i) => Math.max(String(h).length, ...rows.map((x) => String(x[i] ?? '').length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c ?? '').padEnd(w[i])).join(' | ')} |`;
  return ['', line(head), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const lat = (d) => (d.n ? `${d.p50} / ${d.p95} / ${d.p99}` : '-');

function printLive(res) {
  console.log(`\n${res.cameras} camera(s), ${res.seconds} s measured (${res.engine.detector}, det ${res.engine.detSize}, ${res.engine.workers} workers × ${res.engine.threads} threads, ${res.enrolled} enrolled)`);
  console.log(
    table(
      ['camera', 'video', 'detect fps', 'offered fps', 'dropped', 'skipped', 'detect ms p50/p95', 'faces', 'tracks', 'embeds'],
      res.perCamera.map((c) => [c.id, `${c.video} ${c.size ?? ''}`, c.detectFps, c.offeredFps, c.dropped, c.skipped, `${c.detectMs.p50} / ${c.detectMs.p95}`, c.faces, c.tracksStarted, c.embeddings]),
    ),
  );
  const L = res.latency;
  console.log(
    table(
      ['frame → event (ms)', 'n', 'p50 / p95 / p99', 'max'],
      [
        ['all events', L.all.n, lat(L.all), L.all.max],
        ['all but ended', res.latencyExceptEnded.n, lat(res.latencyExceptEnded), res.latencyExceptEnded.max],
        ...['updated', 'started', 'identified', 'ended'].map((k) => [k, L[k].n, lat(L[k]), L[k].max]),
      ],
    ),
  );
  console.log('(`ended` carries the last frame the track was seen on: it comes the track max-age later by design.)');
  const c = res.cpu;
  const p = res.profile;
  console.log(
    table(
      ['resource', 'value'],
      [
        ['CPU node process (cores)', c.nodeCores],
        ['CPU ffmpeg children (cores)', c.ffmpegCores],
        ['CPU machine busy / others (cores)', `${c.machineBusyCores} / ${c.otherCores}`],
        ['CPU by thread role (cores)', Object.entries(c.byRole).map(([k, v]) => `${k} ${v}`).join(', ')],
        ['CPU per inference worker (cores)', Object.entries(c.threads).filter(([k]) => k.startsWith('inference')).map(([, v]) => v).join(', ')],
        ['RSS start / end / max (MB)', `${res.rssMB.start} / ${res.rssMB.end} / ${res.rssMB.max}`],
        ['event-loop lag p50 / p99 / max (ms)', `${res.eventLoopLagMs.p50} / ${res.eventLoopLagMs.p99} / ${res.eventLoopLagMs.max}`],
        ['main-thread GC per s: count, ms (max pause ms)', Object.entries(res.mainThreadGc).map(([k, g]) => `${k} ${g.perSec}, ${g.msPerSec} (${g.maxMs})`).join('; ')],
        ['scheduler wait (arrival → handle) p50 / p95 ms', `${p.schedulerWaitMs.p50} / ${p.schedulerWaitMs.p95}`],
        ['detect round trip p50 / p95 ms', `${p.analyzeRoundTripMs.p50} / ${p.analyzeRoundTripMs.p95}`],
        ['  in worker: letterbox / run / decode / align (mean ms)', ['detectPrepMs', 'detectRunMs', 'detectPostMs', 'alignMs'].map((k) => p.inWorker[k].mean).join(' / ')],
        ['  outside the worker (copy, queue, messages) p50 / p95 ms', `${p.outsideWorkerMs.p50} / ${p.outsideWorkerMs.p95}`],
        ['embed batches: n, size mean, ms p50 / p95', `${p.embedBatchMs.n}, ${p.embedBatchSize.mean}, ${p.embedBatchMs.p50} / ${p.embedBatchMs.p95}`],
        ['snapshot writes: n, ms p50 / p95', `${p.snapshotWriteMs.n}, ${p.snapshotWriteMs.p50} / ${p.snapshotWriteMs.p95}`],
        ['sighting writes: n, ms p50 / p95', `${p.sightingPutMs.n}, ${p.sightingPutMs.p50} / ${p.sightingPutMs.p95}`],
        ['shot-cut signature / structuredClone of a 1080p frame (ms)', `${p.signature1080pMs} / ${p.structuredClone1080pMs}`],
        ['identities seen', res.namesSeen.join(', ') || '-'],
      ],
    ),
  );
}

async function parent() {
  const started = new Date();
  const machine = machineInfo();
  const before = { loadavg: os.loadavg().map((v) => r(v, 2)), busy: await busyProcesses() };
  log(`load ${before.loadavg.join(' ')}; busy processes: ${before.busy.map((p) => `${p.cores} ${p.cmd.slice(0, 60)}`).join('; ') || 'none'}`);
  const results = { date: started.toISOString(), argv: process.argv.slice(2), machine, loadBefore: before, models: MODELS, engine: args.engine ?? 'default', nodeFlags: args['node-flags'] ?? '', live: [], offline: null, reference: [], soak: null };
  const common = ['--warmup', args.warmup, ...(args['no-enroll'] ? ['--no-enroll'] : [])];

  if (args.soak) {
    log(`soak: one 1080p camera for ${args.soak} min`);
    results.soak = await runChild('soak', ['--soak', args.soak, ...common]);
    printLive(results.soak);
    const s = results.soak;
    console.log(`\nsoak (${s.allocator} malloc): RSS ${s.rssMB.start} → ${s.rssMB.end} MB (max ${s.rssMB.max}), slope over the second half ${s.rssSlopeSecondHalfMBPerMin} MB/min (anonymous ${s.rssAnonSlopeSecondHalfMBPerMin}, JS heap ${s.heapSlopeSecondHalfMBPerMin} MB/min)`);
  } else {
    for (const n of args.cameras.split(',').map(Number).filter((x) => x > 0)) {
      log(`live: ${n} camera(s) for ${args.seconds} s`);
      const res = await runChild('live', ['--cameras', String(n), '--seconds', args.seconds, ...common]);
      results.live.push(res);
      printLive(res);
    }
    if (!args['no-offline']) {
      results.offline = [];
      for (const engine of args['offline-engines'].split(',')) {
        log(`offline: the 1080p clip, every frame, as fast as it goes (engine ${engine})`);
        results.offline.push(await runChild('offline', ['--offline-passes', args['offline-passes']], engineEnv(engine)));
      }
      if (!args['no-reference']) {
        for (const spin of [false, true]) {
          log(`reference: insightface FaceAnalysis loop (bench_video.py${spin ? ', spinning on as shipped' : ' --no-spin'})`);
          results.reference.push(runReference(spin));
        }
      }
      const ours = results.offline[0].passes.map((p) => p.framesPerSec);
      const ref = results.reference.filter((x) => x.status === 'measured');
      const fair = ref.find((x) => !x.spin);
      console.log(`\nOffline, ${path.basename(OPERA)} (1920x1080), every frame as fast as it goes, det 640:`);
      console.log(
        table(
          ['pipeline', 'frames/s', 'faces embedded', 'ratio ours / reference'],
          [
            ...results.offline.flatMap((o) => o.passes.map((p, i) => [`BoostFace track --no-sightings, pass ${i + 1} (${o.engine.workers} workers × ${o.engine.threads} threads)`, p.framesPerSec, `${p.facesEmbedded} (per track; ${p.facesDetected} detected)`, fair ? `${r(p.framesPerSec / fair.framesPerSec, 2)}x` : ''])),
            ...ref.map((x) => [`insightface FaceAnalysis loop${x.spin ? ' (as shipped, spinning)' : ' (--no-spin)'}`, x.framesPerSec, `${x.faces} (every face, every frame)`, '']),
          ],
        ),
      );
      if (ours.length && fair) results.ratio = r(mean(ours) / fair.framesPerSec, 2);
    }
  }
  results.loadAfter = { loadavg: os.loadavg().map((v) => r(v, 2)) };
  mkdirSync(OUT_DIR, { recursive: true });
  const out = args.out ?? path.join(OUT_DIR, `pipeline-${args.soak ? 'soak-' : ''}${started.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(out, JSON.stringify(results, null, 2));
  log(`wrote ${path.relative(ROOT, out)}`);
}

if (args.child === 'live' || args.child === 'soak') await liveChild();
else if (args.child === 'offline') await offlineChild();
else await parent();
