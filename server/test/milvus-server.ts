/**
 * A local milvus-lite server for integration tests: tools/milvus/start-server.sh / stop-server.sh.
 *
 *   const server = await startMilvusServer();   // undefined + skipReason when Python/pip is missing (and CI is not set)
 *   server.address                             // 127.0.0.1:PORT
 *   await server.kill(); await server.restart(); await server.stop();
 *
 * The first start creates tools/milvus/.venv (~20 s, pip downloads ~150 MB).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const START = path.join(ROOT, 'tools/milvus/start-server.sh');
const STOP = path.join(ROOT, 'tools/milvus/stop-server.sh');

export interface MilvusTestServer {
  /** 127.0.0.1:PORT */
  address: string;
  dataDir: string;
  /** SIGKILL the server (its process group) at once. */
  kill(): Promise<void>;
  /** Start it again on the same data directory and port. */
  restart(): Promise<void>;
  /** Graceful stop, then remove the data directory. */
  stop(): Promise<void>;
}

export type StartResult = { server: MilvusTestServer; skipReason?: undefined } | { server?: undefined; skipReason: string };

function run(file: string, args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', [file, ...args], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/**
 * Start a server in a fresh temp directory. When the venv cannot be made (exit 4: no python3 >= 3.10, no venv module,
 * pip failed) this resolves with a skip reason, unless CI=true, where it throws.
 */
export async function startMilvusServer(): Promise<StartResult> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-milvus-'));
  const start = async (port: string) => {
    const r = await run(START, ['--port', port, dataDir], 300_000);
    if (r.code !== 0) return { error: `start-server.sh exited ${r.code}: ${r.stderr.trim().split('\n').slice(-8).join('\n')}`, code: r.code };
    const address = r.stdout.trim().split('\n').pop() ?? '';
    if (!/^127\.0\.0\.1:\d+$/.test(address)) return { error: `start-server.sh printed ${JSON.stringify(r.stdout)}`, code: 1 };
    return { address };
  };
  const first = await start('0');
  if (!('address' in first) || !first.address) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (first.code === 4 && process.env.CI !== 'true') return { skipReason: `no milvus-lite venv could be made (needs python3 >= 3.10 with venv + pip): ${first.error}` };
    throw new Error(first.error);
  }
  const address = first.address;
  const port = address.split(':')[1];
  // If the test process ends without stop() (a crash, a timeout), do not leave the server running.
  const killOnExit = () => {
    try {
      const pid = Number(fs.readFileSync(path.join(dataDir, 'server.pid'), 'utf8'));
      if (pid > 1) process.kill(-pid, 'SIGKILL');
    } catch {
      // already stopped
    }
  };
  process.once('exit', killOnExit);
  const server: MilvusTestServer = {
    address,
    dataDir,
    async kill() {
      await run(STOP, [dataDir, '--kill'], 30_000);
    },
    async restart() {
      // The port can linger for a moment after a kill; start-server.sh refuses a busy port, so retry a few times.
      let last = '';
      for (let i = 0; i < 10; i++) {
        const r = await start(port);
        if ('address' in r && r.address) return;
        last = r.error ?? '';
        await new Promise((res) => setTimeout(res, 500));
      }
      throw new Error(`restart failed: ${last}`);
    },
    async stop() {
      process.off('exit', killOnExit);
      await run(STOP, [dataDir], 30_000);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return { server };
}
