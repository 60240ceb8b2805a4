/**
 * Scale-out roles with real processes: a real redis-server, a real Milvus (milvus-lite from PyPI) and a real
 * PostgreSQL on loopback, one snapshot directory for all, two `serve --role worker` and two `serve --role api`
 * processes. A camera added through API replica 1 runs on exactly one
 * worker; clients of both API replicas receive its track events; killing that worker (SIGKILL) moves the camera to
 * the other worker within the lease bound; an identity enrolled before is still there. API tokens are shared: one
 * created through replica 1 works on replica 2, and revoking it on replica 2 closes its socket on replica 1 (4403) and
 * refuses its media link there; both show one audit log. The wall is one: an edit through replica 1 reaches a wall query and a
 * wall subscription on replica 2, an operator watching through replica 2 is listed on replica 1, and of two edits with
 * the same expectedVersion through the two replicas exactly one applies (the other: CONFLICT). Sightings, snapshots and
 * alerts are shared: both replicas list the same sightings of the workers (those of the killed worker closed by the
 * one that took its camera over), serve their snapshots, and every watchlist alert reaches each subscriber of either
 * replica once and is stored once. The refusals of api/worker on the single-process backends are checked too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_SECRET, codes, collect, dataUrl, gql, wsClient } from './api-harness.js';
import { startMilvusServer, type MilvusTestServer } from './milvus-server.js';
import { startPostgresServer, type PostgresTestServer } from './postgres-server.js';
import { startRedisServer, type RedisTestServer } from './redis-server.js';
import { REPO_ROOT, SHARED_MODELS, sharedAvailable, sharedData } from './shared-fixtures.js';

const LEASE_TTL_MS = 3000;
const SCAN_MS = LEASE_TTL_MS / 3;
/** Lease expiry + one scan + the camera's start (ffprobe, ffmpeg, first detections) and the first track's hits. */
const FAILOVER_BOUND_MS = LEASE_TTL_MS + SCAN_MS + 10_000;
const BIN = path.join(REPO_ROOT, 'server/bin/boostface.js');
const HAMILTON = sharedData('video/hamilton_whitehouse_clip.mp4');
// On stage for most of the clip: identified within seconds even at 4 detections/s.
const MIRANDA = sharedData('faces/face_recognition_examples/lin_manuel_miranda');

async function startBackends(): Promise<{ redis?: RedisTestServer; milvus?: MilvusTestServer; postgres?: PostgresTestServer; skipReason?: string }> {
  if (!sharedAvailable('roles')) return { skipReason: 'no shared data' };
  const redis = await startRedisServer();
  if (redis.skipReason) return { skipReason: redis.skipReason };
  const postgres = await startPostgresServer();
  if (postgres.skipReason) {
    await redis.server!.stop();
    return { skipReason: postgres.skipReason };
  }
  const milvus = await startMilvusServer();
  if (milvus.skipReason) {
    await redis.server!.stop();
    await postgres.server!.stop();
    return { skipReason: milvus.skipReason };
  }
  return { redis: redis.server, milvus: milvus.server, postgres: postgres.server };
}

const backends = await startBackends();
if (backends.skipReason) console.warn(`skipped roles: ${backends.skipReason}`);
const run = backends.redis ? describe : describe.skip;

interface Proc {
  name: string;
  proc: ChildProcess;
  url: string;
  dir: string;
  stderr: string[];
}

const PREFIX = `roles${randomBytes(4).toString('hex')}`;
/** The sightings and alerts database, and the snapshot directory, of every process of the suite. */
const POSTGRES_URL = backends.postgres ? await backends.postgres.freshDatabase() : '';
const SNAPSHOT_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-roles-snapshots-'));

function sharedEnv(): NodeJS.ProcessEnv {
  return {
    BOOSTFACE_POSTGRES_URL: POSTGRES_URL,
    BOOSTFACE_SNAPSHOT_DIR: SNAPSHOT_DIR,
    BOOSTFACE_MODELS: SHARED_MODELS,
    BOOSTFACE_ADMIN_TOKEN: ADMIN_SECRET,
    BOOSTFACE_MEDIA_SECRET: `${PREFIX}-media-secret-0123456789`,
    BOOSTFACE_REDIS_URL: backends.redis!.url,
    BOOSTFACE_REDIS_PREFIX: PREFIX,
    BOOSTFACE_GALLERY: 'milvus',
    BOOSTFACE_MILVUS_ADDRESS: backends.milvus!.address,
    BOOSTFACE_MILVUS_PREFIX: `${PREFIX}_`,
    BOOSTFACE_LEASE_TTL_MS: String(LEASE_TTL_MS),
    BOOSTFACE_WORKERS: '1',
    BOOSTFACE_THREADS: '1',
    BOOSTFACE_LOG_FORMAT: 'pretty',
  };
}

/** `boostface serve` with this role; resolves once it listens. */
function serve(name: string, role: 'api' | 'worker'): Promise<Proc> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bf-${role}-`));
  const proc = spawn(process.execPath, [BIN, 'serve', '--role', role, '--port', '0', '--host', '127.0.0.1'], {
    env: { ...process.env, ...sharedEnv(), BOOSTFACE_DATA_DIR: dir },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${stderr.join('')}`)), 120_000);
    proc.stderr!.on('data', (d: Buffer) => {
      stderr.push(d.toString());
      const m = /serve: listening on (http:\/\/[\d.]+:\d+)/.exec(stderr.join(''));
      if (m) {
        clearTimeout(timer);
        resolve({ name, proc, url: m[1], dir, stderr });
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}:\n${stderr.join('')}`));
    });
  });
}

/** A command that should refuse to start: its exit code and stderr. */
function refused(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-refused-'));
  const proc = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--host', '127.0.0.1', ...args], {
    env: { ...process.env, BOOSTFACE_MODELS: SHARED_MODELS, BOOSTFACE_DATA_DIR: dir, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      fs.rmSync(dir, { recursive: true, force: true });
      resolve({ code, stderr });
    });
  });
}

type Ev = { kind: string; cameraId: string; trackId: string; identity: { name: string } | null };
type AlertEv = { id: string; kind: string; trackId: string; identity: { name: string } | null; acknowledgedBy: string | null };
const ALERTS = 'subscription{alerts{id kind trackId identity{name} acknowledgedBy}}';

/** Every event of a subscription, with its arrival time. */
function record<T = Ev>(client: Client, query: string, pick: (data: Record<string, unknown>) => T) {
  const events: { e: T; at: number }[] = [];
  const errors: unknown[] = [];
  const stop = client.subscribe<Record<string, unknown>>(
    { query },
    { next: (v) => (v.data ? events.push({ e: pick(v.data), at: Date.now() }) : errors.push(v.errors)), error: (e) => errors.push(e), complete: () => undefined },
  );
  return { events, errors, stop };
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function readyCameras(p: Proc): Promise<{ id: string; state: string }[]> {
  const body = (await fetch(`${p.url}/readyz`).then((r) => r.json())) as { role: string; cameras: { id: string; state: string }[] };
  expect(body.role).toBe('worker');
  return body.cameras;
}

run('process roles: two workers and two API replicas over Redis, Milvus and PostgreSQL', () => {
  const procs: Proc[] = [];
  let w1: Proc, w2: Proc, a1: Proc, a2: Proc;
  const clients: Client[] = [];
  const suiteStart = Date.now();
  /** Alert subscriptions on both replicas, from before the camera starts; the track ids of the worker killed. */
  let alertsOn: ReturnType<typeof record<AlertEv>>[] = [];
  let killedPrefix = '';

  beforeAll(async () => {
    // Started one after another: four engines loading at once only thrash two cores.
    for (const [name, role] of [['worker 1', 'worker'], ['worker 2', 'worker'], ['api 1', 'api'], ['api 2', 'api']] as const) {
      procs.push(await serve(name, role));
    }
    [w1, w2, a1, a2] = procs;
  }, 300_000);

  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await Promise.all(
      procs.map(async (p) => {
        if (p.proc.exitCode === null && p.proc.signalCode === null) {
          p.proc.kill('SIGKILL');
          await new Promise((r) => p.proc.once('exit', r));
        }
        fs.rmSync(p.dir, { recursive: true, force: true });
      }),
    );
    await backends.milvus?.stop();
    await backends.redis?.stop();
    await backends.postgres?.stop();
    fs.rmSync(SNAPSHOT_DIR, { recursive: true, force: true });
    console.log(`roles suite: ${((Date.now() - suiteStart) / 1000).toFixed(1)} s`);
  }, 60_000);

  it('runs a camera added on one API replica on one worker, events on both replicas, and moves it when its worker dies', async () => {
    // An identity enrolled through replica 2 before anything else: it lives in Milvus, not in a process. On the
    // watchlist: the worker running the camera raises its alerts.
    const enrolled = await gql<{ enrollIdentity: { identity: { id: string }; results: { status: string }[] } }>(
      a2.url,
      ADMIN_SECRET,
      'mutation($n:String!,$i:[String!]!){enrollIdentity(name:$n,images:$i,tags:["watchlist"]){identity{id} results{status}}}',
      { n: 'lin_manuel_miranda', i: fs.readdirSync(MIRANDA).slice(0, 3).map((f) => dataUrl(path.join(MIRANDA, f))) },
    );
    expect(enrolled.errors).toBeUndefined();
    expect(enrolled.data!.enrollIdentity.results.some((r) => r.status === 'accepted')).toBe(true);

    const Q = 'subscription{recognitionEvents(cameraIds:["stage"]){kind cameraId trackId identity{name}}}';
    const pick = (d: Record<string, unknown>) => d.recognitionEvents as Ev;
    const [c1, c2] = [wsClient(a1.url, ADMIN_SECRET), wsClient(a2.url, ADMIN_SECRET)];
    clients.push(c1, c2);
    const on1 = record(c1, Q, pick);
    const on2 = record(c2, Q, pick);
    alertsOn = [c1, c2].map((c) => record(c, ALERTS, (d) => d.alerts as AlertEv));
    await new Promise((r) => setTimeout(r, 500));

    const add = await gql<{ addCamera: { id: string } }>(a1.url, ADMIN_SECRET, 'mutation($i:CameraInput!){addCamera(input:$i){id}}', {
      i: { id: 'stage', name: 'Stage', url: HAMILTON, loop: true, realtime: true, detectFps: 4 },
    });
    expect(add.errors).toBeUndefined();

    // Both replicas receive the camera's events (they come from a worker, through Redis).
    await until('events on both API replicas', () => (on1.events.length >= 3 && on2.events.length >= 3 ? true : undefined), 60_000);
    expect(on1.errors).toEqual([]);
    expect(on2.errors).toEqual([]);
    expect(on2.events.every(({ e }) => e.cameraId === 'stage')).toBe(true);

    // Exactly one worker runs it.
    const holders = [];
    for (const w of [w1, w2]) if ((await readyCameras(w)).some((c) => c.id === 'stage')) holders.push(w);
    expect(holders).toHaveLength(1);
    const [holder] = holders;
    const survivor = holder === w1 ? w2 : w1;

    // Replica 2 knows the camera (shared configuration), its status (from the worker) and its live tracks (the bus).
    const seen = await until(
      'camera live and a track on replica 2',
      async () => {
        const r = await gql<{ camera: { health: { state: string } } | null; tracks: { id: string; cameraId: string }[] }>(
          a2.url,
          ADMIN_SECRET,
          '{camera(id:"stage"){health{state}} tracks(cameraId:"stage"){id cameraId}}',
        );
        return r.data?.camera?.health.state === 'LIVE' && r.data.tracks.length ? r.data : undefined;
      },
      30_000,
    );
    expect(seen.tracks.every((t) => t.cameraId === 'stage')).toBe(true);
    // Enroll-from-track needs the worker's in-memory faces: refused on an API replica with a clear code.
    const fromTrack = await gql(a2.url, ADMIN_SECRET, 'mutation($t:ID!){enrollFromTrack(trackId:$t,name:"x"){identity{id}}}', { t: seen.tracks[0].id });
    expect(fromTrack.errors?.[0].extensions).toMatchObject({ code: 'UNAVAILABLE', reason: 'WORKER_ONLY' });

    // kill -9 the worker that runs it: the lease runs out, the other worker takes the camera.
    const before = new Set(on2.events.map(({ e }) => e.trackId));
    // Track ids are "<camera>-<run of the worker's recognition>-<n>".
    killedPrefix = [...before][0].replace(/[^-]+$/, '');
    const killedAt = Date.now();
    holder.proc.kill('SIGKILL');
    await new Promise((r) => holder.proc.once('exit', r));
    const resumed = await until(
      'events of a new track on both replicas after the failover',
      () => {
        const fresh = (r: typeof on2) => r.events.find(({ e, at }) => at > killedAt && e.kind === 'STARTED' && !before.has(e.trackId));
        const [x, y] = [fresh(on1), fresh(on2)];
        return x && y ? Math.max(x.at, y.at) : undefined;
      },
      FAILOVER_BOUND_MS + 20_000,
    ).catch((err: Error) => Promise.reject(new Error(`${err.message}\nsurvivor's log:\n${survivor.stderr.join('').slice(-3000)}`)));
    const failoverMs = resumed - killedAt;
    console.log(`roles: failover (SIGKILL → first new track event on both API replicas) ${failoverMs} ms; bound ${FAILOVER_BOUND_MS} ms`);
    expect(failoverMs).toBeLessThanOrEqual(FAILOVER_BOUND_MS);
    expect((await readyCameras(survivor)).find((c) => c.id === 'stage')?.state).toBe('live');
    const status = await gql<{ camera: { health: { state: string } } }>(a1.url, ADMIN_SECRET, '{camera(id:"stage"){health{state}}}');
    expect(status.data!.camera.health.state).toBe('LIVE');

    // Nothing enrolled was lost: the gallery is Milvus, shared by every process.
    for (const a of [a1, a2]) {
      const ids = await gql<{ identities: { nodes: { name: string }[] } }>(a.url, ADMIN_SECRET, '{identities{nodes{name}}}');
      expect(ids.data!.identities.nodes.map((n) => n.name)).toEqual(['lin_manuel_miranda']);
    }
    on1.stop();
    on2.stop();
  }, 180_000);

  it('shares sightings, snapshots and alerts: the same on both replicas, each alert once', async () => {
    type S = { id: string; ended: boolean; snapshot: { faceUrl: string } | null };
    const Q = '{sightings(cameraIds:["stage"],first:500){nodes{id ended label snapshot{faceUrl}}}}';
    const sightingsOf = async (a: Proc) => (await gql<{ sightings: { nodes: S[] } }>(a.url, ADMIN_SECRET, Q)).data!.sightings.nodes;
    // What the killed worker wrote and what the survivor writes now.
    const byKilled = (s: S) => s.id.startsWith(killedPrefix);
    const [on1, on2] = await until(
      'sightings of both workers on both replicas',
      async () => {
        const lists = await Promise.all([sightingsOf(a1), sightingsOf(a2)]);
        return lists.every((l) => l.some(byKilled) && l.some((s) => !byKilled(s))) ? lists : undefined;
      },
      60_000,
      500,
    );
    const killedWorkers = (l: S[]) => l.filter(byKilled);
    expect(killedWorkers(on1).map((s) => s.id)).toEqual(killedWorkers(on2).map((s) => s.id));
    // The worker that took the camera over ended the sightings the killed one left live, and only those.
    expect(killedWorkers(on1).every((s) => s.ended)).toBe(true);
    // A snapshot written by a worker into the shared directory, listed by one replica, served by the other.
    const listedBy1 = on1.find((s) => s.snapshot)!;
    const listedBy2 = on2.find((s) => s.snapshot)!;
    for (const [url, base] of [[listedBy1.snapshot!.faceUrl, a2.url], [listedBy2.snapshot!.faceUrl, a1.url]]) {
      const res = await fetch(new URL(url, base));
      expect([res.status, res.headers.get('content-type')]).toEqual([200, 'image/jpeg']);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }

    // Alerts: raised by the worker running the camera, stored once, delivered once to each replica's subscribers.
    type A = { id: string; trackId: string; kind: string; acknowledgedBy: string | null };
    const storedOn = async (a: Proc) => (await gql<{ alerts: A[] }>(a.url, ADMIN_SECRET, '{alerts(first:500){id trackId kind acknowledgedBy}}')).data!.alerts;
    const stored = await until('a watchlist alert', async () => {
      const list = await storedOn(a1);
      return list.length && alertsOn.every((r) => list.every((a) => r.events.some(({ e }) => e.id === a.id))) ? list : undefined;
    }, 60_000, 500);
    expect(stored.every((a) => a.kind === 'watchlist')).toBe(true);
    expect(new Set(stored.map((a) => a.trackId)).size, 'one alert per track').toBe(stored.length);
    const ids = (r: (typeof alertsOn)[number]) => r.events.map(({ e }) => e.id).filter((id) => stored.some((a) => a.id === id));
    for (const r of alertsOn) {
      expect(r.errors).toEqual([]);
      expect(ids(r).sort(), 'each alert once per subscriber').toEqual(stored.map((a) => a.id).sort());
    }
    // Acknowledged through replica 2: the stored alert changes once for everyone, and both subscribers hear it.
    const target = stored.at(-1)!;
    const acked = await gql<{ acknowledgeAlert: { acknowledgedBy: string } }>(a2.url, ADMIN_SECRET, 'mutation($id:ID!){acknowledgeAlert(id:$id){acknowledgedBy}}', { id: target.id });
    expect(acked.errors).toBeUndefined();
    const ackedBy = acked.data!.acknowledgeAlert.acknowledgedBy;
    await until('the acknowledgement on both subscriptions', () => (alertsOn.every((r) => r.events.some(({ e }) => e.id === target.id && e.acknowledgedBy)) ? true : undefined), 5000, 50);
    for (const r of alertsOn) expect(r.events.filter(({ e }) => e.id === target.id && e.acknowledgedBy === ackedBy)).toHaveLength(1);
    expect((await storedOn(a1)).find((a) => a.id === target.id)?.acknowledgedBy).toBe(ackedBy);
    for (const r of alertsOn) r.stop();
  }, 150_000);

  it('shares API tokens: created on replica 1, used on replica 2; revoked on replica 2, cut on replica 1', async () => {
    const made = await gql<{ createApiToken: { secret: string; token: { id: string } } }>(
      a1.url,
      ADMIN_SECRET,
      'mutation{createApiToken(name:"kiosk",role:VIEWER,cameraScope:["stage"]){secret token{id}}}',
    );
    expect(made.errors).toBeUndefined();
    const { secret, token } = made.data!.createApiToken;
    // HTTP and WebSocket on the other replica.
    const me = await gql<{ me: { name: string; role: string } }>(a2.url, secret, '{me{name role}}');
    expect(me.data?.me).toEqual({ name: 'kiosk', role: 'VIEWER' });
    const closed: Record<string, number> = {};
    const sockets = { a1: wsClient(a1.url, secret, (code) => (closed.a1 = code)), a2: wsClient(a2.url, secret, (code) => (closed.a2 = code)) };
    clients.push(sockets.a1, sockets.a2);
    const Q = 'subscription{cameraStatus(cameraIds:["stage"]){cameraId}}';
    const subs = { a1: collect(sockets.a1, Q, {}, () => false, 30_000), a2: collect(sockets.a2, Q, {}, () => false, 30_000) };
    // Media: a link signed on replica 1 for this token (a worker has the frames: an API replica answers 503, past auth).
    const cam = await gql<{ camera: { frameUrl: string } }>(a1.url, secret, '{camera(id:"stage"){frameUrl}}');
    const frameUrl = cam.data!.camera.frameUrl;
    const status = async (base: string) => (await fetch(new URL(frameUrl, base))).status;
    expect([await status(a1.url), await status(a2.url)]).toEqual([503, 503]);
    await new Promise((r) => setTimeout(r, 500));
    expect(closed).toEqual({});

    const revoked = await gql(a2.url, ADMIN_SECRET, 'mutation($id:ID!){revokeApiToken(id:$id)}', { id: token.id });
    expect(revoked.data).toEqual({ revokeApiToken: true });
    await until('both sockets closed', () => (closed.a1 && closed.a2 ? true : undefined), 5000, 50);
    expect(closed).toEqual({ a1: 4403, a2: 4403 });
    await Promise.all([subs.a1.done, subs.a2.done]);
    expect([await status(a1.url), await status(a2.url)]).toEqual([401, 401]);
    for (const a of [a1, a2]) {
      const after = await gql(a.url, secret, '{me{name}}');
      expect([after.status, codes(after)]).toEqual([401, ['UNAUTHENTICATED']]);
    }
    // Every replica lists the same tokens (the bootstrap admin once, though every process applied it).
    const lists = await Promise.all([a1, a2].map((a) => gql<{ apiTokens: { name: string; revokedAt: string | null }[] }>(a.url, ADMIN_SECRET, '{apiTokens{name revokedAt}}')));
    expect(lists[0].data!.apiTokens).toEqual(lists[1].data!.apiTokens);
    expect(lists[0].data!.apiTokens.map((t) => [t.name, t.revokedAt !== null])).toEqual([
      ['bootstrap (BOOSTFACE_ADMIN_TOKEN)', false],
      ['kiosk', true],
    ]);
    // One audit log: what was done through either replica shows on both, newest first.
    const Q2 = '{auditLog(actions:["identity.enroll","camera.add","token.create","token.revoke"]){nodes{action target actorName}}}';
    const audits = await Promise.all([a1, a2].map((a) => gql<{ auditLog: { nodes: { action: string; target: string }[] } }>(a.url, ADMIN_SECRET, Q2)));
    expect(audits[0].data!.auditLog).toEqual(audits[1].data!.auditLog);
    expect(audits[0].data!.auditLog.nodes.map((n) => `${n.action} ${n.target}`)).toEqual([`token.revoke ${token.id}`, 'token.create kiosk', 'camera.add stage', 'identity.enroll lin_manuel_miranda']);
  }, 60_000);

  it('shares the wall: an edit on replica 1 reaches replica 2, presence spans replicas, racing edits: one wins', async () => {
    const made = await gql<{ createApiToken: { secret: string } }>(a1.url, ADMIN_SECRET, 'mutation{createApiToken(name:"wall-op",role:OPERATOR){secret}}');
    const op = made.data!.createApiToken.secret;
    type W = { version: number; pinned: number[]; focused: number | null; updatedBy: string | null; operators: { name: string }[] };
    const wallOf = async (a: Proc) => (await gql<{ wall: W }>(a.url, op, '{wall{version pinned focused updatedBy operators{name}}}')).data!.wall;
    const client = wsClient(a2.url, op);
    clients.push(client);
    const watching = collect<{ wall: W }>(client, 'subscription{wall{version pinned focused updatedBy operators{name}}}', {}, (evs) => evs.some((e) => e.wall.pinned.includes(3)), 20_000);
    // The operator watching through replica 2 is listed on replica 1.
    await until('the operator of replica 2 on the wall of replica 1', async () => ((await wallOf(a1)).operators.some((o) => o.name === 'wall-op') ? true : undefined), 5000, 100);
    const before = (await wallOf(a2)).version;
    const pinned = await gql<{ pinWallTile: { version: number; updatedBy: string } }>(a1.url, op, 'mutation($v:Int){pinWallTile(tile:3,pinned:true,expectedVersion:$v){version updatedBy}}', { v: before });
    expect(pinned.errors).toBeUndefined();
    expect(pinned.data!.pinWallTile).toEqual({ version: before + 1, updatedBy: 'wall-op' });
    const got = await watching.done;
    expect(got.error).toBeUndefined();
    expect(got.events[0].wall).toMatchObject({ version: before, operators: [{ name: 'wall-op' }] });
    expect(got.events.at(-1)!.wall).toMatchObject({ version: before + 1, pinned: [3], updatedBy: 'wall-op' });
    expect(await wallOf(a2)).toMatchObject({ version: before + 1, pinned: [3], updatedBy: 'wall-op' });
    // Unsubscribed: gone from the list on both replicas.
    await until('the operator gone from replica 1', async () => ((await wallOf(a1)).operators.length === 0 ? true : undefined), 5000, 100);

    // Edits through both replicas against the same version: exactly one applies, the other gets CONFLICT.
    for (let round = 0; round < 3; round++) {
      const v = (await wallOf(a1)).version;
      const race = await Promise.all(
        [a1, a2].map((a, i) => gql<{ focusWallTile: { version: number; focused: number } }>(a.url, op, 'mutation($v:Int,$t:Int){focusWallTile(tile:$t,expectedVersion:$v){version focused}}', { v, t: i })),
      );
      const won = race.filter((r) => !r.errors);
      expect(won, JSON.stringify(race)).toHaveLength(1);
      expect(race.flatMap(codes)).toEqual(['CONFLICT']);
      expect(won[0].data!.focusWallTile.version).toBe(v + 1);
      const walls = await Promise.all([wallOf(a1), wallOf(a2)]);
      expect(walls[0]).toEqual(walls[1]);
      expect(walls[0]).toMatchObject({ version: v + 1, focused: won[0].data!.focusWallTile.focused });
    }
  }, 60_000);

  it('a worker and an API replica shut down cleanly on SIGTERM (leases released at once)', async () => {
    const worker = [w1, w2].find((w) => w.proc.exitCode === null && w.proc.signalCode === null)!;
    for (const p of [worker, a2]) {
      p.proc.kill('SIGTERM');
      const code = await new Promise<number | null>((r) => p.proc.once('exit', r));
      expect(code, p.stderr.join('')).toBe(0);
      expect(p.stderr.join('')).toContain('serve: stopped');
    }
    // The worker released its lease: nobody holds the camera now, and no worker is listed as live.
    expect(await backends.redis!.command('GET', `${PREFIX}:lease:stage`)).toBeNull();
    const workers = (await backends.redis!.command('ZRANGE', `${PREFIX}:workers`, 0, -1, 'WITHSCORES')) as string[];
    const live: string[] = [];
    for (let i = 0; i < workers.length; i += 2) if (Number(workers[i + 1]) > Date.now()) live.push(workers[i]);
    expect(live).toEqual([]);
  }, 60_000);

  it('refuses api without Redis and worker on the embedded gallery, saying which backend is missing and why', async () => {
    const noRedis = await refused(['--role', 'api'], { BOOSTFACE_GALLERY: 'milvus', BOOSTFACE_MILVUS_ADDRESS: backends.milvus!.address, BOOSTFACE_REDIS_URL: '', BOOSTFACE_POSTGRES_URL: POSTGRES_URL });
    expect(noRedis.code).toBe(2);
    expect(noRedis.stderr).toMatch(/role api runs beside other processes and needs the Redis bus \(BOOSTFACE_REDIS_URL/);
    expect(noRedis.stderr).not.toMatch(/Milvus gallery/);
    const embedded = await refused(['--role', 'worker'], { BOOSTFACE_REDIS_URL: backends.redis!.url, BOOSTFACE_GALLERY: '', BOOSTFACE_POSTGRES_URL: POSTGRES_URL });
    expect(embedded.code).toBe(2);
    expect(embedded.stderr).toMatch(/role worker runs beside other processes and needs the Milvus gallery \(BOOSTFACE_GALLERY=milvus.*embedded gallery is a file of one process/);
  }, 60_000);

  it('refuses api and worker without PostgreSQL, naming BOOSTFACE_POSTGRES_URL and why', async () => {
    const others = { BOOSTFACE_REDIS_URL: backends.redis!.url, BOOSTFACE_GALLERY: 'milvus', BOOSTFACE_MILVUS_ADDRESS: backends.milvus!.address, BOOSTFACE_POSTGRES_URL: '' };
    for (const role of ['api', 'worker']) {
      const r = await refused(['--role', role], others);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`role ${role} runs beside other processes and needs the PostgreSQL store \\(BOOSTFACE_POSTGRES_URL, postgres\\.url in the config file\\): sightings and alerts in the data directory reach only this process`));
      expect(r.stderr).not.toMatch(/Redis bus|Milvus gallery/);
    }
  }, 60_000);
});
