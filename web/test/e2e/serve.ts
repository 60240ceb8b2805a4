/**
 * A real `boostface serve` for the browser tests: a child process on a free loopback port with a temporary data
 * directory, the shared models and the admin token below; the web app it serves is web/dist (`npm run build`).
 * Plus a small GraphQL client for the set-up the tests do behind the browser's back (cameras, enrollment, tokens).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, SHARED_MODELS } from '../../../server/test/shared-fixtures.js';

export const ADMIN_TOKEN = 'e2e-admin-secret-0123456789abcdef';
export const WEB_DIST = path.join(REPO_ROOT, 'web/dist');

export interface Serve {
  url: string;
  /** Everything the server wrote to stderr (its log). */
  log: string[];
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// A test run that dies without its afterAll must not leave a server (and its inference workers) behind.
process.once('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

export async function startServe(env: Record<string, string> = {}): Promise<Serve> {
  if (!fs.existsSync(path.join(WEB_DIST, 'index.html'))) throw new Error(`no web build at ${WEB_DIST}: run "npm run build" first`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-e2e-'));
  const proc = spawn(process.execPath, [path.join(REPO_ROOT, 'server/bin/boostface.js'), 'serve', '--port', '0', '--host', '127.0.0.1'], {
    env: {
      ...process.env,
      BOOSTFACE_DATA_DIR: dir,
      BOOSTFACE_MODELS: SHARED_MODELS,
      BOOSTFACE_ADMIN_TOKEN: ADMIN_TOKEN,
      BOOSTFACE_WORKERS: '1',
      BOOSTFACE_WEB_DIR: WEB_DIST,
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.add(proc);
  const log: string[] = [];
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      // A clean shutdown stores the open tracks; past 15 s it is stuck, and the test run must end anyway.
      const killer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    }
    running.delete(proc);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`boostface serve did not start in 120 s:\n${log.join('')}`)), 120_000);
      proc.stderr!.on('data', (d: Buffer) => {
        log.push(d.toString());
        // The log line reads "serve: listening on http://…", plain or as the msg of a JSON log line.
        const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(log.join(''));
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`boostface serve exited with ${code}:\n${log.join('')}`));
      });
    });
    return { url, log, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export class GraphQLError extends Error {
  constructor(readonly errors: { message: string; extensions?: { code?: string } }[]) {
    super(errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; '));
  }
}

/** POST one operation; GraphQL errors throw. */
export async function gql<T>(url: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length) throw new GraphQLError(body.errors);
  return body.data as T;
}

const MIME: Record<string, string> = { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png' };

export function imageDataUrl(file: string): string {
  const mime = MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  return `data:${mime};base64,${fs.readFileSync(file).toString('base64')}`;
}

/** Enroll every person folder of `gallery` (folders starting with "_" hold scenes, not people). */
export async function enrollPeople(url: string, gallery: string, tags: Record<string, string[]> = {}): Promise<Map<string, { id: string; accepted: number }>> {
  const people = new Map<string, { id: string; accepted: number }>();
  for (const person of fs.readdirSync(gallery).filter((p) => !p.startsWith('_')).sort()) {
    const files = fs.readdirSync(path.join(gallery, person)).sort().map((f) => path.join(gallery, person, f));
    const r = await gql<{ enrollIdentity: { identity: { id: string } | null; results: { status: string }[] } }>(
      url,
      ADMIN_TOKEN,
      'mutation($n:String!,$i:[String!]!,$t:[String!]){enrollIdentity(name:$n,images:$i,tags:$t){identity{id} results{status}}}',
      { n: person, i: files.map(imageDataUrl), t: tags[person] ?? [] },
    );
    const accepted = r.enrollIdentity.results.filter((x) => x.status === 'accepted').length;
    if (!r.enrollIdentity.identity) throw new Error(`${person}: no image accepted`);
    people.set(person, { id: r.enrollIdentity.identity.id, accepted });
  }
  return people;
}

export async function createToken(url: string, name: string, role: 'ADMIN' | 'OPERATOR' | 'VIEWER', cameraScope: string[] | null = null): Promise<string> {
  const r = await gql<{ createApiToken: { secret: string } }>(url, ADMIN_TOKEN, 'mutation($n:String!,$r:Role!,$s:[ID!]){createApiToken(name:$n,role:$r,cameraScope:$s){secret}}', {
    n: name,
    r: role,
    s: cameraScope,
  });
  return r.createApiToken.secret;
}

export interface CameraSpec {
  id: string;
  name: string;
  url: string;
  detectFps?: number;
}

/** A file camera played in real time, looping. */
export async function addFileCamera(url: string, c: CameraSpec): Promise<void> {
  await gql(url, ADMIN_TOKEN, 'mutation($i:CameraInput!){addCamera(input:$i){id}}', {
    i: { id: c.id, name: c.name, url: c.url, realtime: true, loop: true, detectFps: c.detectFps ?? 8 },
  });
}
