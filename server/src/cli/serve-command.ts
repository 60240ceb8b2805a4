import http from 'node:http';
import { parseArgs } from 'node:util';
import { openCore, startLive, type Core, type Live } from '../main.js';
import { positiveInt } from './usage.js';

export const SERVE_USAGE = `Usage: boostface serve [--port N] [--host H]
  Start the BoostFace server: the face engine in worker threads, the gallery and store of the data directory, and
  every enabled camera stored there (live recognition); answers /healthz and /readyz.
  --port N   listen port (default BOOSTFACE_PORT or 8080)
  --host H   listen address (default BOOSTFACE_HOST or 0.0.0.0)
  Stops cleanly on SIGTERM/SIGINT.`;

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string' }, host: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(SERVE_USAGE + '\n');
    return 0;
  }
  const port = positiveInt('--port', values.port ?? process.env.BOOSTFACE_PORT) ?? 8080;
  const host = values.host ?? process.env.BOOSTFACE_HOST ?? '0.0.0.0';
  let ready = false;
  let core: Core | undefined;
  let live: Live | undefined;
  const server = http.createServer((req, res) => {
    const send = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/healthz') return send(200, { status: 'ok' });
    if (req.url === '/readyz') {
      if (!ready || !core || !live) return send(503, { status: 'starting' });
      return send(200, { status: 'ready', engine: core.pool.info, cameras: live.cameras.list().map((c) => ({ id: c.camera.id, state: c.health.state })) });
    }
    send(404, { error: { code: 'NOT_FOUND', message: `no route ${req.url}` } });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  process.stderr.write(`serve: listening on http://${host}:${port}\n`);
  try {
    core = await openCore(process.env);
    live = await startLive(core);
  } catch (err) {
    server.close();
    await core?.close();
    throw err;
  }
  process.stderr.write(`serve: ${live.cameras.list().length} camera(s) configured\n`);
  ready = true;
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      process.stderr.write(`serve: ${sig}, shutting down\n`);
      ready = false;
      server.close(() => resolve());
      server.closeIdleConnections();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await live.stop();
  await core.close();
  return 0;
}
