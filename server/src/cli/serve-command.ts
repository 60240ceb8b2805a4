import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startApiServer } from '../api/server.js';
import { openCore, startLive } from '../main.js';
import { positiveInt } from './usage.js';

export const SERVE_USAGE = `Usage: boostface serve [--port N] [--host H]
  Start the BoostFace server on one port: GraphQL at /graphql (HTTP and graphql-ws WebSocket), the web app at /,
  authenticated media under /media, /healthz, /readyz and /metrics; the face engine in worker threads, the gallery
  and store of the data directory, and every enabled camera stored there.
  --port N   listen port (default BOOSTFACE_PORT or 8080; 0 = any free port)
  --host H   listen address (default BOOSTFACE_HOST or 0.0.0.0)
  BOOSTFACE_ADMIN_TOKEN sets the admin API token; without it the first start prints a new one once.
  Stops cleanly on SIGTERM/SIGINT: stops accepting, finishes in-flight requests, completes subscriptions, stops
  cameras (their tracks end and are stored), closes the stores.`;

/** The web app's build, beside the server workspace. */
const WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string' }, host: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(SERVE_USAGE + '\n');
    return 0;
  }
  const portRaw = values.port ?? process.env.BOOSTFACE_PORT;
  const port = portRaw === '0' ? 0 : (positiveInt('--port', portRaw) ?? 8080);
  const host = values.host ?? process.env.BOOSTFACE_HOST ?? '0.0.0.0';
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const core = await openCore(process.env, { log });
  let live: Awaited<ReturnType<typeof startLive>> | undefined;
  let api: Awaited<ReturnType<typeof startApiServer>> | undefined;
  try {
    live = await startLive(core, { log });
    api = await startApiServer({ core, live, env: process.env, port, host, log, webDir: process.env.BOOSTFACE_WEB_DIR ?? WEB_DIST });
  } catch (err) {
    await live?.stop();
    await core.close();
    throw err;
  }
  log(`serve: listening on ${api.url} (GraphQL ${api.url}/graphql), ${live.cameras.list().length} camera(s)`);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log(`serve: ${signal}, shutting down`);
  await api.close();
  await live.stop();
  await core.close();
  log('serve: stopped');
  return 0;
}
