/**
 * A real BoostFace API for tests: core (engine, gallery, store) + live system + the HTTP/WebSocket server on a free
 * loopback port, with the admin token from BOOSTFACE_ADMIN_TOKEN; plus small clients (HTTP GraphQL, graphql-ws).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startApiServer, type ApiServer } from '../src/api/server.js';
import { openCore, startLive, type Core, type Live } from '../src/main.js';
import { SHARED_MODELS } from './shared-fixtures.js';

export const ADMIN_SECRET = 'test-admin-secret-0123456789';

export interface Harness {
  dir: string;
  core: Core;
  live: Live;
  api: ApiServer;
  url: string;
  close(): Promise<void>;
}

export async function startHarness(env: NodeJS.ProcessEnv = {}): Promise<Harness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-api-'));
  const fullEnv = { ...process.env, BOOSTFACE_DATA_DIR: dir, BOOSTFACE_MODELS: SHARED_MODELS, BOOSTFACE_ADMIN_TOKEN: ADMIN_SECRET, ...env };
  const log = () => undefined;
  const core = await openCore(fullEnv, { log });
  const live = await startLive(core, { log, retention: false });
  const api = await startApiServer({ core, live, env: fullEnv, port: 0, host: '127.0.0.1', log });
  return {
    dir,
    core,
    live,
    api,
    url: api.url,
    async close() {
      await api.close();
      await live.stop();
      await core.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string; [k: string]: unknown } }[];
}

/** POST a GraphQL operation; `token` null sends no Authorization header. */
export async function gql<T = Record<string, unknown>>(url: string, token: string | null, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<GqlResult<T>> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as GqlResult<T>;
  return { ...body, status: res.status };
}

export const codes = (r: GqlResult) => (r.errors ?? []).map((e) => e.extensions?.code);

export function wsClient(url: string, token: string | null, onClose?: (code: number, reason: string) => void): Client {
  return createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
    on: { closed: (e) => onClose?.((e as { code: number }).code, (e as { reason: string }).reason) },
  });
}

/** Collect a subscription's events until `stop` says enough (or it completes / errors). */
export function collect<T>(client: Client, query: string, variables: Record<string, unknown>, stop: (events: T[]) => boolean, timeoutMs = 60_000) {
  const events: T[] = [];
  let unsubscribe = () => {};
  const done = new Promise<{ events: T[]; completed: boolean; error?: unknown }>((resolve) => {
    const timer = setTimeout(() => {
      unsubscribe();
      resolve({ events, completed: false, error: new Error('timeout') });
    }, timeoutMs);
    unsubscribe = client.subscribe<T>(
      { query, variables },
      {
        next: (v) => {
          if (v.data) events.push(v.data as T);
          if (v.errors) {
            clearTimeout(timer);
            resolve({ events, completed: false, error: v.errors });
          } else if (stop(events)) {
            clearTimeout(timer);
            unsubscribe();
            resolve({ events, completed: false });
          }
        },
        error: (error) => {
          clearTimeout(timer);
          resolve({ events, completed: false, error });
        },
        complete: () => {
          clearTimeout(timer);
          resolve({ events, completed: true });
        },
      },
    );
  });
  return { done, cancel: () => unsubscribe() };
}

export const dataUrl = (file: string) => `data:image/jpeg;base64,${fs.readFileSync(file).toString('base64')}`;
