/**
 * Two `boostface serve` processes sharing events through a real Redis: a camera runs on replica A, clients connect to
 * replica B and receive A's track events with B's filters and authorization applied. Then SIGTERM: a replica shuts
 * down cleanly (exit 0) while a client is subscribed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_SECRET, collect, gql, wsClient } from './api-harness.js';
import { startRedisServer, type RedisTestServer } from './redis-server.js';
import { REPO_ROOT, SHARED_MODELS, sharedAvailable, sharedData } from './shared-fixtures.js';

const redis = sharedAvailable('replicas') ? await startRedisServer() : { skipReason: 'no shared data' };
if (redis.skipReason) console.warn(`skipped replicas: ${redis.skipReason}`);
const run = redis.server ? describe : describe.skip;

interface Replica {
  proc: ChildProcess;
  url: string;
  dir: string;
  stderr: string[];
}

function startReplica(redisUrl: string): Promise<Replica> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-replica-'));
  const proc = spawn(process.execPath, [path.join(REPO_ROOT, 'server/bin/boostface.js'), 'serve', '--port', '0', '--host', '127.0.0.1'], {
    env: { ...process.env, BOOSTFACE_DATA_DIR: dir, BOOSTFACE_MODELS: SHARED_MODELS, BOOSTFACE_ADMIN_TOKEN: ADMIN_SECRET, BOOSTFACE_REDIS_URL: redisUrl, BOOSTFACE_WORKERS: '1', BOOSTFACE_LOG_FORMAT: 'pretty' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`replica did not start:\n${stderr.join('')}`)), 90_000);
    proc.stderr!.on('data', (d: Buffer) => {
      stderr.push(d.toString());
      const m = /serve: listening on (http:\/\/[\d.]+:\d+)/.exec(stderr.join(''));
      if (m) {
        clearTimeout(timer);
        resolve({ proc, url: m[1], dir, stderr });
      }
    });
    proc.once('exit', (code) => reject(new Error(`replica exited with ${code}:\n${stderr.join('')}`)));
  });
}

run('server replicas over Redis', () => {
  let a: Replica;
  let b: Replica;
  const server = redis.server as RedisTestServer;

  beforeAll(async () => {
    [a, b] = await Promise.all([startReplica(server.url), startReplica(server.url)]);
  }, 180_000);

  afterAll(async () => {
    for (const r of [a, b]) {
      if (r && r.proc.exitCode === null) {
        r.proc.kill('SIGKILL');
        await new Promise((res) => r.proc.once('exit', res));
      }
      if (r) fs.rmSync(r.dir, { recursive: true, force: true });
    }
    await server.stop();
  });

  it('delivers events of a camera on one replica to subscribers of the other, with filters and scopes applied there', async () => {
    const mk = async (scope: string[]) => {
      const r = await gql<{ createApiToken: { secret: string } }>(b.url, ADMIN_SECRET, 'mutation($s:[ID!]){createApiToken(name:"v",role:VIEWER,cameraScope:$s){secret}}', { s: scope });
      return r.data!.createApiToken.secret;
    };
    const viewerSecret = await mk(['stage']);
    // Replicas with Redis share their API tokens: one created through B works on A.
    expect((await gql<{ me: { role: string } }>(a.url, viewerSecret, '{me{role}}')).data?.me).toEqual({ role: 'VIEWER' });
    const inScope = wsClient(b.url, viewerSecret);
    const outOfScope = wsClient(b.url, await mk(['elsewhere']));
    const admin = wsClient(b.url, ADMIN_SECRET);
    const Q = 'subscription($k:[TrackEventKind!],$c:[ID!]){recognitionEvents(kinds:$k,cameraIds:$c){kind cameraId trackId identity{name}}}';
    type E = { recognitionEvents: { kind: string; cameraId: string } };
    const viewerEvents = collect<E>(inScope, Q, {}, (e) => e.length >= 3, 60_000);
    const hidden = collect<E>(outOfScope, Q, {}, () => false, 15_000);
    const onlyStarted = collect<E>(admin, Q, { k: ['STARTED'], c: ['stage'] }, (e) => e.length >= 2, 60_000);
    const noMatch = collect<E>(admin, Q, { c: ['not-this-camera'] }, () => false, 15_000);
    await new Promise((r) => setTimeout(r, 500));
    const add = await gql(a.url, ADMIN_SECRET, 'mutation($i:CameraInput!){addCamera(input:$i){id}}', {
      i: { id: 'stage', name: 'Stage', url: sharedData('video/hamilton_whitehouse_clip.mp4'), realtime: true, detectFps: 8 },
    });
    expect(add.errors).toBeUndefined();
    const seen = await viewerEvents.done;
    expect(seen.error).toBeUndefined();
    expect(seen.events.every((e) => e.recognitionEvents.cameraId === 'stage')).toBe(true);
    const started = await onlyStarted.done;
    expect(started.events.map((e) => e.recognitionEvents.kind)).toEqual(['STARTED', 'STARTED']);
    expect((await hidden.done).events).toEqual([]);
    expect((await noMatch.done).events).toEqual([]);
    // B has no camera of its own: the events crossed Redis
    const cams = await gql<{ cameras: unknown[] }>(b.url, ADMIN_SECRET, '{cameras{id}}');
    expect(cams.data!.cameras).toEqual([]);
    for (const c of [inScope, outOfScope, admin]) await c.dispose();
  }, 120_000);

  it('shuts down cleanly on SIGTERM with a client subscribed', async () => {
    let closed = 0;
    const client = wsClient(a.url, ADMIN_SECRET, (code) => (closed = code));
    const sub = collect(client, 'subscription{cameraStatus{cameraId}}', {}, () => false, 30_000);
    await new Promise((r) => setTimeout(r, 300));
    a.proc.kill('SIGTERM');
    const code = await new Promise<number | null>((res) => a.proc.once('exit', res));
    expect(code).toBe(0);
    expect(a.stderr.join('')).toContain('serve: stopped');
    await sub.done;
    expect(closed).toBe(1001);
    await client.dispose();
  }, 60_000);
});
