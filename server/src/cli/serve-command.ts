import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startApiServer } from '../api/server.js';
import { applyConfigFile, withConfigSource } from '../config-file.js';
import { apiSettings, engineSettings, LOG_ENV_HELP, liveSettings, logSettings, ROLE_ENV_HELP, roleSettings, storePlacement, storeSettings } from '../config.js';
import { createLogger, forComponent } from '../log/logger.js';
import { redactUrl } from '../util/redact-url.js';
import { startProbeServer } from '../api/probes.js';
import { openCluster, openCore, startApiView, startLive, type Cluster, type Live } from '../main.js';
import { positiveInt } from './usage.js';

export const SERVE_USAGE = `Usage: boostface serve [--role all|api|worker] [--port N] [--host H] [--config FILE]
  Start the BoostFace server on one port: GraphQL at /graphql (HTTP and graphql-ws WebSocket), the web app at /,
  authenticated media under /media, /healthz, /readyz and /metrics; the face engine in worker threads, the gallery
  and store of the data directory, and every enabled camera stored there.
  --role R        all (default BOOSTFACE_ROLE or all): everything in this process.
                  api: GraphQL, subscriptions and the web app from the Redis bus; runs no camera; camera changes go
                  to the configuration shared in Redis.
                  worker: cameras and recognition, each camera leased through Redis by one live worker, events on the
                  bus; no GraphQL: only /healthz, /readyz and /metrics on the port.
                  api and worker need BOOSTFACE_REDIS_URL, BOOSTFACE_GALLERY=milvus and BOOSTFACE_POSTGRES_URL
                  (sightings and alerts), and one BOOSTFACE_SNAPSHOT_DIR that every process mounts
                  (docs/scale-out.md).
  --port N        listen port (default BOOSTFACE_PORT or 8080; 0 = any free port)
  --host H        listen address (default BOOSTFACE_HOST or 0.0.0.0)
  --config FILE   JSON configuration file (default BOOSTFACE_CONFIG); environment variables override it
                  (docs/configuration.md). Every setting is checked before the engine starts.
  BOOSTFACE_ADMIN_TOKEN sets the admin API token; without it the first start prints a new one once.
  Stops cleanly on SIGTERM/SIGINT: stops accepting, finishes in-flight requests, completes subscriptions, stops
  cameras (their tracks end and are stored), closes the stores.
${ROLE_ENV_HELP}
${LOG_ENV_HELP}`;

/** The web app's build, beside the server workspace. */
const WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

/** Where the user:password of a URL would be (Redis, PostgreSQL). */
export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { role: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(SERVE_USAGE + '\n');
    return 0;
  }
  // The file fills in what the environment leaves unset, in process.env itself, so that every reader (worker
  // threads included) sees one configuration.
  const configFile = values.config ?? process.env.BOOSTFACE_CONFIG;
  const config = configFile ? applyConfigFile(configFile, process.env) : undefined;
  const env = process.env;
  // A settings error about a variable the file set also names the file's key.
  const explain = (err: unknown) => (config ? withConfigSource(err, config) : err);
  const settings = (() => {
    try {
      return {
        log: logSettings(env),
        api: apiSettings(env),
        engine: engineSettings(env),
        live: liveSettings(env),
        store: storeSettings(env),
        role: roleSettings(env, values.role),
        placement: storePlacement(env, values.role),
      };
    } catch (err) {
      throw explain(err);
    }
  })();
  const port = positiveInt('--port', values.port) ?? settings.api.port;
  const host = values.host ?? settings.api.host;
  const logger = createLogger(settings.log);
  const log = forComponent(logger, 'serve');
  const { role } = settings.role;
  log.info(
    {
      config: config?.file,
      role,
      dataDir: settings.engine.dataDir,
      modelsDir: settings.engine.modelsDir,
      gallery: env.BOOSTFACE_GALLERY || 'embedded',
      bus: settings.live.redisUrl ? redactUrl(settings.live.redisUrl) : 'in-process',
      sightings: settings.store.postgresUrl ? redactUrl(settings.store.postgresUrl) : 'data directory',
      snapshots: settings.store.snapshotDir,
    },
    'starting',
  );
  // Roles api and worker share the camera configuration and leases through Redis. Every process with Redis (role all
  // included: its Redis bus means replicas) shares the API tokens and the audit log there; a single process keeps
  // them in its store (storePlacement, which backup and restore follow too).
  const cluster: Cluster | undefined = settings.placement.tokens === 'redis' ? await openCluster(env, settings.role.leaseTtlMs) : undefined;
  const core = await openCore(env, { logger }).catch(async (err: unknown) => {
    await cluster?.close();
    return Promise.reject(explain(err));
  });
  let live: Live | undefined;
  let server: { url: string; close(): Promise<void> } | undefined;
  try {
    const gallery = { backend: env.BOOSTFACE_GALLERY || 'embedded', space: core.gallery.space, ...(await core.gallery.count()) };
    forComponent(logger, 'store').info(
      { dataDir: core.settings.dataDir, gallery },
      `data in ${core.settings.dataDir}; ${gallery.backend} gallery of ${gallery.identities} identities (${gallery.templates} templates) for ${gallery.space.model}`,
    );
    // Role all runs the cameras of its own store, even beside replicas: only a worker leases from the cluster.
    live = role === 'api' ? await startApiView(core, cluster!, { logger }) : await startLive(core, { logger, cluster: role === 'worker' ? cluster : undefined });
    server =
      role === 'worker'
        ? await startProbeServer({ core, live, role, port, host })
        : await startApiServer({ core, live, env, port, host, logger, role, webDir: env.BOOSTFACE_WEB_DIR || WEB_DIST, shared: cluster && { tokens: cluster.tokens, audit: cluster.audit, wall: cluster.wall, presence: cluster.wallPresence } });
  } catch (err) {
    await live?.stop();
    await core.close();
    await cluster?.close();
    throw explain(err);
  }
  const cameras = live.cameras.list().length;
  if (role === 'worker') {
    log.info({ url: server.url, role, worker: cluster!.workerId, cameras }, `listening on ${server.url} (worker ${cluster!.workerId}: /healthz, /readyz, /metrics), ${cameras} camera(s) leased`);
  } else {
    log.info({ url: server.url, graphql: `${server.url}/graphql`, role, cameras }, `listening on ${server.url} (GraphQL ${server.url}/graphql), ${cameras} camera(s)`);
  }
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info({ signal }, `${signal}, shutting down`);
  await server.close();
  await live.stop();
  await core.close();
  await cluster?.close();
  log.info('stopped');
  return 0;
}
