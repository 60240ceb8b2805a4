import { describe, expect, it } from 'vitest';
import { backoffMs, errorCode, errorMessage, isAuthError, isSocketAuthClose, nextSocketStatus, type SocketStatus } from './errors.js';

describe('auth failures', () => {
  it('recognises UNAUTHENTICATED errors and HTTP 401', () => {
    expect(isAuthError({ graphQLErrors: [{ message: 'unknown or revoked token', extensions: { code: 'UNAUTHENTICATED' } }] })).toBe(true);
    expect(isAuthError({ graphQLErrors: [], response: { status: 401 } })).toBe(true);
    expect(isAuthError({ graphQLErrors: [{ message: 'no', extensions: { code: 'FORBIDDEN' } }], response: { status: 200 } })).toBe(false);
    expect(isAuthError(null)).toBe(false);
  });

  it('recognises the WebSocket close for a refused or revoked token', () => {
    expect(isSocketAuthClose({ code: 4403, reason: 'Forbidden' })).toBe(true);
    expect(isSocketAuthClose({ code: 1006, reason: '' })).toBe(false);
    expect(isSocketAuthClose(new Error('x'))).toBe(false);
  });

  it('reads the error code', () => {
    expect(errorCode({ graphQLErrors: [{ message: 'm' }, { message: 'n', extensions: { code: 'CONFLICT' } }] })).toBe('CONFLICT');
    expect(errorCode({})).toBeUndefined();
  });
});

describe('errorMessage', () => {
  it('prefers the server messages, once each', () => {
    expect(errorMessage({ message: '[GraphQL] a', graphQLErrors: [{ message: 'a' }, { message: 'a' }, { message: 'b' }] })).toBe('a; b');
  });
  it('explains network failures', () => {
    expect(errorMessage({ message: '[Network] Failed to fetch', graphQLErrors: [], networkError: { message: 'Failed to fetch' } })).toBe('Cannot reach the server (Failed to fetch)');
  });
  it('strips urql prefixes', () => {
    expect(errorMessage({ message: '[GraphQL] boom' })).toBe('boom');
    expect(errorMessage(undefined)).toBe('');
  });
});

describe('backoffMs', () => {
  it('grows exponentially with jitter and a cap', () => {
    expect(backoffMs(0, () => 0.5)).toBe(500);
    expect(backoffMs(3, () => 0.5)).toBe(4000);
    expect(backoffMs(30, () => 0.5)).toBe(15_000);
    expect(backoffMs(0, () => 0)).toBe(375);
    expect(backoffMs(0, () => 1)).toBe(625);
  });
});

describe('socket status', () => {
  const run = (events: Parameters<typeof nextSocketStatus>[1][]) => events.reduce<SocketStatus>((s, e) => nextSocketStatus(s, e), 'connecting');
  it('starts connecting and goes online', () => {
    expect(run([{ type: 'connecting', retrying: false }, { type: 'connected' }])).toBe('online');
  });
  it('shows reconnecting after a drop until connected again', () => {
    const dropped = run([{ type: 'connecting', retrying: false }, { type: 'connected' }, { type: 'closed' }]);
    expect(dropped).toBe('reconnecting');
    expect(nextSocketStatus(dropped, { type: 'connecting', retrying: true })).toBe('reconnecting');
    expect(nextSocketStatus(dropped, { type: 'connected' })).toBe('online');
  });
  it('shows reconnecting when the first connection keeps failing', () => {
    expect(run([{ type: 'connecting', retrying: false }, { type: 'closed' }, { type: 'connecting', retrying: true }])).toBe('reconnecting');
  });
});
