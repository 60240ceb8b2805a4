/**
 * graphql-ws (graphql-transport-ws) on a `ws` WebSocketServer, in place of graphql-ws's own adapter (graphql-ws/use/ws),
 * with three changes for fanning events out to many subscribers:
 * 1. One JSON text per shared result: subscribers that share an execution (./shared-execution.ts) share its
 *    serialized payload too; each message only wraps it with the subscription's id.
 * 2. A send resolves as soon as the message is queued while the socket's backlog is under `highWaterBytes`, so that
 *    graphql-ws takes the subscriber's next queued event in the same turn. Past that it resolves when the write is
 *    done: a client that does not read stops pulling events, and its bounded event stream coalesces, drops box
 *    updates and finally overflows (./subscription-stream.ts), as with use/ws.
 * 3. What one turn of the event loop sends to a socket goes out in one write (the TCP socket is corked until
 *    setImmediate): one system call for the events of one camera frame, not one per event.
 * Protocol negotiation, keep-alive pings, close codes and error handling are those of use/ws; errors never reach the
 * client with their internals (as use/ws does in production).
 */
import type { IncomingMessage } from 'node:http';
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';

export interface WsExtra {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
}

export interface WsTransportOptions {
  /** Ping every this often; a socket that has not answered by the next ping is terminated (default 12 s; 0 = off). */
  keepAliveMs?: number;
  /** Bytes queued on a socket above which a send waits for its write (default 64 KiB). */
  highWaterBytes?: number;
}

/** JSON of `"<placeholder>"`: the payload's place in a message until the shared text is put in. */
const PLACEHOLDER = '\u0000shared-payload\u0000';
const PLACEHOLDER_TAIL = `${JSON.stringify(PLACEHOLDER)}}`;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * Serializes graphql-ws messages so that a `next` payload without errors is stringified once per result object: the
 * replacer stands a placeholder in for the payload and remembers the payload's JSON; `complete` puts it in. graphql-ws
 * builds a next message as { id, type, payload } and sends the string at once, so the placeholder ends the message.
 */
export function sharedPayloadSerializer() {
  const texts = new WeakMap<object, string>();
  let root: unknown;
  let staged: string | undefined;
  return {
    replacer(this: unknown, key: string, value: unknown): unknown {
      if (key === '') {
        root = value;
        staged = undefined;
        return value;
      }
      if (key !== 'payload' || this !== root || !isObject(this) || this.type !== 'next') return value;
      if (!isObject(value) || 'errors' in value || !isObject(value.data)) return value;
      let text = texts.get(value.data);
      if (text === undefined) texts.set(value.data, (text = JSON.stringify(value)));
      staged = text;
      return PLACEHOLDER;
    },
    /** The message as sent: the staged payload text in place of the placeholder. */
    complete(data: string): string {
      const text = staged;
      staged = undefined;
      root = undefined;
      if (text === undefined || !data.endsWith(PLACEHOLDER_TAIL)) return data;
      return `${data.slice(0, data.length - PLACEHOLDER_TAIL.length)}${text}}`;
    },
  };
}

export function serveGraphqlWs<P extends Record<string, unknown> | undefined, E extends Record<PropertyKey, unknown>>(
  options: Omit<ServerOptions<P, WsExtra & Partial<E>>, 'jsonMessageReplacer'>,
  wss: WebSocketServer,
  transport: WsTransportOptions = {},
): { dispose(): Promise<void> } {
  const keepAliveMs = transport.keepAliveMs ?? 12_000;
  const highWater = transport.highWaterBytes ?? 64 * 1024;
  const serializer = sharedPayloadSerializer();
  const server = makeServer<P, WsExtra & Partial<E>>({ ...options, jsonMessageReplacer: serializer.replacer });
  wss.options.handleProtocols = handleProtocols;

  wss.once('error', (err) => {
    console.error('graphql-ws: WebSocket server error', err);
    for (const client of wss.clients) client.close(CloseCode.InternalServerError, 'Internal server error');
  });

  wss.on('connection', (socket, request) => {
    socket.once('error', (err) => {
      console.error('graphql-ws: socket error', err);
      socket.close(CloseCode.InternalServerError, 'Internal server error');
    });

    let pongWait: NodeJS.Timeout | null = null;
    const pingInterval =
      keepAliveMs > 0 && Number.isFinite(keepAliveMs)
        ? setInterval(() => {
            if (socket.readyState !== socket.OPEN) return;
            pongWait = setTimeout(() => socket.terminate(), keepAliveMs);
            socket.once('pong', () => {
              if (pongWait) clearTimeout(pongWait);
              pongWait = null;
            });
            socket.ping();
          }, keepAliveMs)
        : null;

    const tcp = request.socket;
    let corked = false;
    const uncork = () => {
      corked = false;
      tcp.uncork();
    };

    const closed = server.opened(
      {
        protocol: socket.protocol,
        send(data) {
          const message = serializer.complete(data);
          if (socket.readyState !== socket.OPEN) return;
          if (!corked) {
            corked = true;
            tcp.cork();
            setImmediate(uncork);
          }
          const written = new Promise<void>((resolve, reject) => socket.send(message, (err) => (err ? reject(err) : resolve())));
          if (socket.bufferedAmount < highWater) {
            written.catch(() => undefined); // a failed write closes the socket; nobody waits for this one
            return;
          }
          return written;
        },
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) =>
          socket.on('message', async (event) => {
            try {
              await cb(String(event));
            } catch (err) {
              console.error('graphql-ws: message handling failed', err);
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            }
          }),
      },
      { socket, request } as WsExtra & Partial<E>,
    );

    socket.once('close', (code, reason) => {
      if (pongWait) clearTimeout(pongWait);
      if (pingInterval) clearInterval(pingInterval);
      void closed(code, String(reason));
    });
  });

  return {
    async dispose() {
      for (const client of wss.clients) client.close(1001, 'Going away');
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
