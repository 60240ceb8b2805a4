/**
 * Reading API failures: which ones mean "your token is no longer good" (back to the login screen), and the message
 * to show for the rest. The server answers an unknown, expired or revoked token with extensions.code UNAUTHENTICATED
 * (HTTP 401), and closes a WebSocket with 4403 (at connect, or when the token is revoked while connected).
 */
export const SOCKET_FORBIDDEN = 4403;

export interface ErrorLike {
  message?: string;
  graphQLErrors?: readonly { message: string; extensions?: Record<string, unknown> }[];
  networkError?: { message?: string } | null;
  response?: { status?: number } | null;
}

export function errorCode(err: ErrorLike | null | undefined): string | undefined {
  const code = err?.graphQLErrors?.find((e) => typeof e.extensions?.code === 'string')?.extensions?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isAuthError(err: ErrorLike | null | undefined): boolean {
  if (!err) return false;
  if (err.graphQLErrors?.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) return true;
  return err.response?.status === 401;
}

export function isSocketAuthClose(event: unknown): boolean {
  return typeof event === 'object' && event !== null && (event as { code?: unknown }).code === SOCKET_FORBIDDEN;
}

/** A short message for people: the server's own words for GraphQL errors, a hint for network failures. */
export function errorMessage(err: ErrorLike | null | undefined): string {
  if (!err) return '';
  const gql = err.graphQLErrors?.map((e) => e.message).filter(Boolean);
  if (gql && gql.length) return [...new Set(gql)].join('; ');
  if (err.networkError) return `Cannot reach the server (${err.networkError.message ?? 'network error'})`;
  return (err.message ?? 'Something went wrong').replace(/^\[(GraphQL|Network)\]\s*/, '');
}

/** Wait before reconnect attempt n (0-based): exponential from 0.5 s, capped at 15 s, with jitter against herds. */
export function backoffMs(retries: number, random: () => number = Math.random): number {
  const base = Math.min(15_000, 500 * 2 ** Math.min(retries, 10));
  return Math.round(base * (0.75 + 0.5 * random()));
}

export type SocketStatus = 'connecting' | 'online' | 'reconnecting';

export type SocketEvent = { type: 'connecting'; retrying: boolean } | { type: 'connected' } | { type: 'closed' };

/** The connection banner's state machine: only a drop after being online (or a retry) shows "reconnecting". */
export function nextSocketStatus(prev: SocketStatus, e: SocketEvent): SocketStatus {
  switch (e.type) {
    case 'connected':
      return 'online';
    case 'connecting':
      return e.retrying || prev === 'reconnecting' ? 'reconnecting' : prev === 'online' ? 'reconnecting' : 'connecting';
    case 'closed':
      return prev === 'connecting' ? 'connecting' : 'reconnecting';
  }
}
