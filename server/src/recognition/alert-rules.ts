/**
 * Alerts from track events: a track identified as an identity tagged `watchlist`, and (when configured) an unknown
 * person on screen for at least `unknownAfterMs` on the listed cameras. One alert per track and kind; stored, then
 * published on the bus (topic `alerts`) for the API's `alerts` subscription.
 *
 * The rules run in the process that makes the track events (the one running the camera: role all or worker) and see
 * only its own events, never those the bus brings from other processes: each alert is raised once in a deployment,
 * however many processes share the bus; API replicas deliver it from the bus and read it from the shared store.
 */
import { randomUUID } from 'node:crypto';
import type { EventBus, Unsubscribe } from '../bus/event-bus.js';
import type { Gallery } from '../gallery/gallery.js';
import type { Alert, AlertStore } from '../store/alert-store.js';
import type { BusTopics, TrackEvent } from './track-event.js';

export const WATCHLIST_TAG = 'watchlist';

export interface AlertRulesDeps {
  /** The track events of the cameras this process runs. */
  trackEvents: (handler: (e: TrackEvent) => void) => Unsubscribe;
  /** Where alerts are published (topic `alerts`). */
  bus: EventBus<BusTopics>;
  gallery: Gallery;
  store: AlertStore;
  options: AlertRuleOptions;
  log?: (line: string) => void;
}

export interface AlertRuleOptions {
  /** Alert when an unknown track has lasted this long (ms); 0 = off. */
  unknownAfterMs: number;
  /** Cameras the unknown-person rule watches; null = all. */
  unknownCameras: string[] | null;
  /**
   * A watchlist identity alerts again on the same camera only after this long (ms): a person who stays in view is
   * seen as several tracks (shot cuts, occlusions), and one alert is what an operator wants. Default 60 s.
   */
  repeatAfterMs?: number;
}

/** Identity tags change rarely: cached a few seconds so a busy wall does not query the gallery per event. */
const TAG_CACHE_MS = 5000;

export class AlertRules {
  private readonly alerted = new Set<string>();
  /** Last watchlist alert per camera and identity (capture time). */
  private readonly lastWatchlist = new Map<string, number>();
  private readonly trackStart = new Map<string, number>();
  private readonly tagCache = new Map<string, { tags: string[]; at: number }>();
  private readonly off: Unsubscribe;
  private chain: Promise<void> = Promise.resolve();
  private readonly options: AlertRuleOptions;

  constructor(private readonly deps: AlertRulesDeps) {
    this.options = deps.options;
    const log = deps.log ?? (() => undefined);
    this.off = deps.trackEvents((e) => {
      // In order, off the publisher's turn: rules may look up tags in the gallery and write to the store.
      this.chain = this.chain.then(() => this.onEvent(e)).catch((err) => log(`alerts: ${(err as Error).message}`));
    });
  }

  /** Resolves when every event received so far has been handled. */
  idle(): Promise<void> {
    return this.chain;
  }

  close(): void {
    this.off();
  }

  private async tagsOf(identityId: string): Promise<string[]> {
    const hit = this.tagCache.get(identityId);
    if (hit && Date.now() - hit.at < TAG_CACHE_MS) return hit.tags;
    const tags = (await this.deps.gallery.getIdentity(identityId))?.tags ?? [];
    this.tagCache.set(identityId, { tags, at: Date.now() });
    return tags;
  }

  private async onEvent(e: TrackEvent): Promise<void> {
    if (e.kind === 'started') this.trackStart.set(e.trackId, e.ts);
    if (e.identity && (e.kind === 'identified' || e.kind === 'started') && (await this.tagsOf(e.identity.id)).includes(WATCHLIST_TAG)) {
      const key = `${e.cameraId}\n${e.identity.id}`;
      const last = this.lastWatchlist.get(key);
      if (last === undefined || e.ts - last >= (this.options.repeatAfterMs ?? 60_000) || this.alerted.has(`watchlist:${e.trackId}`)) {
        if (await this.raise('watchlist', e, { label: e.identity.name, score: e.identity.score, rule: 'identity tagged watchlist' })) this.lastWatchlist.set(key, e.ts);
      }
    }
    const { unknownAfterMs, unknownCameras } = this.options;
    const start = this.trackStart.get(e.trackId);
    if (unknownAfterMs > 0 && !e.identity && start !== undefined && e.ts - start >= unknownAfterMs && (!unknownCameras || unknownCameras.includes(e.cameraId))) {
      await this.raise('unknown', e, { label: e.label, score: e.score, rule: `unknown person for ${Math.round(unknownAfterMs / 1000)} s` });
    }
    if (e.kind === 'ended') {
      this.trackStart.delete(e.trackId);
      this.alerted.delete(`watchlist:${e.trackId}`);
      this.alerted.delete(`unknown:${e.trackId}`);
    }
  }

  /** Returns whether an alert was raised (one per track and kind). Stored first: whoever sees it can acknowledge it. */
  private async raise(kind: Alert['kind'], e: TrackEvent, payload: Omit<Alert['payload'], 'snapshot'>): Promise<boolean> {
    const key = `${kind}:${e.trackId}`;
    if (this.alerted.has(key)) return false;
    this.alerted.add(key);
    const alert: Alert = {
      id: randomUUID(),
      at: e.ts,
      kind,
      cameraId: e.cameraId,
      trackId: e.trackId,
      identityId: e.identity?.id ?? null,
      payload: { ...payload, ...(e.snapshot ? { snapshot: e.snapshot } : {}) },
      acknowledgedAt: null,
      acknowledgedBy: null,
    };
    await this.deps.store.put(alert);
    this.deps.bus.publish('alerts', alert);
    return true;
  }
}
