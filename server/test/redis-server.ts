/**
 * A throwaway redis-server for integration tests: a free loopback port, a temp directory, no persistence.
 *
 *   const started = await startRedisServer();   // { skipReason } when the binary is missing (and CI is not set)
 *   const { server } = started;
 *   server.url                                  // redis://127.0.0.1:PORT
 *   await server.command('INFO', 'clients');    // one command on a fresh connection
 *   await server.down(); await server.up();     // an outage of your own length (same port)
 *   await server.restart(); await server.stop();
 *
 * The binary is `redis-server` on PATH, or BOOSTFACE_REDIS_SERVER.
 */
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { freePort } from './free-port.js';

const BINARY = process.env.BOOSTFACE_REDIS_SERVER ?? 'redis-server';

export interface RedisTestServer {
  port: number;
  url: string;
  dir: string;
  /** Run one command on a short-lived connection of its own (it shows in CLIENT LIST while it runs). */
  command(name: string, ...args: (string | number)[]): Promise<unknown>;
  /** Stop the server (SIGKILL by default: a crash; SIGTERM: a clean shutdown), keeping the port and directory. */
  down(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Start it again on the same port, after down(). */
  up(): Promise<void>;
  restart(): Promise<void>;
  /** Stop it and remove its directory. */
  stop(): Promise<void>;
}

export type StartResult = { server: RedisTestServer; skipReason?: undefined } | { server?: undefined; skipReason: string };

/** Resolves when the port answers PING with PONG; rejects when the process exits first or the deadline passes. */
async function waitForPong(port: number, child: ChildProcess, output: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`redis-server exited (${child.exitCode ?? child.signalCode}): ${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      let reply = '';
      const done = (value: boolean) => {
        socket.destroy();
        resolve(value);
      };
      socket.setTimeout(500, () => done(false));
      socket.once('error', () => done(false));
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.on('data', (d) => {
        reply += d.toString();
        if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms: ${output()}`);
}

function spawnServer(port: number, dir: string): { child: ChildProcess; output: () => string; spawned: Promise<void> } {
  const child = spawn(BINARY, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  return { child, output: () => out.trim().split('\n').slice(-5).join('\n'), spawned };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Start a server. A missing binary resolves with a skip reason, unless CI=true, where it throws. */
export async function startRedisServer(): Promise<StartResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-redis-'));
  let port = 0;
  let child: ChildProcess | undefined;
  const killOnExit = () => child?.kill('SIGKILL');

  const launch = async () => {
    const s = spawnServer(port, dir);
    child = s.child;
    try {
      await s.spawned;
    } catch (err) {
      child = undefined;
      throw err;
    }
    try {
      await waitForPong(port, s.child, s.output);
    } catch (err) {
      s.child.kill('SIGKILL');
      await exited(s.child);
      child = undefined;
      throw err;
    }
  };

  // The free port may be taken between the probe and the server's bind: try a few.
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      await launch();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        fs.rmSync(dir, { recursive: true, force: true });
        const reason = `no ${BINARY} binary (apt-get install redis-server, or set BOOSTFACE_REDIS_SERVER)`;
        if (process.env.CI === 'true') throw new Error(reason);
        return { skipReason: reason };
      }
      if (attempt >= 4) {
        fs.rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
  // If the test process ends without stop() (a crash, a timeout), do not leave the server running.
  process.once('exit', killOnExit);

  const down = async (signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL') => {
    const c = child;
    if (!c) return;
    child = undefined;
    c.kill(signal);
    await exited(c);
  };
  const up = async () => {
    if (child) throw new Error('redis test server: up() while running');
    // The port was ours a moment ago; Redis binds with SO_REUSEADDR, so a retry is only for the unexpected.
    for (let attempt = 0; ; attempt++) {
      try {
        return await launch();
      } catch (err) {
        if (attempt >= 4) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };
  const server: RedisTestServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    async command(name, ...args) {
      const client = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      try {
        await client.connect();
        return await client.call(name, ...args);
      } finally {
        client.disconnect();
      }
    },
    down,
    up,
    async restart() {
      await down('SIGTERM');
      await up();
    },
    async stop() {
      await down('SIGTERM');
      process.off('exit', killOnExit);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return { server };
}

/** A client of a test server that fails at once rather than queueing while Redis is away. */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  await redis.connect();
  return redis;
}

/** A key prefix of its own for every subject: an empty store on the one server. */
export const freshPrefix = () => `t${randomBytes(6).toString('hex')}`;

/**
 * One redis-server for a test file: started now, stopped after the file's tests; `server` is undefined (and the
 * reason printed) when it cannot run here.
 */
export async function redisForSuite(suite: string): Promise<{ server?: RedisTestServer; skipReason?: string; connect: () => Promise<Redis> }> {
  const started = await startRedisServer();
  if (started.skipReason) console.warn(`${suite} skipped: ${started.skipReason}`);
  const server = started.server;
  afterAll(async () => {
    await server?.stop();
  });
  return { server, skipReason: started.skipReason, connect: () => connectRedis(server!.url) };
}
