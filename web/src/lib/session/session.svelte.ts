/**
 * The signed-in state: the token (localStorage), who it is (`me`), the API connection and the socket status. A
 * refused token anywhere (HTTP or WebSocket) signs out with a message for the login screen; signing out in one tab
 * signs out the others (storage event).
 */
import { createApi, httpClient, type Api } from '../api/client.js';
import { errorMessage, isAuthError, type SocketStatus } from '../api/errors.js';
import { MeQuery, type Me } from '../graphql/operations.js';
import { feedHub } from '../video/feed-hub.js';
import { TOKEN_KEY, clearToken, loadToken, normalizeToken, saveToken } from './token-storage.js';

const storage = (): Storage | undefined => {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
};

export type SessionPhase = 'signedOut' | 'checking' | 'signedIn' | 'unreachable';

class Session {
  phase = $state<SessionPhase>('signedOut');
  token = $state<string | null>(null);
  me = $state<Me | null>(null);
  /** Why the user is on the login screen (expired, revoked, signed out). */
  notice = $state<string | null>(null);
  socket = $state<SocketStatus>('connecting');
  api = $state.raw<Api | null>(null);

  constructor() {
    window.addEventListener('storage', (e) => {
      if (e.key === TOKEN_KEY && !e.newValue && this.phase === 'signedIn') this.signOut('Signed out in another tab.');
    });
  }

  /** Check a token and sign in with it; returns an error message, or null on success. */
  async signIn(raw: string, persist = true): Promise<string | null> {
    const token = normalizeToken(raw);
    if (!token) return 'Enter an API token.';
    this.phase = 'checking';
    const r = await httpClient(token).query(MeQuery, {}).toPromise();
    if (r.error || !r.data) {
      const auth = isAuthError(r.error);
      this.phase = auth ? 'signedOut' : 'unreachable';
      if (auth) clearToken(storage());
      return auth ? 'This token was not accepted: it is unknown, expired or revoked.' : errorMessage(r.error) || 'No answer from the server.';
    }
    if (persist) saveToken(storage(), token);
    this.token = token;
    this.me = r.data.me;
    this.notice = null;
    this.connect(token);
    this.phase = 'signedIn';
    return null;
  }

  /** On page load: continue with the stored token, if any. */
  async resume(): Promise<string | null> {
    const token = loadToken(storage());
    if (!token) return null;
    this.token = token;
    const err = await this.signIn(token, false);
    if (err && this.phase === 'signedOut') this.notice = 'Your session ended: the stored token is no longer valid. Sign in again.';
    return err;
  }

  signOut(notice: string | null = null): void {
    clearToken(storage());
    this.api?.dispose();
    this.api = null;
    feedHub.reset();
    this.token = null;
    this.me = null;
    this.notice = notice;
    this.phase = 'signedOut';
  }

  private connect(token: string): void {
    this.api?.dispose();
    feedHub.configure(token);
    this.socket = 'connecting';
    this.api = createApi(token, {
      onAuthFailure: (message) => this.signOut(message),
      onSocketStatus: (s) => (this.socket = s),
    });
  }
}

export const session = new Session();
