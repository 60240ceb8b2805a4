/** Exponential backoff with jitter for restarting camera sources: many cameras dropping at once must not retry in step. */

export interface BackoffPolicy {
  /** Delay before the first retry. */
  initialMs: number;
  /** Delays never exceed this. */
  maxMs: number;
  /** Growth per consecutive failed attempt. */
  factor: number;
  /** Relative spread, 0..1: the delay is drawn uniformly from base × [1 − jitter, 1 + jitter] (then capped). */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2 };

/** Delay before retry number `attempt` (0 = the first retry after a success or at start). */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random = Math.random): number {
  const exponent = Math.max(0, Math.floor(attempt));
  // Capping the exponent first keeps factor ** exponent finite however long a camera stays down.
  const base = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.min(exponent, 64));
  const spread = 1 + policy.jitter * (2 * random() - 1);
  return Math.round(Math.min(policy.maxMs, Math.max(0, base * spread)));
}
