/**
 * The first admin token. With BOOSTFACE_ADMIN_TOKEN set (scripts, tests, orchestrators), that secret is made a live
 * admin token on every start. Without it, the very first start (a store with no token at all) creates an admin token
 * and prints its secret once; later starts never print a secret again (only its hash exists).
 */
import { ConfigError } from '../../config.js';
import type { ApiToken, TokenStore } from '../../store/token-store.js';
import { MAX_SECRET_LENGTH, MIN_SECRET_LENGTH, readCredential } from './tokens.js';

export const ENV_ADMIN_TOKEN_NAME = 'bootstrap (BOOSTFACE_ADMIN_TOKEN)';
export const FIRST_RUN_TOKEN_NAME = 'bootstrap (first run)';

export type BootstrapResult =
  | { source: 'env'; token: ApiToken }
  | { source: 'first-run'; token: ApiToken }
  /** Tokens already exist and no BOOSTFACE_ADMIN_TOKEN: nothing to do. */
  | { source: 'existing' };

export async function ensureAdminToken(store: TokenStore, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<BootstrapResult> {
  const fromEnv = env.BOOSTFACE_ADMIN_TOKEN;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.length < MIN_SECRET_LENGTH) throw new ConfigError(`BOOSTFACE_ADMIN_TOKEN is too weak: use at least ${MIN_SECRET_LENGTH} random characters (e.g. \`openssl rand -base64 32\`)`);
    // A value clients could never send (spaces, control characters, too long) would lock everyone out.
    if (fromEnv.length > MAX_SECRET_LENGTH || !readCredential({ token: fromEnv }).ok || fromEnv.trim() !== fromEnv) {
      throw new ConfigError(`BOOSTFACE_ADMIN_TOKEN must be printable ASCII without spaces, at most ${MAX_SECRET_LENGTH} characters`);
    }
    const { token, outcome } = await store.ensureAdminSecret(fromEnv, ENV_ADMIN_TOKEN_NAME);
    if (outcome === 'created') log(`api: admin token ${token.id} created from BOOSTFACE_ADMIN_TOKEN`);
    if (outcome === 'reinstated') log(`api: admin token ${token.id} from BOOSTFACE_ADMIN_TOKEN was revoked or changed; reinstated as admin (unset the variable to keep it revoked)`);
    return { source: 'env', token };
  }
  const first = await store.createFirstAdmin(FIRST_RUN_TOKEN_NAME);
  if (!first) return { source: 'existing' };
  log(`api: created the first admin API token (${first.token.id}). Its secret is shown only this once:`);
  log(`  ${first.secret}`);
  log('api: store it now (password manager or secret store): only its hash is kept. Send it as "Authorization: Bearer <token>";');
  log('api: set BOOSTFACE_ADMIN_TOKEN to choose the admin secret yourself instead.');
  return { source: 'first-run', token: first.token };
}
