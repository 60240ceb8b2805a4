/**
 * One API connection per signed-in token: an urql client that sends queries and mutations as POST (Apollo's CSRF
 * prevention refuses GET) with the token in the Authorization header, and subscriptions over one graphql-ws
 * WebSocket (token in connectionParams). The socket retries forever with backoff; graphql-ws resubscribes every
 * active subscription after a reconnect. A refused token (HTTP UNAUTHENTICATED or socket close 4403) ends the session.
 */
import { Client, cacheExchange, fetchExchange, mapExchange, subscriptionExchange } from '@urql/svelte';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { backoffMs, errorMessage, isAuthError, isSocketAuthClose, nextSocketStatus, type SocketStatus } from './errors.js';

export interface ApiHooks {
  /** The token was refused: sign out with this message. */
  onAuthFailure(message: string): void;
  onSocketStatus?(status: SocketStatus): void;
}

export interface Api {
  client: Client;
  ws: WsClient;
  dispose(): void;
}

export const GRAPHQL_PATH = '/graphql';

export function wsUrl(loc: { protocol: string; host: string }): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}${GRAPHQL_PATH}`;
}

export const authHeaders = (token: string) => ({ authorization: `Bearer ${token}` });

/** A client for HTTP only (sign-in check): no socket. */
export function httpClient(token: string): Client {
  return new Client({ url: GRAPHQL_PATH, preferGetMethod: false, requestPolicy: 'network-only', exchanges: [fetchExchange], fetchOptions: { headers: authHeaders(token) } });
}

export function createApi(token: string, hooks: ApiHooks, loc: { protocol: string; host: string } = location): Api {
  let status: SocketStatus = 'connecting';
  let ended = false;
  const emit = (e: Parameters<typeof nextSocketStatus>[1]) => {
    status = nextSocketStatus(status, e);
    hooks.onSocketStatus?.(status);
  };
  const refused = (message: string) => {
    if (ended) return;
    ended = true;
    hooks.onAuthFailure(message);
  };

  const ws = createWsClient({
    url: wsUrl(loc),
    connectionParams: authHeaders(token),
    lazy: false, // one socket for the whole session: its state is the connection banner
    keepAlive: 10_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, backoffMs(retries))),
    shouldRetry: (e) => !isSocketAuthClose(e),
    onNonLazyError: (e) => {
      if (isSocketAuthClose(e)) refused('Your token was refused or revoked. Sign in again.');
    },
    on: {
      connecting: (retrying) => emit({ type: 'connecting', retrying }),
      connected: () => emit({ type: 'connected' }),
      closed: (e) => {
        if (isSocketAuthClose(e)) refused('Your token was revoked or has expired. Sign in again.');
        else if (!ended) emit({ type: 'closed' });
      },
    },
  });

  const client = new Client({
    url: GRAPHQL_PATH,
    preferGetMethod: false,
    fetchOptions: () => ({ headers: authHeaders(token) }),
    exchanges: [
      mapExchange({
        onError(error) {
          if (isAuthError(error)) refused(`Signed out: ${errorMessage(error)}`);
        },
      }),
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              // A subscription refused by the server (e.g. out of scope) arrives as an error; 4403 is handled above.
              return { unsubscribe: ws.subscribe(input, sink) };
            },
          };
        },
      }),
    ],
  });

  return {
    client,
    ws,
    dispose() {
      ended = true;
      void ws.dispose();
    },
  };
}
