/**
 * docker/ without a Docker engine: the versions and commands inside the images and compose files are the ones the rest
 * of the project runs and tests (Milvus image, Node, ffmpeg, the onnxruntime-node install setting, Redis), the
 * entrypoint and health check behave as documented, and the files pass the validators of tools/compose (the Compose
 * specification's JSON schema, hadolint). The validators need a Python venv (tools/compose/setup.sh, pip): without
 * one that part is skipped with the reason, except under CI=true, where it fails.
 */
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './shared-fixtures.js';

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');
const CPU = read('docker/Dockerfile');
const CUDA = read('docker/Dockerfile.cuda');
const COMPOSE = read('docker/compose.yml');
const GPU_COMPOSE = read('docker/compose.gpu.yml');

/** The instructions of a Dockerfile's stage named `name` (from its FROM line to the next FROM). */
function stage(dockerfile: string, name: string): string {
  const stages = dockerfile.split(/^(?=FROM )/m).slice(1);
  const found = stages.find((s) => new RegExp(`^FROM \\S+ AS ${name}\\b`).test(s));
  if (!found) throw new Error(`no stage "${name}"`);
  return found;
}

/** The text between two section markers ("# ---- NAME"), markers included for the first. */
function section(dockerfile: string, from: string, to: string): string {
  const start = dockerfile.indexOf(`# ---- ${from}`);
  const end = dockerfile.indexOf(`# ---- ${to}`);
  if (start < 0 || end < start) throw new Error(`no section ${from}..${to}`);
  return dockerfile.slice(start, end);
}

/** The instructions without the comment lines. */
const code = (dockerfile: string) => dockerfile.split('\n').filter((l) => !l.startsWith('#')).join('\n');
const argDefault = (dockerfile: string, name: string) => dockerfile.match(new RegExp(`^ARG ${name}=(\\S+)$`, 'm'))?.[1];

describe('docker/ agrees with what the project runs and tests', () => {
  it('runs the Milvus image that tools/milvus/README.md recommends for compose', () => {
    const recommended = read('tools/milvus/README.md').match(/Milvus for docker compose \| \*\*`(milvusdb\/milvus:v[\d.]+)`\*\*/)?.[1];
    expect(recommended).toMatch(/^milvusdb\/milvus:v2\.6\.\d+$/);
    const images = [...COMPOSE.matchAll(/^\s+image: (milvusdb\/milvus:\S+)$/gm)].map((m) => m[1]);
    expect(images).toEqual([recommended]);
  });

  it('builds on Node 20 (a full version, at least the engines minimum) of Debian bookworm, the same in both images', () => {
    const node = argDefault(CPU, 'NODE_IMAGE');
    expect(argDefault(CUDA, 'NODE_IMAGE')).toBe(node);
    const m = node?.match(/^node:(\d+)\.(\d+)\.(\d+)-bookworm-slim$/);
    expect(m, `NODE_IMAGE=${node}`).toBeTruthy();
    const [major, minor] = [Number(m![1]), Number(m![2])];
    expect(major).toBe(20);
    const engines = JSON.parse(read('package.json')).engines.node as string; // ">=20.19"
    const [, emaj, emin] = engines.match(/>=(\d+)\.(\d+)/)!.map(Number);
    expect(major === emaj && minor >= emin).toBe(true);
    expect(stage(CUDA, 'node')).toContain(`FROM \${NODE_IMAGE} AS node`);
    expect(stage(CUDA, 'runtime')).toContain('COPY --from=node /usr/local/bin/node /usr/local/bin/node');
  });

  it('skips the onnxruntime-node download like scripts/install.sh and .npmrc; only the CUDA image forces it', () => {
    expect(read('scripts/install.sh')).toMatch(/^export ONNXRUNTIME_NODE_INSTALL=skip\b/m);
    expect(read('.npmrc')).toMatch(/^onnxruntime-node-install=skip$/m);
    for (const file of [CPU, CUDA]) expect(stage(file, 'toolchain')).toMatch(/^ENV ONNXRUNTIME_NODE_INSTALL=skip \\$/m);
    expect(code(CPU).match(/ONNXRUNTIME_NODE_INSTALL=/g)).toHaveLength(1);
    const provider = stage(CUDA, 'cuda-provider');
    expect(provider).toContain('ONNXRUNTIME_NODE_INSTALL=1 node node_modules/onnxruntime-node/script/install.js');
    expect(code(CUDA).match(/ONNXRUNTIME_NODE_INSTALL=/g)).toHaveLength(2);
    expect(stage(CUDA, 'runtime')).toContain('COPY --from=cuda-provider /src/node_modules ./node_modules');
  });

  it('copies the production dependencies npm nests inside the server workspace', () => {
    // package-lock.json can put some of the server's dependencies under server/node_modules instead of hoisting them
    // (graphql-ws and ws today); without them `serve` fails to import.
    for (const [file, from] of [[CPU, 'prod-deps'], [CUDA, 'cuda-provider']] as const) {
      expect(stage(file, 'prod-deps')).toContain('&& mkdir -p server/node_modules');
      expect(stage(file, 'runtime')).toContain(`COPY --from=${from} /src/server/node_modules ./server/node_modules`);
    }
  });

  it('the CUDA provider is the one the installed onnxruntime-node downloads, documented with its version', () => {
    const require = createRequire(path.join(REPO_ROOT, 'server/package.json'));
    const ortVersion = JSON.parse(read('server/package.json')).dependencies['onnxruntime-node'] as string;
    const meta = require('onnxruntime-node/script/install-metadata.js') as {
      requirements: Record<string, string[]>;
      manifests: Record<string, Record<string, unknown>>;
      packages: Record<string, { name: string; versions: { version: string }[] }>;
    };
    // The mechanism the image relies on: a forced install on linux/x64 fetches the CUDA provider from NuGet.
    const manifests = meta.requirements['linux/x64'];
    expect(manifests.length).toBeGreaterThan(0);
    expect(Object.keys(meta.manifests[`linux/x64:${manifests[0]}`])).toContain('./libonnxruntime_providers_cuda.so');
    const pkg = meta.packages[`nuget:linux/x64:${manifests[0]}`];
    expect(pkg.versions.map((v) => v.version)).toEqual([ortVersion]);
    const doc = read('docker/README.md');
    expect(doc).toContain(`onnxruntime-node ${ortVersion}`);
    expect(doc).toContain(`${pkg.name} ${ortVersion}`);
    expect(CUDA).toContain(`${pkg.name} ${ortVersion}`);
    // The base carries cuDNN, the runtime stage checks every library the provider needs, and CUDA comes first.
    expect(argDefault(CUDA, 'CUDA_IMAGE')).toMatch(/^nvidia\/cuda:\d+\.\d+\.\d+-cudnn-runtime-ubuntu\d+\.\d+$/);
    expect(stage(CUDA, 'runtime')).toMatch(/ldd "\$ort\/libonnxruntime_providers_cuda\.so"/);
    expect(stage(CUDA, 'runtime')).toMatch(/BOOSTFACE_PROVIDERS=cuda,cpu$/m);
    expect(stage(CPU, 'runtime')).toMatch(/BOOSTFACE_PROVIDERS=cpu$/m);
  });

  it('shares the build stages between both Dockerfiles, text for text', () => {
    expect(section(CUDA, 'toolchain', 'cuda-provider')).toBe(section(CPU, 'toolchain', 'runtime'));
    // ...and the runtime stages differ only where the GPU needs it.
    const tail = (f: string) => f.slice(f.indexOf('WORKDIR /app')).replace(/^COPY --from=(prod-deps|cuda-provider) /gm, 'COPY --from=DEPS ');
    const cpuTail = tail(CPU);
    const cudaTail = tail(CUDA).replace(/^# Every shared library[\s\S]*?&& node --version\n/m, '').replace('cuda,cpu', 'cpu');
    expect(cudaTail).toBe(cpuTail);
  });

  it('runtime images: ffmpeg, a non-root user, volumes /data and /models, port 8080, health on /readyz', () => {
    for (const file of [CPU, CUDA]) {
      const runtime = stage(file, 'runtime');
      expect(runtime).toMatch(/apt-get install -y --no-install-recommends ffmpeg /);
      const users = [...file.matchAll(/^USER (\S+)$/gm)].map((m) => m[1]);
      expect(users).toEqual(['10001:10001']);
      expect(runtime).toContain('useradd --system --uid 10001');
      expect(runtime).toContain('chown boostface:boostface /data /models');
      expect(runtime).toMatch(/^VOLUME \["\/data", "\/models"\]$/m);
      expect(runtime).toMatch(/^EXPOSE 8080$/m);
      expect(runtime).toMatch(/BOOSTFACE_DATA_DIR=\/data \\\n\s+BOOSTFACE_MODELS=\/models \\/);
      expect(runtime).toMatch(/^HEALTHCHECK .* CMD \["node", "\/app\/docker\/healthcheck\.mjs"\]$/m);
      expect(runtime).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--", "\/app\/docker\/entrypoint\.sh"\]$/m);
      expect(runtime).toMatch(/^CMD \["serve"\]$/m);
      expect(runtime).toContain('COPY --from=build /src/web/dist ./web/dist');
    }
    expect(read('docker/healthcheck.mjs')).toContain('/readyz');
  });

  it('pins every image by tag (never latest) and cleans the apt lists wherever it installs', () => {
    const images = [
      ...[CPU, CUDA].flatMap((f) => [...f.matchAll(/^ARG \w+_IMAGE=(\S+)$/gm)].map((m) => m[1])),
      ...[COMPOSE, GPU_COMPOSE].flatMap((f) => [...f.matchAll(/^\s+image: (\S+)$/gm)].map((m) => m[1])),
    ];
    expect(images.length).toBeGreaterThanOrEqual(8);
    for (const image of images) {
      const tag = image.match(/:([^/:]+)$/)?.[1];
      expect(tag, image).toBeTruthy();
      expect(tag, image).not.toMatch(/^latest$/);
    }
    for (const file of [CPU, CUDA]) {
      expect(file.match(/^FROM (\S+)/gm)!.every((f) => /^FROM (\$\{\w+_IMAGE\}|toolchain|prod-deps)$/.test(f))).toBe(true);
      const runs = file.split(/^(?=[A-Z]+ )/m).filter((i) => i.startsWith('RUN ') && i.includes('apt-get install'));
      expect(runs.length).toBeGreaterThan(0);
      for (const run of runs) expect(run).toContain('rm -rf /var/lib/apt/lists/*');
    }
  });

  it('Redis is 7.0, the line of the Debian redis-server the tests run', () => {
    const tag = COMPOSE.match(/^\s+image: redis:(\S+)$/m)?.[1];
    expect(tag).toMatch(/^7\.0\.\d+-alpine$/);
    const local = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
    if (local.status === 0) expect(local.stdout).toContain(`v=${tag!.replace('-alpine', '')}`);
  });

  it('PostgreSQL is 15.18 on Debian bookworm, the postgresql the tests run', () => {
    const tag = COMPOSE.match(/^\s+image: postgres:(\S+)$/m)?.[1];
    expect(tag).toMatch(/^15\.\d+-bookworm$/);
    const binaries = '/usr/lib/postgresql/15/bin/postgres';
    const local = existsSync(binaries) ? spawnSync(binaries, ['--version'], { encoding: 'utf8' }) : undefined;
    if (local?.status === 0) expect(local.stdout).toContain(`(PostgreSQL) ${tag!.replace('-bookworm', '')} `);
  });

  it('both build contexts ignore the same paths and keep what the build copies', () => {
    const entries = (file: string) => read(file).split('\n').filter((l) => l && !l.startsWith('#'));
    const cpu = entries('docker/Dockerfile.dockerignore');
    expect(entries('docker/Dockerfile.cuda.dockerignore')).toEqual(cpu);
    for (const kept of ['!package.json', '!package-lock.json', '!.npmrc', '!server/', '!web/', '!schema/', '!models/manifest.json', '!docker/entrypoint.sh', '!docker/healthcheck.mjs']) {
      expect(cpu).toContain(kept);
    }
    expect(cpu).toEqual(expect.arrayContaining(['**/node_modules', '**/dist']));
  });
});

describe('docker/entrypoint.sh', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bf-entrypoint-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // A stand-in `node` on PATH: records its arguments; `models ensure` exits with $FAKE_ENSURE_STATUS.
  const bin = path.join(dir, 'bin');
  const log = path.join(dir, 'calls.log');
  spawnSync('mkdir', ['-p', bin]);
  writeFileSync(
    path.join(bin, 'node'),
    `#!/bin/sh\necho "$*" >> "${log}"\nif [ "$2" = models ] && [ "$3" = ensure ]; then exit "\${FAKE_ENSURE_STATUS:-0}"; fi\nexit 0\n`,
  );
  chmodSync(path.join(bin, 'node'), 0o755);

  function run(args: string[], env: Record<string, string>, withModel: boolean) {
    rmSync(log, { force: true });
    const models = mkdtempSync(path.join(dir, 'models-'));
    if (withModel) writeFileSync(path.join(models, 'det_2.5g.onnx'), 'x');
    const r = spawnSync('sh', [path.join(REPO_ROOT, 'docker/entrypoint.sh'), ...args], {
      encoding: 'utf8',
      env: { PATH: `${bin}:/usr/bin:/bin`, BOOSTFACE_MODELS: models, ...env },
    });
    const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
    return { status: r.status, stderr: r.stderr, calls };
  }
  const cli = '/app/server/bin/boostface.js';

  it('ensures the default pack, then serves', () => {
    const r = run(['serve'], {}, false);
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([`${cli} models ensure buffalo_m`, `${cli} serve`]);
  });

  it('offline with models in the volume: serves on them', () => {
    const r = run(['serve', '--port', '9000'], { FAKE_ENSURE_STATUS: '1', BOOSTFACE_PACK: 'buffalo_s' }, true);
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([`${cli} models ensure buffalo_s`, `${cli} serve --port 9000`]);
    expect(r.stderr).toContain('could not fetch buffalo_s; starting on the models already in');
  });

  it('offline with an empty volume: stops with instructions instead of serving', () => {
    const r = run(['serve'], { FAKE_ENSURE_STATUS: '1' }, false);
    expect(r.status).toBe(1);
    expect(r.calls).toEqual([`${cli} models ensure buffalo_m`]);
    expect(r.stderr).toContain('holds no model and buffalo_m could not be downloaded');
  });

  it('BOOSTFACE_PACK empty skips the check; other commands run as they are', () => {
    expect(run(['serve'], { BOOSTFACE_PACK: '' }, false).calls).toEqual([`${cli} serve`]);
    expect(run(['models', 'list'], { FAKE_ENSURE_STATUS: '1' }, false).calls).toEqual([`${cli} models list`]);
  });
});

describe('docker/healthcheck.mjs', () => {
  async function check(status: number | null): Promise<number | null> {
    const server = http.createServer((req, res) => {
      res.statusCode = req.url === '/readyz' ? (status ?? 500) : 404;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    if (status === null) await new Promise((resolve) => server.close(resolve)); // nothing listening
    const code = await new Promise<number | null>((resolve) => {
      execFile(process.execPath, [path.join(REPO_ROOT, 'docker/healthcheck.mjs')], { env: { ...process.env, BOOSTFACE_PORT: String(port) } }, (err) =>
        resolve(err ? ((err as { code?: number }).code ?? 1) : 0),
      );
    });
    if (status !== null) await new Promise((resolve) => server.close(resolve));
    return code;
  }

  it('is healthy only while /readyz answers 200', async () => {
    expect(await check(200)).toBe(0);
    expect(await check(503)).toBe(1);
    expect(await check(null)).toBe(1);
  });
});

// ---- the validators (tools/compose) ------------------------------------------------------------------------------
const CHECK = path.join(REPO_ROOT, 'tools/compose/check.sh');

function runCheck(args: string[], timeoutMs = 300_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', [CHECK, ...args], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Creates the tools' venv on first use (about 20 s); a skip reason when it cannot be made outside CI. */
async function toolsSkipReason(): Promise<string | undefined> {
  const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile('bash', [path.join(REPO_ROOT, 'tools/compose/setup.sh')], { timeout: 300_000 }, (err, _out, stderr) =>
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0, stderr: String(stderr) }),
    );
  });
  if (r.code === 0) return undefined;
  const reason = `docker-files: the validators of tools/compose could not be installed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' ')}`;
  if (process.env.CI === 'true') throw new Error(reason);
  console.warn(`skipped ${reason}`);
  return reason;
}
const skipReason = await toolsSkipReason();

type Service = {
  build?: { context: string; dockerfile: string };
  image?: string;
  profiles?: string[];
  command?: string[];
  restart?: string;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  deploy?: { resources: { reservations: { devices: { driver: string; count: string; capabilities: string[] }[] } } };
};
type ComposeFile = { name?: string; services: Record<string, Service>; volumes?: Record<string, unknown> };

describe.skipIf(skipReason !== undefined)('tools/compose validators', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bf-compose-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const parse = async (file: string): Promise<ComposeFile> => {
    const r = await runCheck(['json', path.join(REPO_ROOT, file)]);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as ComposeFile;
  };

  it('docker/ passes the Compose specification schema and hadolint', async () => {
    const r = await runCheck([]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('compose-spec schema: ok -- compose.yml, compose.gpu.yml');
    expect(r.stdout).toContain('hadolint: ok -- Dockerfile, Dockerfile.cuda');
  });

  it('the validators reject what they should', async () => {
    const compose = path.join(tmp, 'compose.yml');
    writeFileSync(compose, 'services:\n  app:\n    imagee: x\n    deploy:\n      resources:\n        reservations:\n          devices:\n            - capabilities: gpu\n');
    const c = await runCheck(['compose', compose]);
    expect(c.code).toBe(1);
    expect(c.stdout).toContain("'imagee' was unexpected");
    expect(c.stdout).toContain("'gpu' is not of type 'array'");
    const dockerfile = path.join(tmp, 'Dockerfile');
    writeFileSync(dockerfile, 'FROM node:latest\nRUN apt-get update && apt-get install -y ffmpeg\nUSER root\n');
    const d = await runCheck(['dockerfile', dockerfile]);
    expect(d.code).toBe(1);
    expect(d.stdout).toContain('DL3007'); // latest
    expect(d.stdout).toContain('DL3009'); // apt lists left behind
    expect(d.stdout).toContain('DL3002'); // last USER root
  });

  it('compose.yml: BoostFace on Milvus, Redis and PostgreSQL, shared models and snapshots, health-gated start, restart policies', async () => {
    const { name, services, volumes } = await parse('docker/compose.yml');
    expect(name).toBe('boostface');
    expect(Object.keys(services).sort()).toEqual(['boostface', 'etcd', 'milvus', 'minio', 'postgres', 'redis', 'worker']);
    for (const [id, s] of Object.entries(services)) expect(s.restart, id).toBe('unless-stopped');
    for (const id of ['etcd', 'minio', 'milvus', 'postgres', 'redis']) expect(services[id].healthcheck?.test[0], id).toBe('CMD');

    const app = services.boostface;
    expect(existsSync(path.join(REPO_ROOT, 'docker', app.build!.context, app.build!.dockerfile))).toBe(true);
    expect(app.environment).toMatchObject({
      BOOSTFACE_GALLERY: 'milvus',
      BOOSTFACE_MILVUS_ADDRESS: 'milvus:19530',
      BOOSTFACE_REDIS_URL: 'redis://redis:6379',
      BOOSTFACE_SNAPSHOT_DIR: '/snapshots',
    });
    expect(app.environment!.BOOSTFACE_ADMIN_TOKEN).toMatch(/^\$\{BOOSTFACE_ADMIN_TOKEN:\?.+\}$/); // required
    // Sightings and alerts in the postgres service, with the password of docker/.env (required).
    expect(app.environment!.BOOSTFACE_POSTGRES_URL).toMatch(/^postgres:\/\/boostface:\$\{BOOSTFACE_POSTGRES_PASSWORD:\?.+\}@postgres:5432\/boostface$/);
    expect(app.volumes).toEqual(['boostface-data:/data', 'boostface-models:/models', 'boostface-snapshots:/snapshots']);
    expect(app.ports).toEqual(['${BOOSTFACE_PUBLISH:-8080}:8080']);
    expect(app.depends_on).toEqual({ milvus: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' }, postgres: { condition: 'service_healthy' } });
    expect(services.milvus.depends_on).toEqual({ etcd: { condition: 'service_healthy' }, minio: { condition: 'service_healthy' } });

    // Redis holds tokens, the audit log and camera configurations: persisted (AOF) on a volume.
    expect(services.redis.command).toEqual(['redis-server', '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '']);
    expect(services.redis.volumes).toEqual(['redis-data:/data']);
    // PostgreSQL: its data on a volume, the database and user BoostFace's URL names, the password from docker/.env.
    const postgres = services.postgres;
    expect(postgres.volumes).toEqual(['postgres-data:/var/lib/postgresql/data']);
    expect(postgres.environment).toMatchObject({ POSTGRES_USER: 'boostface', POSTGRES_DB: 'boostface' });
    expect(postgres.environment!.POSTGRES_PASSWORD).toMatch(/^\$\{BOOSTFACE_POSTGRES_PASSWORD:\?.+\}$/);
    expect(postgres.healthcheck?.test).toEqual(['CMD', 'pg_isready', '-U', 'boostface', '-d', 'boostface']);
    const worker = services.worker;
    expect(worker.profiles).toEqual(['split']);
    // The API role from docker/.env (default all in one); workers run `serve --role worker`, scalable: no host port,
    // an anonymous /data each (never a shared data directory), the shared models, and the snapshots volume of the
    // API service at the same path (the API serves what workers write).
    expect(app.environment!.BOOSTFACE_ROLE).toBe('${BOOSTFACE_ROLE:-all}');
    expect(worker.command).toEqual(['serve', '--role', 'worker']);
    expect(worker.environment).toEqual({ ...app.environment, BOOSTFACE_ROLE: 'worker' });
    expect(worker.image).toBe(app.image);
    expect(worker.ports).toBeUndefined();
    expect(worker.volumes).toEqual(['boostface-models:/models', 'boostface-snapshots:/snapshots']);
    expect(worker.depends_on).toEqual(app.depends_on);
    for (const s of Object.values(services)) for (const v of s.volumes ?? []) expect(Object.keys(volumes!)).toContain(v.split(':')[0]);
  });

  it('compose.gpu.yml: both BoostFace services on the CUDA image with NVIDIA GPUs reserved', async () => {
    const { services } = await parse('docker/compose.gpu.yml');
    expect(Object.keys(services).sort()).toEqual(['boostface', 'worker']);
    for (const s of Object.values(services)) {
      expect(s.build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile.cuda' });
      expect(s.environment).toEqual({ BOOSTFACE_PROVIDERS: 'cuda,cpu' });
      expect(s.deploy!.resources.reservations.devices).toEqual([{ driver: 'nvidia', count: 'all', capabilities: ['gpu'] }]);
    }
  });
});
