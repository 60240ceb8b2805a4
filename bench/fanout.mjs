#!/usr/bin/env node
// Subscription fan-out benchmark: N graphql-ws subscribers on loopback (default 100, then 500) with mixed filters and
// tokens, synthetic track events at 200/s published on the server's event bus, and a real file camera running through
// the live pipeline the whole time, so that the fan-out and the pipeline compete for the same cores.
//
//   npm run build && npm run bench:fanout -- [--subscribers 100,500] [--rate 200] [--seconds 30] [--warmup 5]
//       [--fps-seconds 30] [--client-procs 2] [--tracks 20] [--no-camera] [--camera FILE] [--camera-width W]
//       [--detect-fps N] [--camera-fps N] [--dist DIR] [--out FILE]
//
// One process runs the server exactly as `serve` does (openCore + startLive + startApiServer on 127.0.0.1, temporary
// data directory, empty gallery, BOOSTFACE_MODELS defaulting to ../shared/models) plus the publisher and the probes.
// The WebSocket clients run in --client-procs separate child processes (this same file with --client), so that their
// JSON parsing and bookkeeping never runs on the server's event loop; they share the machine's cores with it, which
// the CPU figures show.
//
// Phases, one server, one run:
//   1. the camera (opera_arcade_walkers.mp4, 1080p, 25 fps, realtime, looped; --camera-width has ffmpeg scale it)
//      warms up, then its detect fps is measured over --fps-seconds with no subscriber and no synthetic publisher
//      (baseline before);
//   2. for each N: N clients connect (each its own graphql-ws connection and one recognitionEvents subscription), the
//      server's heap/RSS are taken after a GC with 0 and then N subscribers (memory per subscriber), the publisher
//      starts, --warmup seconds, then the measurement window of --seconds: delivery latency (client receipt − the
//      event's ts, which the publisher sets to Date.now(); clients and server share the clock, 1 ms resolution),
//      events delivered per second, events lost, the server's subscription counters, CPU (server process, its main
//      thread, clients, ffmpeg, the whole machine), the main thread's event-loop delay and garbage-collection pauses,
//      and the camera's detect fps; then the publisher stops, the clients drain, hand back their figures and
//      disconnect;
//   3. the baseline again (baseline after): the ratio is taken against the mean of the two baselines.
//
// Publisher: --tracks concurrent synthetic tracks (slot k on camera syn<k mod 4>). Like a pipeline, each camera
// publishes per frame (every 10 ms the next camera in turn, so 25 fps each) the events that are due, its tracks
// served in turn, so that the total is exactly --rate events/s (200/s: ~2 per frame, 10/s per track). A track lives
// 20–60 events (started, updated…, identified for 70% of tracks after 3–8 events, ended), carries snapshot paths from
// its third event on (signed per token like real ones) and, once identified, one of 10 identities. Every event's
// `frame` is a global sequence number: each client knows from the publisher's log which events its filter and token
// scope should have let through, and counts what is missing. `updated` box events may legitimately be coalesced or
// dropped for a subscriber that falls behind: they are counted apart from lifecycle events (started/identified/
// ended), which must all arrive at a subscriber that keeps up.
//
// Subscribers (pattern over ten clients, rotated per block of ten): 4 all events, 3 one camera of the four, 2 kinds
// [IDENTIFIED, ENDED], 1 identityIds of one identity. Tokens: per block of ten, one admin client, 8 clients on the
// block's own viewer token (every other block's viewer is scoped to cameras syn0 and syn1) and one on an operator
// token (one per 50 clients). The real camera's events (cameraId cam0) reach subscribers too; they are counted but
// left out of the latency and loss figures (their ts is the capture time, so they include detection).
//
// Figures go to stdout as tables and to bench/out/fanout-<time>.json; progress to stderr.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { constants as perfConstants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = path.join(ROOT, 'bench/out');

const { values: args } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '100,500' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '5' },
    'fps-seconds': { type: 'string', default: '30' },
    'camera-warmup': { type: 'string', default: '10' },
    'client-procs': { type: 'string', default: '2' },
    tracks: { type: 'string', default: '20' },
    camera: { type: 'string' },
    'no-camera': { type: 'boolean', default: false },
    'detect-fps': { type: 'string' }, // the camera's detect-fps cap (default none: as fast as detection goes)
    'camera-fps': { type: 'string' }, // the camera's decode fps (ffmpeg's fps filter; default: the file's 25)
    'camera-width': { type: 'string' }, // have ffmpeg scale the camera's frames to this width (default: the file's own)
    out: { type: 'string' },
    dist: { type: 'string' }, // another build of the server (default server/dist), e.g. to compare before and after
    client: { type: 'boolean', default: false }, // internal: a client process (driven over IPC)
  },
});
const dist = (p) => path.join(args.dist ? path.resolve(args.dist) : path.join(ROOT, 'server/dist'), p);

const log = (m) => process.stderr.write(`bench${args.client ? `[clients ${process.pid}]` : ''}: ${m}\n`);
const sleep = (ms) => new Promise((res) => setTimeout(res, ms));
const r = (v, d = 2) => (v === undefined || v === null || Number.isNaN(v) ? v : Math.round(v * 10 ** d) / 10 ** d);

// ---------------------------------------------------------------------------------------------------------------
// What both sides agree on: the synthetic cameras and identities, the event kinds, and who may see what.

const SYN_CAMERAS = ['syn0', 'syn1', 'syn2', 'syn3'];
const IDENTITIES = Array.from({ length: 10 }, (_, k) => ({ id: `person-${k}`, name: `Person ${k}` }));
const KINDS = ['started', 'updated', 'identified', 'ended'];
const KIND_CODE = Object.fromEntries(KINDS.map((k, i) => [k, i]));
const UPDATED = KIND_CODE.updated;
const QUERY =
  'subscription($c:[ID!],$i:[ID!],$k:[TrackEventKind!]){recognitionEvents(cameraIds:$c,identityIds:$i,kinds:$k){' +
  'kind cameraId trackId frame ts box landmarks identity{id name score} score label quality snapshot{faceUrl contextUrl}}}';

/** The server's recognitionEvents filter, restated over a publisher log entry [seq, camera index, kind code, identity index | -1]. */
function accepts(sub, entry) {
  const cam = SYN_CAMERAS[entry[1]];
  if (sub.scope && !sub.scope.includes(cam)) return false;
  const v = sub.variables;
  if (v.c && !v.c.includes(cam)) return false;
  if (v.i && (entry[3] < 0 || !v.i.includes(IDENTITIES[entry[3]].id))) return false;
  if (v.k && !v.k.includes(KINDS[entry[2]].toUpperCase())) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Client process: many graphql-ws clients, receipt bookkeeping, figures on request.

async function clientProcess() {
  const req = createRequire(path.join(ROOT, 'server/package.json'));
  const { createClient } = await import(pathToFileURL(req.resolve('graphql-ws')).href);
  const WebSocket = (await import(pathToFileURL(req.resolve('ws')).href)).default;
  const send = (m) => process.send(m);
  let subs = [];
  let seqBase = 0;
  const other = { events: 0 }; // the real camera's events
  let cpuMark;
  let wallMark;

  /** Per subscriber: a byte per sequence number since seqBase (1 = received), and its own latency histogram over the window. */
  const received = (s, seq) => {
    const at = seq - seqBase;
    if (at < 0) return (s.early += 1);
    if (at >= s.got.length) {
      const bigger = new Uint8Array(Math.max(at + 1, s.got.length * 2));
      bigger.set(s.got);
      s.got = bigger;
    }
    if (s.got[at]) s.duplicates++;
    s.got[at] = 1;
  };

  process.on('message', async (m) => {
    if (m.type === 'connect') {
      seqBase = m.seqBase;
      const wsUrl = `${m.url.replace(/^http/, 'ws')}/graphql`;
      subs = m.subs.map((spec) => ({ ...spec, got: new Uint8Array(m.expectedEvents), lat: [], early: 0, duplicates: 0, closed: null, error: null, count: 0 }));
      let connected = 0;
      // In batches: a connection storm on a busy machine could outlast the server's connection-init timeout.
      for (let b = 0; b < subs.length; b += 50) {
        await Promise.all(
          subs.slice(b, b + 50).map(
            (s) =>
              new Promise((resolve) => {
                s.client = createClient({
                  url: wsUrl,
                  webSocketImpl: WebSocket,
                  connectionParams: { authorization: `Bearer ${s.token}` },
                  retryAttempts: 0,
                  lazy: true,
                  on: {
                    connected: () => {
                      connected++;
                      resolve();
                    },
                    closed: (e) => {
                      if (!s.disposing) s.closed = { code: e?.code, reason: e?.reason };
                      resolve();
                    },
                  },
                });
                s.unsubscribe = s.client.subscribe(
                  { query: QUERY, variables: s.variables },
                  {
                    next: (v) => {
                      const e = v.data?.recognitionEvents;
                      if (!e) {
                        s.error ??= v.errors ?? 'no data';
                        return;
                      }
                      const now = Date.now();
                      if (!e.cameraId.startsWith('syn')) {
                        other.events++;
                        return;
                      }
                      s.count++;
                      received(s, e.frame);
                      s.lat.push(e.frame, now - Date.parse(e.ts));
                    },
                    error: (err) => {
                      s.error ??= err?.message ?? (Array.isArray(err) ? err.map((x) => x.message).join('; ') : String(err?.code ?? err));
                    },
                    complete: () => undefined,
                  },
                );
              }),
          ),
        );
      }
      send({ type: 'connected', connected });
    } else if (m.type === 'mark') {
      cpuMark = process.cpuUsage();
      wallMark = performance.now();
      send({ type: 'marked' });
    } else if (m.type === 'report') {
      const cpu = process.cpuUsage(cpuMark);
      const cpuCores = (cpu.user + cpu.system) / 1000 / (performance.now() - wallMark);
      send({ type: 'report', ...report(m.log, m.window), cpuCores, otherEvents: other.events, rssBytes: process.memoryUsage().rss });
    } else if (m.type === 'close') {
      for (const s of subs) {
        s.disposing = true;
        s.unsubscribe?.();
        await s.client?.dispose();
      }
      send({ type: 'closed' });
      process.exit(0);
    }
  });

  /** Per subscriber: what its filter and scope should have let through in the window, against what arrived. */
  function report(entries, [w0, w1]) {
    const hist = new Uint32Array(10_001); // whole ms; the last bucket holds 10 s and more
    let max = 0;
    let delivered = 0;
    const perSub = [];
    for (const s of subs) {
      const o = { i: s.i, lifecycleExpected: 0, lifecycleLost: 0, updatesExpected: 0, updatesReceived: 0, unexpected: 0, duplicates: s.duplicates, closed: s.closed, error: s.error ? String(JSON.stringify(s.error)).slice(0, 200) : null };
      const want = new Uint8Array(Math.max(s.got.length, w1 - seqBase));
      for (const e of entries) {
        const [seq, , kind] = e;
        if (seq < w0 || seq >= w1 || !accepts(s, e)) continue;
        want[seq - seqBase] = 1;
        const got = s.got[seq - seqBase] === 1;
        if (kind === UPDATED) {
          o.updatesExpected++;
          if (got) o.updatesReceived++;
        } else {
          o.lifecycleExpected++;
          if (!got) o.lifecycleLost++;
        }
      }
      for (let seq = w0; seq < w1; seq++) if (s.got[seq - seqBase] && !want[seq - seqBase]) o.unexpected++;
      for (let j = 0; j < s.lat.length; j += 2) {
        const seq = s.lat[j];
        if (seq < w0 || seq >= w1) continue;
        const ms = Math.max(0, s.lat[j + 1]);
        hist[Math.min(ms, hist.length - 1)]++;
        if (ms > max) max = ms;
        delivered++;
      }
      perSub.push(o);
    }
    return { hist: Array.from(hist), max, delivered, perSub };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// /proc readings (Linux): CPU seconds of a process or thread, the whole machine's busy time.

const CLK_TCK = 100;

function procCpu(file) {
  try {
    const s = readFileSync(file, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { cpu: (Number(f[11]) + Number(f[12])) / CLK_TCK, system: Number(f[12]) / CLK_TCK, reaped: (Number(f[13]) + Number(f[14])) / CLK_TCK, ppid: Number(f[1]), comm: s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')) };
  } catch {
    return null;
  }
}

/**
 * CPU seconds of this process's children named `comm` (ffmpeg, restarted at every loop of the file): the live ones plus
 * those already reaped (only ffmpeg exits while measuring; the client processes are reaped after the windows).
 */
function childrenCpu(comm) {
  let total = procCpu('/proc/self/stat').reaped;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const s = procCpu(`/proc/${d}/stat`);
    if (s && s.ppid === process.pid && s.comm === comm) total += s.cpu;
  }
  return total;
}

function machineBusy() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + (f[4] ?? 0);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / CLK_TCK, total: total / CLK_TCK };
}

// ---------------------------------------------------------------------------------------------------------------
// Server process.

async function main() {
  if (!existsSync(dist('api/server.js'))) {
    console.error('bench: server is not built; run "npm run build" first');
    process.exit(2);
  }
  const { openCore, startLive } = await import(dist('main.js'));
  const { startApiServer } = await import(dist('api/server.js'));

  const counts = args.subscribers.split(',').map((s) => Number(s.trim())).filter((n) => n > 0);
  const rate = Number(args.rate);
  const seconds = Number(args.seconds);
  const warmup = Number(args.warmup);
  const fpsSeconds = Number(args['fps-seconds']);
  const clientProcs = Math.max(1, Number(args['client-procs']));
  const trackSlots = Math.max(1, Number(args.tracks));
  const SHARED = path.resolve(process.env.BOOSTFACE_SHARED ?? path.join(ROOT, '../shared'));
  const cameraFile = args['no-camera'] ? null : (args.camera ?? path.join(SHARED, 'data/video/opera_arcade_walkers.mp4'));
  if (cameraFile && !existsSync(cameraFile)) throw new Error(`no camera file ${cameraFile} (set BOOSTFACE_SHARED or --camera, or --no-camera)`);

  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc');
  const gcTwice = async () => {
    gc();
    await sleep(50);
    gc();
  };

  const loadBefore = os.loadavg();
  const busyBench = []; // other benchmarks running now: the figures are only as good as the machine is quiet
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (/bench\/|vitest/.test(cmd) && !cmd.includes('fanout.mjs')) busyBench.push(`${d} ${cmd.slice(0, 100)}`);
    } catch {
      // gone
    }
  }
  log(`load average ${loadBefore.map((x) => r(x)).join(' ')}${busyBench.length ? `; other benchmarks running: ${busyBench.join(' | ')}` : ''}`);

  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bf-bench-fanout-'));
  const adminSecret = `bench-admin-${randomBytes(12).toString('hex')}`;
  const env = { ...process.env, BOOSTFACE_DATA_DIR: dataDir, BOOSTFACE_MODELS: process.env.BOOSTFACE_MODELS ?? path.join(SHARED, 'models'), BOOSTFACE_ADMIN_TOKEN: adminSecret };
  const quiet = () => undefined;
  const core = await openCore(env, { log: (l) => log(l) });
  const live = await startLive(core, { log: quiet, retention: false });
  const api = await startApiServer({ core, live, env, port: 0, host: '127.0.0.1', log: quiet });
  log(`server on ${api.url}`);

  const children = [];
  const cleanup = async () => {
    for (const c of children) c.kill();
    await api.close().catch(() => undefined);
    await live.stop().catch(() => undefined);
    await core.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      log(`${signal}: stopping`);
      for (const c of children) c.kill();
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(130);
    });
  }

  // --- tokens
  const gql = async (query, variables) => {
    const res = await fetch(`${api.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminSecret}` }, body: JSON.stringify({ query, variables }) });
    const body = await res.json();
    if (body.errors) throw new Error(`GraphQL: ${JSON.stringify(body.errors)}`);
    return body.data;
  };
  const tokenCache = new Map();
  const token = async (name, role, scope) => {
    if (!tokenCache.has(name)) {
      const d = await gql('mutation($n:String!,$r:Role!,$s:[ID!]){createApiToken(name:$n,role:$r,cameraScope:$s){secret}}', { n: name, r: role, s: scope });
      tokenCache.set(name, d.createApiToken.secret);
    }
    return tokenCache.get(name);
  };

  /** Subscriber i: filter from a ten-client pattern rotated per block, token from its place in the block. */
  const FILTERS = ['all', 'all', 'all', 'all', 'camera', 'camera', 'camera', 'kinds', 'kinds', 'identity'];
  async function subscriberSpec(i) {
    const block = Math.floor(i / 10);
    const j = i % 10;
    const filter = FILTERS[(j + block) % 10];
    const variables = { c: null, i: null, k: null };
    if (filter === 'camera') variables.c = [SYN_CAMERAS[(i >> 1) % SYN_CAMERAS.length]];
    if (filter === 'kinds') variables.k = ['IDENTIFIED', 'ENDED'];
    if (filter === 'identity') variables.i = [IDENTITIES[block % IDENTITIES.length].id];
    let role;
    let scope = null;
    let secret;
    if (j === 0) {
      role = 'admin';
      secret = adminSecret;
    } else if (j === 9) {
      role = 'operator';
      secret = await token(`bench-operator-${Math.floor(i / 50)}`, 'OPERATOR', null);
    } else {
      role = 'viewer';
      if (block % 2 === 1) scope = ['syn0', 'syn1'];
      secret = await token(`bench-viewer-${block}`, 'VIEWER', scope);
    }
    return { i, filter, role, scope, token: secret, variables };
  }

  // --- probes
  const metric = async (name) => {
    const m = api.services.metrics.registry.getSingleMetric(name);
    const v = m ? await m.get() : { values: [] };
    return v.values.filter((x) => x.labels.kind === 'trackEvents').reduce((s, x) => s + x.value, 0);
  };
  const serverCounters = async () => ({
    delivered: await metric('boostface_subscription_events_delivered_total'),
    coalesced: await metric('boostface_subscription_events_coalesced_total'),
    dropped: await metric('boostface_subscription_events_dropped_total'),
    overflowed: await metric('boostface_subscriptions_overflowed_total'),
  });
  const activeSubscriptions = () => metric('boostface_subscriptions_active');
  const processed = () => (cameraFile ? (live.recognition.processedFrames('cam0') ?? 0) : 0);

  /** Everything measured over a window: CPU by process and thread, machine, event-loop delay, detect fps. */
  function startWindow() {
    const eld = monitorEventLoopDelay({ resolution: 1 });
    eld.enable();
    // Garbage collection pauses of the main thread: they stop the event loop, and with it every delivery.
    const gcs = { major: 0, majorMs: 0, minor: 0, minorMs: 0, incremental: 0, incrementalMs: 0, maxMs: 0 };
    const gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = e.detail?.kind;
        const k = kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR ? 'major' : kind === perfConstants.NODE_PERFORMANCE_GC_MINOR ? 'minor' : 'incremental';
        gcs[k]++;
        gcs[`${k}Ms`] += e.duration;
        gcs.maxMs = Math.max(gcs.maxMs, e.duration);
      }
    });
    gcObserver.observe({ entryTypes: ['gc'] });
    const at = performance.now();
    const cpu = process.cpuUsage();
    const main = procCpu(`/proc/self/task/${process.pid}/stat`);
    const ffmpeg = childrenCpu('ffmpeg');
    const machine = machineBusy();
    const frames = processed();
    const sched = cameraFile ? live.schedulerStats('cam0') : undefined;
    return () => {
      const wall = (performance.now() - at) / 1000;
      eld.disable();
      gcObserver.disconnect();
      const c = process.cpuUsage(cpu);
      const m = machineBusy();
      const s = cameraFile ? live.schedulerStats('cam0') : undefined;
      return {
        seconds: wall,
        detectFps: cameraFile ? (processed() - frames) / wall : null,
        framesDropped: s && sched ? s.dropped - sched.dropped : null,
        serverCores: (c.user + c.system) / 1e6 / wall,
        mainThreadCores: (procCpu(`/proc/self/task/${process.pid}/stat`).cpu - main.cpu) / wall,
        mainThreadSystemCores: (procCpu(`/proc/self/task/${process.pid}/stat`).system - main.system) / wall,
        ffmpegCores: (childrenCpu('ffmpeg') - ffmpeg) / wall,
        machineCores: (m.busy - machine.busy) / wall,
        machineCapacity: Math.round((m.total - machine.total) / wall),
        eventLoopDelay: { p50: eld.percentile(50) / 1e6, p99: eld.percentile(99) / 1e6, max: eld.max / 1e6 },
        gc: { ...gcs, pausedShare: (gcs.majorMs + gcs.minorMs + gcs.incrementalMs) / 1000 / wall },
      };
    };
  }

  // --- the synthetic publisher: exactly `rate` events/s over `trackSlots` concurrent tracks
  let seq = 0;
  let trackNo = 0;
  const slots = Array.from({ length: trackSlots }, (_, k) => newTrack(k));
  function newTrack(k) {
    const life = 20 + Math.floor(Math.random() * 41);
    return {
      id: `${SYN_CAMERAS[k % SYN_CAMERAS.length]}-t${++trackNo}`,
      cam: k % SYN_CAMERAS.length,
      n: 0,
      life,
      identifyAt: Math.random() < 0.7 ? 3 + Math.floor(Math.random() * 6) : -1,
      identity: -1,
      x: 100 + Math.random() * 1500,
      y: 100 + Math.random() * 700,
      score: 0.2 + Math.random() * 0.2,
    };
  }
  let logEntries = [];
  const cursors = SYN_CAMERAS.map(() => 0);
  /** The next event of camera `cam`'s next track (its slots are cam, cam + 4, …, served in turn). */
  function publishOne(cam) {
    const mine = Math.ceil((slots.length - cam) / SYN_CAMERAS.length);
    const k = cam + (cursors[cam]++ % mine) * SYN_CAMERAS.length;
    const t = slots[k];
    const kind = t.n === 0 ? 'started' : t.n >= t.life - 1 ? 'ended' : t.n === t.identifyAt ? 'identified' : 'updated';
    if (kind === 'identified') {
      t.identity = Math.floor(Math.random() * IDENTITIES.length);
      t.score = 0.5 + Math.random() * 0.3;
    }
    t.x += Math.random() * 6 - 3;
    t.y += Math.random() * 4 - 2;
    const box = [t.x, t.y, t.x + 80, t.y + 100];
    const idn = t.identity >= 0 ? IDENTITIES[t.identity] : null;
    const s = ++seq;
    live.bus.publish('trackEvents', {
      kind,
      cameraId: SYN_CAMERAS[t.cam],
      trackId: t.id,
      frame: s,
      ts: Date.now(),
      box,
      landmarks: [
        [t.x + 25, t.y + 40],
        [t.x + 55, t.y + 40],
        [t.x + 40, t.y + 60],
        [t.x + 28, t.y + 78],
        [t.x + 52, t.y + 78],
      ],
      identity: idn ? { ...idn, score: t.score } : null,
      score: t.score,
      label: idn ? idn.name : `Unknown ${t.id}`,
      quality: 0.7,
      snapshot: t.n >= 2 ? { face: `${SYN_CAMERAS[t.cam]}/2026-11-28/${t.id}-face.jpg`, context: `${SYN_CAMERAS[t.cam]}/2026-11-28/${t.id}-context.jpg` } : undefined,
    });
    logEntries.push([s, t.cam, KIND_CODE[kind], t.identity]);
    t.n++;
    if (kind === 'ended') slots[k] = newTrack(k);
  }
  let publisher = null;
  /** Like a pipeline: every 10 ms one camera's frame (cameras in turn, 25 fps each) publishes its due events at once. */
  function startPublisher() {
    const t0 = performance.now();
    let published = 0;
    let frame = 0;
    publisher = setInterval(() => {
      const due = Math.floor(((performance.now() - t0) * rate) / 1000) - published;
      const cam = frame++ % SYN_CAMERAS.length;
      for (let n = 0; n < due; n++) publishOne(cam);
      published += Math.max(0, due);
    }, 10);
  }
  const stopPublisher = () => {
    clearInterval(publisher);
    publisher = null;
  };

  // --- client processes
  const request = (child, msg, reply) =>
    new Promise((resolve, reject) => {
      const onMsg = (m) => {
        if (m.type !== reply) return;
        child.off('message', onMsg);
        child.off('exit', onExit);
        resolve(m);
      };
      const onExit = (code) => reject(new Error(`client process exited (${code}) before "${reply}"`));
      child.on('message', onMsg);
      child.once('exit', onExit);
      child.send(msg);
    });
  const waitFor = async (what, test, timeoutMs = 60_000) => {
    const t0 = Date.now();
    while (!(await test())) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  };

  // --- run
  const results = { baselineBefore: null, runs: [], baselineAfter: null };
  try {
    if (cameraFile) {
      await live.cameras.add({
        id: 'cam0',
        name: 'cam0',
        url: cameraFile,
        realtime: true,
        loop: true,
        ...(args['detect-fps'] ? { detectFps: Number(args['detect-fps']) } : {}),
        ...(args['camera-width'] ? { width: Number(args['camera-width']) } : {}),
        ...(args['camera-fps'] ? { fps: Number(args['camera-fps']) } : {}),
      });
      log(`camera cam0 (${path.basename(cameraFile)}) added; warming up ${args['camera-warmup']} s`);
      await sleep(Number(args['camera-warmup']) * 1000);
    }
    const baseline = async (label) => {
      log(`${label}: no subscribers, no publisher, ${fpsSeconds} s`);
      await gcTwice();
      const end = startWindow();
      await sleep(fpsSeconds * 1000);
      const w = end();
      log(`  detect fps ${r(w.detectFps)}, server ${r(w.serverCores)} cores (main thread ${r(w.mainThreadCores)}), machine ${r(w.machineCores)} of ${w.machineCapacity}`);
      return w;
    };
    results.baselineBefore = await baseline('baseline before');

    for (const n of counts) {
      log(`--- ${n} subscribers over ${clientProcs} client processes ---`);
      await gcTwice();
      const mem0 = process.memoryUsage();
      const specs = [];
      for (let i = 0; i < n; i++) specs.push(await subscriberSpec(i));
      const seqBase = seq + 1;
      const expectedEvents = Math.ceil(rate * (warmup + seconds + 30));
      const procs = Array.from({ length: Math.min(clientProcs, n) }, () => fork(fileURLToPath(import.meta.url), ['--client'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
      children.push(...procs);
      const share = (k) => specs.filter((_, i) => i % procs.length === k);
      const t0 = performance.now();
      const conn = await Promise.all(procs.map((p, k) => request(p, { type: 'connect', url: api.url, subs: share(k), seqBase, expectedEvents }, 'connected')));
      await waitFor(`${n} active subscriptions`, async () => (await activeSubscriptions()) >= n);
      const connectSeconds = (performance.now() - t0) / 1000;
      log(`  ${conn.reduce((s, c) => s + c.connected, 0)} connected, ${await activeSubscriptions()} subscriptions active after ${r(connectSeconds, 1)} s`);
      await gcTwice();
      const mem1 = process.memoryUsage();

      logEntries = [];
      startPublisher();
      await sleep(warmup * 1000);
      await Promise.all(procs.map((p) => request(p, { type: 'mark' }, 'marked')));
      const counters0 = await serverCounters();
      const w0 = seq + 1;
      const end = startWindow();
      await sleep(seconds * 1000);
      const w1 = seq + 1;
      const window = end();
      const counters1 = await serverCounters();
      stopPublisher();
      await sleep(3000); // drain: what is still queued or in flight arrives
      const reports = await Promise.all(procs.map((p) => request(p, { type: 'report', log: logEntries, window: [w0, w1] }, 'report')));

      // Latency over every subscriber of every client process.
      const hist = new Uint32Array(reports[0].hist.length);
      for (const rep of reports) rep.hist.forEach((c, ms) => (hist[ms] += c));
      const delivered = reports.reduce((s, x) => s + x.delivered, 0);
      const pctl = (p) => {
        let acc = 0;
        const want = Math.ceil((p / 100) * delivered);
        for (let ms = 0; ms < hist.length; ms++) if ((acc += hist[ms]) >= want) return ms;
        return NaN;
      };
      const mean = hist.reduce((s, c, ms) => s + c * ms, 0) / Math.max(1, delivered);
      const perSub = reports.flatMap((x) => x.perSub);
      const behind = perSub.filter((s) => s.closed || s.error);
      const keptUp = perSub.filter((s) => !s.closed && !s.error);
      const sum = (list, k) => list.reduce((s, x) => s + x[k], 0);
      const diff = Object.fromEntries(Object.keys(counters1).map((k) => [k, counters1[k] - counters0[k]]));
      const run = {
        subscribers: n,
        clientProcesses: procs.length,
        connectSeconds,
        windowEvents: w1 - w0,
        publishedPerSec: (w1 - w0) / window.seconds,
        delivered,
        deliveredPerSec: delivered / window.seconds,
        latencyMs: { p50: pctl(50), p90: pctl(90), p99: pctl(99), max: Math.max(...reports.map((x) => x.max)), mean },
        keptUp: keptUp.length,
        fellBehind: behind.length,
        fellBehindDetails: behind.slice(0, 5).map((s) => ({ i: s.i, closed: s.closed, error: s.error })),
        lifecycleExpected: sum(keptUp, 'lifecycleExpected'),
        lifecycleLost: sum(keptUp, 'lifecycleLost'),
        lifecycleLostAll: sum(perSub, 'lifecycleLost'),
        updatesExpected: sum(perSub, 'updatesExpected'),
        updatesMissing: sum(perSub, 'updatesExpected') - sum(perSub, 'updatesReceived'),
        unexpected: sum(perSub, 'unexpected'),
        duplicates: sum(perSub, 'duplicates'),
        cameraEventsDelivered: reports.reduce((s, x) => s + x.otherEvents, 0),
        server: { ...diff, deliveredPerSec: diff.delivered / window.seconds },
        window,
        clientCores: reports.reduce((s, x) => s + x.cpuCores, 0),
        clientRssBytes: reports.reduce((s, x) => s + x.rssBytes, 0),
        memory: {
          rssBefore: mem0.rss,
          rssAfter: mem1.rss,
          heapBefore: mem0.heapUsed,
          heapAfter: mem1.heapUsed,
          rssPerSubscriber: (mem1.rss - mem0.rss) / n,
          heapPerSubscriber: (mem1.heapUsed - mem0.heapUsed) / n,
        },
      };
      results.runs.push(run);
      log(
        `  latency p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms, max ${run.latencyMs.max} ms; ${Math.round(run.deliveredPerSec)} events/s delivered; ` +
          `lost lifecycle ${run.lifecycleLost} of ${run.lifecycleExpected}; ${run.fellBehind} fell behind; detect fps ${r(window.detectFps)}; ` +
          `server ${r(window.serverCores)} cores (main ${r(window.mainThreadCores)}), clients ${r(run.clientCores)}, machine ${r(window.machineCores)} of ${window.machineCapacity}`,
      );

      await Promise.all(procs.map((p) => request(p, { type: 'close' }, 'closed').catch(() => undefined)));
      for (const p of procs) children.splice(children.indexOf(p), 1);
      await waitFor('subscriptions to close', async () => (await activeSubscriptions()) === 0, 30_000).catch((err) => log(`  ${err.message}`));
    }
    results.baselineAfter = await baseline('baseline after');
  } finally {
    stopPublisher();
    await cleanup();
  }

  // --- report
  const loadAfter = os.loadavg();
  const baseFps = cameraFile ? (results.baselineBefore.detectFps + results.baselineAfter.detectFps) / 2 : null;
  const kib = (b) => `${r(b / 1024, 1)} KiB`;
  const gcLine = (w) => `${r(w.gc.major / w.seconds, 1)} / ${r(w.gc.maxMs, 1)} ms / ${r(100 * w.gc.pausedShare, 1)}%`;
  const rows = [
    ['events published / s (synthetic)', (x) => r(x.publishedPerSec, 1)],
    ['events delivered / s (all subscribers)', (x) => Math.round(x.deliveredPerSec)],
    ['latency p50 / p90 / p99 (ms)', (x) => `${x.latencyMs.p50} / ${x.latencyMs.p90} / ${x.latencyMs.p99}`],
    ['latency max / mean (ms)', (x) => `${x.latencyMs.max} / ${r(x.latencyMs.mean, 1)}`],
    ['subscribers kept up / fell behind', (x) => `${x.keptUp} / ${x.fellBehind}`],
    ['lifecycle events lost (kept up)', (x) => `${x.lifecycleLost} of ${x.lifecycleExpected}`],
    ['updates missing (client view)', (x) => `${x.updatesMissing} of ${x.updatesExpected}`],
    ['server: coalesced / dropped / overflowed', (x) => `${x.server.coalesced} / ${x.server.dropped} / ${x.server.overflowed}`],
    ['unexpected (filter/scope violations) / duplicates', (x) => `${x.unexpected} / ${x.duplicates}`],
    ['camera events delivered (cam0, not timed)', (x) => x.cameraEventsDelivered],
    ['server CPU, cores (process / main thread / its kernel part)', (x) => `${r(x.window.serverCores)} / ${r(x.window.mainThreadCores)} / ${r(x.window.mainThreadSystemCores)}`],
    ['client processes CPU, cores', (x) => r(x.clientCores)],
    ['ffmpeg / whole machine CPU, cores', (x) => `${r(x.window.ffmpegCores)} / ${r(x.window.machineCores)} of ${x.window.machineCapacity}`],
    ['other processes (machine − ours), cores', (x) => r(x.window.machineCores - x.window.serverCores - x.window.ffmpegCores - x.clientCores)],
    ['server event-loop delay p99 / max (ms)', (x) => `${r(x.window.eventLoopDelay.p99, 1)} / ${r(x.window.eventLoopDelay.max, 1)}`],
    ['main-thread GC: full GCs / s, longest pause, share paused', (x) => gcLine(x.window)],
    ['server memory per subscriber (heap / RSS)', (x) => `${kib(x.memory.heapPerSubscriber)} / ${kib(x.memory.rssPerSubscriber)}`],
    ['detect fps (cam0) / vs baseline', (x) => (x.window.detectFps === null ? '-' : `${r(x.window.detectFps)} / ${r((100 * x.window.detectFps) / baseFps, 1)}%`)],
  ];
  const head = ['subscribers', ...results.runs.map((x) => String(x.subscribers))];
  const table = [head, ...rows.map(([name, f]) => [name, ...results.runs.map((x) => String(f(x)))])];
  const w = head.map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(w[i])).join(' | ')} |`;
  console.log(['', line(table[0]), `|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`, ...table.slice(1).map(line)].join('\n'));
  const b = (x) =>
    `${r(x.detectFps)} fps, server ${r(x.serverCores)} cores (main thread ${r(x.mainThreadCores)}), ffmpeg ${r(x.ffmpegCores)}, event-loop delay p99 ${r(x.eventLoopDelay.p99, 1)} ms, ` +
    `GC ${gcLine(x)}, ` +
    `machine ${r(x.machineCores)} of ${x.machineCapacity} cores (others ${r(x.machineCores - x.serverCores - x.ffmpegCores)})`;
  if (cameraFile) {
    console.log(`\nbaseline (no subscribers): before ${b(results.baselineBefore)}; after ${b(results.baselineAfter)}`);
    for (const x of results.runs) console.log(`detect fps with ${x.subscribers} subscribers + ${rate}/s: ${r(x.window.detectFps)} = ${r((100 * x.window.detectFps) / baseFps, 1)}% of the baseline mean ${r(baseFps)}`);
  }
  console.log(`load average before ${loadBefore.map((x) => r(x)).join(' ')}, after ${loadAfter.map((x) => r(x)).join(' ')}${busyBench.length ? `; other benchmarks were running: ${busyBench.length}` : ''}`);

  mkdirSync(OUT_DIR, { recursive: true });
  const out = args.out ?? path.join(OUT_DIR, `fanout-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    out,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        command: `node bench/fanout.mjs ${process.argv.slice(2).join(' ')}`.trim(),
        node: process.version,
        cpus: os.cpus().length,
        cpu: os.cpus()[0]?.model,
        loadBefore,
        loadAfter,
        otherBenchmarks: busyBench,
        settings: { rate, seconds, warmup, fpsSeconds, clientProcs, trackSlots, camera: cameraFile && path.basename(cameraFile), detectFpsCap: args['detect-fps'] ? Number(args['detect-fps']) : null, cameraWidth: args['camera-width'] ? Number(args['camera-width']) : null, cameraFps: args['camera-fps'] ? Number(args['camera-fps']) : null, engine: { workers: core.settings.workers, threads: core.settings.threads } },
        baselineFps: baseFps,
        ...results,
      },
      null,
      2,
    ),
  );
  log(`wrote ${path.relative(ROOT, out)}`);
  process.exit(0);
}

// Last: every module-level constant above is initialized by now.
if (args.client) await clientProcess();
else await main();
