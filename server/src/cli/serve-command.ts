import http from 'node:http';
import { parseArgs } from 'node:util';
import { startEngine } from './engine-session.js';
import { positiveInt } from './usage.js';

export const SERVE_USAGE = `Usage: boostface serve [--port N] [--host H]
  Start the BoostFace server: loads the face engine in worker threads and answers /healthz and /readyz.
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
  const server = http.createServer((req, res) => {
    const send = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/healthz') return send(200, { status: 'ok' });
    if (req.url === '/readyz') return ready ? send(200, { status: 'ready', engine: pool.info }) : send(503, { status: 'starting' });
    send(404, { error: { code: 'NOT_FOUND', message: `no route ${req.url}` } });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  process.stderr.write(`serve: listening on http://${host}:${port}\n`);
  const { pool } = await startEngine({ recognizer: true });
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
  await pool.close();
  return 0;
}
