/**
 * The live tracks of an API replica (`serve --role api`), rebuilt from the bus: every camera's track events arrive
 * here from the worker that runs it. What the events do not carry is approximated and documented
 * (docs/scale-out.md): a track is `lost` after `lostAfterMs` without an event (a visible face is updated every
 * updateIntervalMs), `frames` counts the events received, `embeddings` is 0. A track is forgotten when it ends, when its
 * camera (re)starts or stops, or after `forgetAfterMs` without an event (its worker died: no `ended` comes).
 *
 * Enroll-from-track and "this is not X" on a live track need the track's face embeddings, which only the worker
 * holds: on a live track they fail with UNAVAILABLE (extensions.reason WORKER_ONLY); on an unknown id they fail as
 * LiveRecognition does, so that "this is not X" falls back to the stored sighting.
 */
import type { EventBus } from '../bus/event-bus.js';
import { GalleryError } from '../gallery/gallery.js';
import type { RecognitionView } from '../recognition/recognition-view.js';
import type { BusTopics, TrackEvent } from '../recognition/track-event.js';
import type { TrackView } from '../recognition/track-recognizer.js';
import { apiError } from './errors.js';

export interface BusTracksOptions {
  bus: EventBus<BusTopics>;
  /** Default 2000 ms. */
  lostAfterMs?: number;
  /** Default 30 s (the tracker's default max age at 1 detection per second). */
  forgetAfterMs?: number;
  now?: () => number;
}

interface Entry {
  view: TrackView;
  /** When the last event arrived, by this process' clock (event times are the worker's). */
  receivedAt: number;
}

export class BusTracks implements RecognitionView {
  readonly timingObservers: RecognitionView['timingObservers'] = new Set();
  private readonly live = new Map<string, Entry>();
  private readonly offs: (() => void)[];
  private readonly lostAfterMs: number;
  private readonly forgetAfterMs: number;
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(o: BusTracksOptions) {
    this.lostAfterMs = o.lostAfterMs ?? 2000;
    this.forgetAfterMs = o.forgetAfterMs ?? 30_000;
    this.now = o.now ?? Date.now;
    this.offs = [
      o.bus.subscribe('trackEvents', (e) => this.apply(e)),
      o.bus.subscribe('cameraStatus', ({ cameraId, health }) => {
        // A restart (another worker, a reconnect) or a stop: nothing on screen before continues.
        if (health.state !== 'live') this.forgetCamera(cameraId);
      }),
    ];
    this.sweeper = setInterval(() => this.sweep(), Math.max(1000, this.forgetAfterMs / 4));
    this.sweeper.unref();
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const off of this.offs.splice(0)) off();
    this.live.clear();
  }

  tracks(cameraId?: string): TrackView[] {
    this.sweep();
    const now = this.now();
    return [...this.live.values()]
      .filter((e) => cameraId === undefined || e.view.cameraId === cameraId)
      .map((e) => ({ ...e.view, state: now - e.receivedAt > this.lostAfterMs ? 'lost' : 'confirmed' }));
  }

  /** No frames are processed here. */
  processedFrames(): number | undefined {
    return undefined;
  }

  async enrollFromTrack(trackId: string): ReturnType<RecognitionView['enrollFromTrack']> {
    throw this.workerOnly(trackId, 'enroll from a live track');
  }

  async rejectTrackMatch(trackId: string): Promise<string> {
    throw this.workerOnly(trackId, '"this is not X" on a live track');
  }

  private workerOnly(trackId: string, what: string): Error {
    const entry = this.live.get(trackId);
    if (!entry) return new GalleryError('NOT_FOUND', `no recent track ${trackId} with embedded faces`);
    return apiError(
      'UNAVAILABLE',
      `${what} needs the track's faces, which only the worker running camera ${entry.view.cameraId} holds; this API replica (--role api) cannot do it. Use the stored sighting once the track has ended, or a server with --role all.`,
      { reason: 'WORKER_ONLY' },
    );
  }

  private apply(e: TrackEvent): void {
    if (e.kind === 'ended') {
      this.live.delete(e.trackId);
      return;
    }
    const previous = this.live.get(e.trackId)?.view;
    const view: TrackView = {
      trackId: e.trackId,
      cameraId: e.cameraId,
      state: 'confirmed',
      startedAt: previous?.startedAt ?? e.ts,
      lastSeenAt: e.ts,
      frame: e.frame,
      box: e.box,
      landmarks: e.landmarks,
      identity: e.identity,
      score: e.score,
      label: e.label,
      quality: e.quality,
      frames: (previous?.frames ?? 0) + 1,
      embeddings: 0,
      ...(e.snapshot ? { snapshot: e.snapshot } : {}),
    };
    this.live.set(e.trackId, { view, receivedAt: this.now() });
  }

  private forgetCamera(cameraId: string): void {
    for (const [id, e] of this.live) if (e.view.cameraId === cameraId) this.live.delete(id);
  }

  private sweep(): void {
    const oldest = this.now() - this.forgetAfterMs;
    for (const [id, e] of this.live) if (e.receivedAt < oldest) this.live.delete(id);
  }
}
