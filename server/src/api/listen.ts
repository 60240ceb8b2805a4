/** Starting an HTTP server: listen, then the URL clients on this host reach it at (a wildcard host as loopback). */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';

export async function listen(server: http.Server, port: number, host: string): Promise<{ url: string; port: number }> {
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  const bound = (server.address() as AddressInfo).port;
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return { url: `http://${reachable}:${bound}`, port: bound };
}
