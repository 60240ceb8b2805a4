/**
 * A throwaway PostgreSQL cluster for integration tests: `initdb` into a temp directory, `pg_ctl start` on a free
 * loopback port with its unix socket in that directory, no fsync (nothing here needs to survive a crash).
 *
 *   const started = await startPostgresServer();   // { skipReason } when the binaries are missing (and CI is not set)
 *   const { server } = started;
 *   server.url                                     // postgres://postgres@127.0.0.1:PORT/postgres
 *   await server.freshDatabase()                   // the URL of a new, empty database
 *   await server.stop();
 *
 * The binaries: the folder BOOSTFACE_POSTGRES_BIN, else the newest /usr/lib/postgresql/N/bin (Debian), else PATH.
 * initdb refuses to run as root: as root the cluster belongs to the `postgres` user (the Debian package creates it)
 * and every binary runs through `runuser -u postgres --`.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.js';

const run = promisify(execFile);

export interface PostgresTestServer {
  port: number;
  /** The `postgres` database, as the superuser (trust authentication on loopback). */
  url: string;
  dir: string;
  /** A new empty database on this server: its URL. */
  freshDatabase(): Promise<string>;
  /** Stop the server and remove its directory. */
  stop(): Promise<void>;
}

export type StartResult = { server: PostgresTestServer; skipReason?: undefined } | { server?: undefined; skipReason: string };

function binDir(): string | undefined {
  if (process.env.BOOSTFACE_POSTGRES_BIN) return process.env.BOOSTFACE_POSTGRES_BIN;
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions.length) return path.join(root, versions[0], 'bin');
  const onPath = (process.env.PATH ?? '').split(path.delimiter).find((d) => d && fs.existsSync(path.join(d, 'initdb')));
  return onPath;
}

function skipOrFail(reason: string): StartResult {
  if (process.env.CI === 'true') throw new Error(reason);
  return { skipReason: reason };
}

/** Start a cluster. Missing binaries resolve with a skip reason, unless CI=true, where it throws. */
export async function startPostgresServer(): Promise<StartResult> {
  const bin = binDir();
  if (!bin) return skipOrFail('no PostgreSQL binaries (apt-get install postgresql, or set BOOSTFACE_POSTGRES_BIN to the folder of initdb and pg_ctl)');
  const asRoot = process.getuid?.() === 0;
  if (asRoot && spawnSync('id', ['-u', 'postgres']).status !== 0) return skipOrFail('running as root, and there is no postgres user to run initdb as');
  // Through runuser as root: the cluster's files belong to postgres.
  const command = (name: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, name), ...args]] : [path.join(bin, name), args]);
  const pgCtl = (...args: string[]) => command('pg_ctl', args);

  // As root, under /tmp: the postgres user must reach the directory (a TMPDIR under /root it could not), and the
  // socket path must stay short.
  const dir = fs.mkdtempSync(path.join(asRoot ? '/tmp' : os.tmpdir(), 'bf-postgres-'));
  if (asRoot) execFileSync('chown', ['postgres:', dir]);
  const data = path.join(dir, 'data');
  try {
    await run(...command('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']));
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(err as { stderr?: string }).stderr ?? (err as Error).message}`);
  }
  const stopNow = () => spawnSync(...pgCtl('stop', '-D', data, '-m', 'immediate'));
  let port = 0;
  // The free port may be taken between the probe and the server's bind: try a few.
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    try {
      await run(...pgCtl('start', '-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '60', '-o', options));
      break;
    } catch (err) {
      if (attempt >= 4) {
        const log = fs.existsSync(path.join(dir, 'log')) ? fs.readFileSync(path.join(dir, 'log'), 'utf8').slice(-2000) : '';
        fs.rmSync(dir, { recursive: true, force: true });
        throw new Error(`pg_ctl start failed: ${(err as Error).message}\n${log}`);
      }
    }
  }
  // If the test process ends without stop() (a crash, a timeout), do not leave the server running.
  process.once('exit', stopNow);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const server: PostgresTestServer = {
    port,
    url,
    dir,
    async freshDatabase() {
      const name = `t${randomBytes(6).toString('hex')}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      process.off('exit', stopNow);
      await run(...pgCtl('stop', '-D', data, '-m', 'fast', '-w')).catch(() => stopNow());
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return { server };
}
