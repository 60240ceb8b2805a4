/**
 * graphql-ws (graphql-transport-ws) on a `ws` WebSocketServer, in place of graphql-ws's own adapter (graphql-ws/use/ws),
 * with three changes for fanning events out to many subscribers:
 * 1. One JSON text per shared result: subscribers that share an execution (./shared-execution.ts) share its
 *    serialized and encoded payload too; each message only wraps it with the subscription's id.
 * 2. A send resolves as soon as the message is queued while the socket's backlog is under `highWaterBytes`, so that
 *    graphql-ws takes the subscriber's next queued event in the same turn. Past that it resolves when the write is
 *    done: a client that does not read stops pulling events, and its bounded event stream coalesces, drops box
 *    updates and finally overflows (./subscription-stream.ts), as with use/ws.
 * 3. What one turn of the event loop sends to a socket goes out in one write (the TCP socket is corked until
 *    setImmediate): one system call for the events of one camera frame, not one per event. A shared message is
 *    framed here and written to the TCP socket as chunks: a frame header shared by all frames of its length, the
 *    message's head, the shared payload, "}". No buffer of the message's size is made per subscriber: at 500
 *    subscribers those were about 80 MB/s of external memory, which set off a full garbage collection three times a
 *    second.
 * 4. Subscriptions that offer direct delivery (shared results over bounded event streams) have their events written
 *    here when their subscriber is woken, synchronously, byte for byte the `next` messages graphql-ws would send;
 *    graphql-ws still runs their lifecycle (subscribe, errors, complete). At 500 subscribers this removed the async
 *    step (promises, message objects, a replacer stringify) per event and subscriber.
 * Protocol negotiation, keep-alive pings, close codes and error handling are those of use/ws; errors never reach the
 * client with their internals (as use/ws does in production).
 */
import type { IncomingMessage } from 'node:http';
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import { hasDeferredUrls, signDeferredUrls } from './media-urls.js';
import { DIRECT_DELIVERY, hasDirectDelivery } from './subscription-stream.js';
import { sharedTextFrameHeader } from './ws-frame.js';

export interface WsExtra {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
}

/** Signs deferred media URLs (./media-urls.ts) for one socket's viewer; `key` names the viewer (results are kept per key). */
export interface ViewerSigner {
  readonly key: string;
  sign(pathname: string): string;
}

export interface WsTransportOptions {
  /** The signer for a socket's viewer, once it is known (after connection_init); undefined: deferred URLs become "". */
  signerOf?: (extra: WsExtra & Record<PropertyKey, unknown>) => ViewerSigner | undefined;
  /** Ping every this often; a socket that has not answered by the next ping is terminated (default 12 s; 0 = off). */
  keepAliveMs?: number;
  /** Bytes queued on a socket above which a send waits for its write (default 64 KiB). */
  highWaterBytes?: number;
}

/** JSON of `"<placeholder>"`: the payload's place in a message until the shared text is put in. */
const PLACEHOLDER = '\u0000shared-payload\u0000';
const PLACEHOLDER_TAIL = `${JSON.stringify(PLACEHOLDER)}}`;
const CLOSE_BRACE_CHUNK = Buffer.from('}');
const TEXT = { binary: false } as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * Serializes graphql-ws messages so that a `next` payload without errors is stringified and UTF-8 encoded once per
 * result object: the replacer stands a placeholder in for the payload and remembers the payload's bytes; `complete`
 * puts them in. graphql-ws builds a next message as { id, type, payload } and sends the string at once, so the
 * placeholder ends the message. A shared message goes out as a Buffer: its bytes are copied, never re-encoded, and
 * no per-subscriber string of the whole message lands on the V8 heap (at 500 subscribers that was most of the
 * young-generation garbage).
 */
export function sharedPayloadSerializer() {
  /** Per result: its payload's bytes, or (with deferred URLs) its text and the bytes signed per viewer. */
  const shared = new WeakMap<object, Buffer | { text: string; perViewer: Map<string, Buffer> }>();
  let root: unknown;
  let staged: Buffer | { text: string; perViewer: Map<string, Buffer> } | undefined;
  /** Deferred URLs signed for the viewer; with no viewer known they become "". */
  const signedFor = (text: string, signer: ViewerSigner | undefined) => signDeferredUrls(text, signer ? (p) => signer.sign(p) : () => '');
  /** A next payload without errors: its shared entry (made on first use); undefined for any other payload. */
  const entryOf = (value: unknown) => {
    if (!isObject(value) || 'errors' in value || !isObject(value.data)) return undefined;
    let entry = shared.get(value.data);
    if (entry === undefined) {
      const text = JSON.stringify(value);
      shared.set(value.data, (entry = hasDeferredUrls(text) ? { text, perViewer: new Map() } : Buffer.from(text)));
    }
    return entry;
  };
  const bytesOf = (entry: Buffer | { text: string; perViewer: Map<string, Buffer> }, signer: ViewerSigner | undefined): Buffer => {
    if (Buffer.isBuffer(entry)) return entry;
    const viewer = signer?.key ?? '';
    let b = entry.perViewer.get(viewer);
    if (b === undefined) entry.perViewer.set(viewer, (b = Buffer.from(signedFor(entry.text, signer))));
    return b;
  };
  return {
    replacer(this: unknown, key: string, value: unknown): unknown {
      if (key === '') {
        root = value;
        staged = undefined;
        return value;
      }
      if (key !== 'payload' || this !== root || !isObject(this) || this.type !== 'next') return value;
      const entry = entryOf(value);
      if (entry === undefined) return value;
      staged = entry;
      return PLACEHOLDER;
    },
    /**
     * The message as sent: the text as it was (deferred URLs signed by `signer`), or for a shared payload the text
     * before its placeholder and the payload's bytes (deferred URLs signed), to be sent as head + payload + "}"
     * (sharedMessageBytes, or as chunks of their own: nothing of the payload is copied per message).
     */
    complete(data: string, signer?: ViewerSigner): string | SharedMessage {
      const entry = staged;
      staged = undefined;
      root = undefined;
      if (entry === undefined || !data.endsWith(PLACEHOLDER_TAIL)) {
        return signedFor(data, signer); // the same string when it holds no deferred URL
      }
      return { head: data.slice(0, data.length - PLACEHOLDER_TAIL.length), payload: bytesOf(entry, signer) };
    },
    /**
     * The shared payload bytes of a `next` message for `result` (deferred URLs signed by `signer`): what graphql-ws
     * sends through replacer and complete after nextMessageHead(id); undefined for a result that is not shared (it
     * has errors).
     */
    payloadOf(result: unknown, signer?: ViewerSigner): Buffer | undefined {
      const entry = entryOf(result);
      return entry && bytesOf(entry, signer);
    },
  };
}

/** A message around a shared payload: its text is head + payload + "}". */
export interface SharedMessage {
  head: string;
  payload: Buffer;
}

export const sharedMessageBytes = (m: SharedMessage): Buffer => Buffer.concat([Buffer.from(m.head), m.payload, CLOSE_BRACE_CHUNK]);

/** What graphql-ws's JSON of a `next` message of subscription `id` holds before its payload (and "}" after it). */
export const nextMessageHead = (id: string) => `{"id":${JSON.stringify(id)},"type":"next","payload":`;

export function serveGraphqlWs<P extends Record<string, unknown> | undefined, E extends Record<PropertyKey, unknown>>(
  options: Omit<ServerOptions<P, WsExtra & Partial<E>>, 'jsonMessageReplacer'>,
  wss: WebSocketServer,
  transport: WsTransportOptions = {},
): { dispose(): Promise<void> } {
  const keepAliveMs = transport.keepAliveMs ?? 12_000;
  const highWater = transport.highWaterBytes ?? 64 * 1024;
  const serializer = sharedPayloadSerializer();
  const signerOf = transport.signerOf;
  /** Per socket: its direct sink maker (only where whole frames may go straight to the TCP socket). */
  const directSinks = new WeakMap<WebSocket, (id: string) => (result: unknown) => boolean>();
  const server = makeServer<P, WsExtra & Partial<E>>({
    ...options,
    jsonMessageReplacer: serializer.replacer,
    // A subscription whose events can be delivered directly (./subscription-stream.ts, ./shared-execution.ts) gets
    // them written here, synchronously, as graphql-ws would have sent them: no async step per event and subscriber.
    onOperation: async (ctx, id, payload, args, result) => {
      const replaced = await options.onOperation?.(ctx, id, payload, args, result);
      const operation = replaced ?? result;
      const sinkFor = directSinks.get(ctx.extra.socket);
      if (sinkFor && hasDirectDelivery(operation)) operation[DIRECT_DELIVERY](sinkFor(id));
      return replaced;
    },
  });
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
    // Whole frames go straight to the TCP socket only while no extension (compression) transforms ws' frames.
    const rawFrames = socket.extensions === '';
    let corked = false;
    const uncork = () => {
      corked = false;
      tcp.uncork();
    };
    const corkTurn = () => {
      if (corked) return;
      corked = true;
      tcp.cork();
      setImmediate(uncork);
    };

    const extra = { socket, request } as WsExtra & Partial<E>;
    const signer = () => signerOf?.(extra as WsExtra & Record<PropertyKey, unknown>);
    /**
     * A text frame of head + payload + "}" in four chunks, none of them made for this message but the head: shared
     * frame header, head, shared payload, "}". The corked socket writes them in one system call.
     */
    const writeShared = (head: Buffer, payload: Buffer, done?: (err?: Error | null) => void) => {
      tcp.write(sharedTextFrameHeader(head.length + payload.length + 1));
      tcp.write(head);
      tcp.write(payload);
      tcp.write(CLOSE_BRACE_CHUNK, done);
    };
    if (rawFrames) {
      directSinks.set(socket, (id) => {
        const head = Buffer.from(nextMessageHead(id));
        return (result) => {
          // A socket with a backlog declines: the event takes graphql-ws's way, whose send waits for the write.
          if (socket.readyState !== socket.OPEN || socket.bufferedAmount >= highWater) return false;
          const payload = serializer.payloadOf(result, signer());
          if (!payload) return false;
          corkTurn();
          writeShared(head, payload);
          return true;
        };
      });
    }
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send(data) {
          const message = serializer.complete(data, signer());
          if (socket.readyState !== socket.OPEN) return;
          corkTurn();
          // A shared message goes straight to the TCP socket, past ws' framing (no compression is negotiated, so ws
          // has nothing queued that this could overtake; its own writes, pings and close frames, are synchronous too).
          const write = (done?: (err?: Error | null) => void) => {
            if (typeof message === 'string') socket.send(message, TEXT, done);
            else if (rawFrames) writeShared(Buffer.from(message.head), message.payload, done);
            else socket.send(sharedMessageBytes(message), TEXT, done);
          };
          if (socket.bufferedAmount < highWater) {
            write(); // a failed write closes the socket; nobody waits for this one
            return;
          }
          return new Promise<void>((resolve, reject) => write((err) => (err ? reject(err) : resolve())));
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
      extra,
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
