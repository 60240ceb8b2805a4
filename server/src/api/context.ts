/**
 * What every resolver gets: the caller (a Principal from its token, or null), the services, and the checks that
 * every operation goes through — role and camera scope (`require`), rate limits, image decoding with size limits,
 * the audit trail, and bounded per-subscriber event streams for subscriptions.
 */
import type { Core, Live } from '../main.js';
import type { BusTopics } from '../recognition/track-event.js';
import type { AlertStore } from '../store/alert-store.js';
import type { AuditLog } from '../store/audit-log.js';
import type { TokenStore } from '../store/token-store.js';
import type { WallStore } from '../store/wall-store.js';
import { authorize, assertInScope, inScope, scopeFilter, type Action, type PolicyOptions, type Principal } from './auth/policy.js';
import type { DeliveryTurns } from './delivery-turns.js';
import { apiError } from './errors.js';
import { decodeImageArgs, type ImageLimits } from './image-input.js';
import type { MediaSigner, MediaUrls } from './media-urls.js';
import type { Metrics } from './metrics.js';
import type { RateLimiter } from './rate-limit.js';
import { createEventStream, SLOW_SUBSCRIBER_CLOSE_CODE } from './subscription-stream.js';
import type { Presence } from './wall-presence.js';

export interface ApiConfig {
  policy: PolicyOptions;
  images: ImageLimits;
  /** Events queued per subscription before a subscriber that does not keep up is dropped. */
  subscriptionCapacity: number;
  maxSubscriptionsPerSocket: number;
}

export interface ApiServices {
  core: Core;
  live: Live;
  tokens: TokenStore;
  audit: AuditLog;
  alerts: AlertStore;
  wall: WallStore;
  presence: Presence;
  signer: MediaSigner;
  rateLimiter: RateLimiter;
  metrics: Metrics;
  /** Wakes subscribers a chunk per event-loop turn, so that the pipeline's own steps get their turns in between. */
  delivery: DeliveryTurns;
  config: ApiConfig;
  /** "This is not X" from a live track's best face, or from a stored sighting's embedding. */
  rejectMatch(trackOrSightingId: string, identityId: string): Promise<void>;
  /** Close every open WebSocket authenticated with this token; returns how many. */
  closeSockets(tokenId: string, code: number, reason: string): number;
  log(line: string): void;
}

/** The WebSocket behind a subscription (absent for HTTP requests). */
export interface SocketHandle {
  close(code: number, reason: string): void;
}

export interface SubscribeOptions<T> {
  /** The subscription completes after delivering the first event this accepts. */
  until?: (event: T) => boolean;
}

export interface ApiContext {
  principal: Principal | null;
  services: ApiServices;
  /** Signed media URLs for this caller. */
  media: MediaUrls;
  socket?: SocketHandle;
  /** Role check, plus the camera scope when the operation concerns one camera; returns the caller. */
  require(action: Action, cameraId?: string): Principal;
  inScope(cameraId: string): boolean;
  /** A requested camera list intersected with the caller's scope (null = all cameras). */
  cameraFilter(requested: string[] | null): string[] | null;
  /** Run an operation and record it in the audit log with its outcome. */
  audited<T>(action: string, target: string | undefined, details: unknown, run: () => Promise<T>): Promise<T>;
  /** Spend from the caller's rate budget for an action; RATE_LIMITED when empty. */
  limit(action: 'search' | 'enroll', cost?: number): void;
  decodeImages(images: string[], argument: string): Uint8Array[];
  subscribe<K extends keyof BusTopics & string>(topic: K, accept: (event: BusTopics[K]) => boolean, options?: SubscribeOptions<BusTopics[K]>): AsyncIterable<BusTopics[K]>;
}

/** Box updates of one track may replace each other in a subscriber's queue; lifecycle events never do. */
function coalesceKey(topic: string, event: unknown): string | undefined {
  if (topic !== 'trackEvents') return undefined;
  const e = event as BusTopics['trackEvents'];
  return e.kind === 'updated' ? e.trackId : undefined;
}

export function createContext(services: ApiServices, principal: Principal | null, socket?: SocketHandle): ApiContext {
  const noMedia: MediaUrls = { cameraStream: () => '', cameraFrame: () => '', snapshot: () => '' };
  const ctx: ApiContext = {
    principal,
    services,
    socket,
    media: principal ? services.signer.urlsFor(principal.tokenId) : noMedia,
    require(action, cameraId) {
      const p = authorize(principal, action, services.config.policy);
      if (cameraId !== undefined) assertInScope(p, cameraId);
      return p;
    },
    inScope: (cameraId) => principal !== null && inScope(principal, cameraId),
    cameraFilter: (requested) => (principal ? scopeFilter(principal, requested) : []),
    async audited(action, target, details, run) {
      try {
        const result = await run();
        await services.audit.append({ actor: principal, action, target, details, outcome: 'ok' });
        return result;
      } catch (err) {
        await services.audit.append({ actor: principal, action, target, details: { ...(details as object), error: (err as Error).message }, outcome: 'error' });
        throw err;
      }
    },
    limit(action, cost = 1) {
      if (!principal) return;
      const d = services.rateLimiter.take({ tokenId: principal.tokenId, action }, cost);
      if (!d.ok) {
        const wait = Number.isFinite(d.retryAfterMs) ? `retry in ${Math.ceil(d.retryAfterMs / 1000)} s` : 'this request is larger than the limit allows at once';
        throw apiError('RATE_LIMITED', `rate limit for ${action} reached: ${wait}`, Number.isFinite(d.retryAfterMs) ? { retryAfterMs: d.retryAfterMs } : {});
      }
    },
    decodeImages: (images, argument) => decodeImageArgs(images, argument, services.config.images),
    subscribe(topic, accept, options = {}) {
      const kind = topic;
      let off = () => {};
      const stream = createEventStream<BusTopics[typeof topic]>({
        capacity: services.config.subscriptionCapacity,
        coalesceKey: (e) => coalesceKey(topic, e),
        droppable: (e) => coalesceKey(topic, e) !== undefined,
        counters: services.metrics.streamCounters(kind),
        wake: services.delivery.schedule,
        onOverflow: (o) => socket?.close(SLOW_SUBSCRIBER_CLOSE_CODE, o.message.slice(0, 120)),
        onClose: () => {
          off();
          services.metrics.subscriptionClosed(kind);
        },
      });
      services.metrics.subscriptionOpened(kind);
      off = services.live.bus.subscribe(topic, (event) => {
        if (!accept(event)) return;
        stream.push(event);
        if (options.until?.(event)) stream.end();
      });
      return stream.iterator;
    },
  };
  return ctx;
}
