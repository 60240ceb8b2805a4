/**
 * Live recognition across cameras: one CameraPipeline + TrackRecognizer per camera over shared ports (the inference
 * pool with cross-camera embedding batches, the gallery decision, snapshots, sightings, the event bus), plus the
 * track-level services: the active tracks, enroll-from-track and "this is not X" on a track.
 */
import type { EventBus, Unsubscribe } from '../bus/event-bus.js';
import type { Face } from '../engine/types.js';
import type { InferencePool } from '../engine/worker-pool.js';
import type { EnrollTarget, EnrollImageResult, EnrollmentService } from '../gallery/enrollment-service.js';
import { GalleryError, type Gallery, type Identity, type Template } from '../gallery/gallery.js';
import type { SightingStore } from '../store/sighting-store.js';
import type { SnapshotStore } from '../store/snapshot-store.js';
import { randomUUID } from 'node:crypto';
import { CameraPipeline } from './camera-pipeline.js';
import { EmbedBatcher } from './embed-batcher.js';
import { countFromOne, StrangerLabels } from './stranger-labels.js';
import type { BusTopics, TrackEvent } from './track-event.js';
import { TrackRecognizer, type TrackFace, type TrackRecognizerOptions, type TrackView } from './track-recognizer.js';

export interface LiveRecognitionDeps {
  pool: InferencePool;
  gallery: Gallery;
  enrollment: EnrollmentService;
  bus: EventBus<BusTopics>;
  sightings?: SightingStore;
  snapshots?: SnapshotStore;
  /** Recognizer batch bound (BOOSTFACE_MAX_BATCH). */
  maxBatch: number;
  detSize: number;
  recognizer?: Omit<TrackRecognizerOptions, 'trackIdPrefix'>;
  /** Shot-cut threshold of every camera pipeline (see camera-pipeline.ts). */
  cutThreshold?: number;
  log?: (message: string) => void;
}

export interface StartCameraOptions {
  /** Nominal frame interval of the source (ms): 1000 / fps. */
  frameIntervalMs: number;
}

const CROP_SIZE = 112;
const TRACK_ENROLLMENT_GATES = { minInterOcular: 0, minBlur: 5, maxAbsYaw: 1, maxAbsPitch: 1, minDetScore: 0.5 };

export class LiveRecognition {
  private readonly batcher: EmbedBatcher;
  private readonly pipelines = new Map<string, CameraPipeline>();
  private readonly strangers: StrangerLabels;
  private readonly trackEventHandlers = new Set<(e: TrackEvent) => void>();
  private readonly runId = Date.now().toString(36);
  /** Stage timings for metrics: detection per frame (with its camera), embedding per batch. */
  readonly timingObservers = new Set<(t: { stage: 'detect' | 'embed'; ms: number; cameraId?: string; size?: number }) => void>();

  constructor(private readonly deps: LiveRecognitionDeps) {
    this.batcher = new EmbedBatcher(async (crops) => (await deps.pool.embed(crops)).embeddings, deps.maxBatch, (ms, size) => {
      for (const o of this.timingObservers) o({ stage: 'embed', ms, size });
    });
    const log = deps.log ?? ((m: string) => console.error(m));
    this.strangers = new StrangerLabels(
      deps.sightings ? (count) => deps.sightings!.reserveStrangerNumbers(count) : countFromOne(),
      (err) => log(`recognition: reserving stranger numbers failed: ${(err as Error).message}`),
    );
  }

  /** The track events of the cameras running here (not those the bus brings from other processes). */
  onTrackEvent(handler: (e: TrackEvent) => void): Unsubscribe {
    this.trackEventHandlers.add(handler);
    return () => void this.trackEventHandlers.delete(handler);
  }

  get embedStats() {
    return this.batcher.stats;
  }

  /** The pipeline of a camera (created on first use); frames go to its `handle`. */
  camera(cameraId: string, options: StartCameraOptions): CameraPipeline {
    let p = this.pipelines.get(cameraId);
    if (p) return p;
    const d = this.deps;
    const log = d.log ?? ((m: string) => console.error(m));
    // Sightings this camera's last run left live (its process stopped without ending them) are ended before this run
    // writes any: a process starting a camera is the only one writing its sightings.
    const sightings = d.sightings;
    const closed = sightings?.closeDangling(cameraId).catch((err) => log(`recognition: closing the dangling sightings of camera ${cameraId} failed: ${(err as Error).message}`));
    const recognizer = new TrackRecognizer(
      cameraId,
      {
        embed: (crop) => this.batcher.request(crop),
        identify: async (embedding) => {
          const r = await d.enrollment.identifyVector(embedding, 1);
          const m = r.match;
          return { match: m && { id: m.identityId, name: m.name, score: m.score }, bestScore: r.candidates[0]?.score ?? null };
        },
        publish: (e) => {
          d.bus.publish('trackEvents', e);
          for (const handler of this.trackEventHandlers) handler(e);
        },
        writeSnapshot: d.snapshots && ((trackId, ts, crop, frame, box) => d.snapshots!.write(cameraId, trackId, ts, crop, CROP_SIZE, frame, box)),
        saveSighting:
          sightings &&
          (async (s) => {
            await closed;
            await sightings.put(s);
          }),
        strangerLabel: () => this.strangers.next(),
        onError: (what, err) => log(`recognition: ${what} failed: ${(err as Error).message}`),
      },
      { ...d.recognizer, trackIdPrefix: `${cameraId}-${this.runId}-` },
    );
    p = new CameraPipeline(cameraId, d.pool, recognizer, {
      detSize: d.detSize,
      frameIntervalMs: options.frameIntervalMs,
      cutThreshold: d.cutThreshold,
      onDetect: (ms) => {
        for (const o of this.timingObservers) o({ stage: 'detect', ms, cameraId });
      },
    });
    this.pipelines.set(cameraId, p);
    return p;
  }

  /** End a camera's live tracks now (its stream broke off: nothing seen so far continues after a reconnect). */
  endTracks(cameraId: string): void {
    this.pipelines.get(cameraId)?.recognizer.cut();
  }

  /** End a camera's tracks (their `ended` events and sightings) and forget its pipeline. */
  async stopCamera(cameraId: string): Promise<void> {
    const p = this.pipelines.get(cameraId);
    if (!p) return;
    this.pipelines.delete(cameraId);
    await p.recognizer.finish();
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.pipelines.keys()].map((id) => this.stopCamera(id)));
  }

  /** Resolves when no recognition work (embeddings, searches, snapshots) is outstanding on any camera. */
  async idle(): Promise<void> {
    await Promise.all([...this.pipelines.values()].map((p) => p.recognizer.idle()));
  }

  /** Frames a camera's pipeline has processed (undefined when it has none running). */
  processedFrames(cameraId: string): number | undefined {
    return this.pipelines.get(cameraId)?.stats.frames;
  }

  /** Live tracks, of one camera or all. */
  tracks(cameraId?: string): TrackView[] {
    const list = cameraId ? [this.pipelines.get(cameraId)].filter((p) => p !== undefined) : [...this.pipelines.values()];
    return list.flatMap((p) => p.recognizer.tracks());
  }

  private facesOfTrack(trackId: string): TrackFace[] {
    for (const p of this.pipelines.values()) {
      const faces = p.recognizer.trackFaces(trackId);
      if (faces) return faces;
    }
    throw new GalleryError('NOT_FOUND', `no recent track ${trackId} with embedded faces (tracks are kept a while after they end)`);
  }

  /**
   * Turn a track's best faces (up to `maxFaces`) into templates of a new or existing identity. An operator chose this
   * track, and video faces are smaller, softer and more often turned than enrollment photos: the photo gates on eye
   * distance, sharpness and pose are relaxed (faces were already at least minFaceWidth wide to be embedded); the
   * detection-score, duplicate and collision checks stay.
   */
  async enrollFromTrack(trackId: string, target: EnrollTarget, maxFaces = 5): Promise<{ identity: Identity | null; results: EnrollImageResult[] }> {
    const faces = this.facesOfTrack(trackId).slice(0, maxFaces);
    return this.deps.enrollment.enrollFaces(
      target,
      faces.map((f, i) => ({ name: `${trackId}#${i + 1}`, face: { box: [0, 0, 0, 0], score: f.faceQuality.detScore, landmarks: [], quality: f.faceQuality, embedding: f.embedding } satisfies Face })),
      TRACK_ENROLLMENT_GATES,
    );
  }

  /** "This is not X" on a track: its best face becomes a negative example of X. Returns the template id. */
  async rejectTrackMatch(trackId: string, identityId: string): Promise<string> {
    const [best] = this.facesOfTrack(trackId);
    if (!(await this.deps.gallery.getIdentity(identityId))) throw new GalleryError('NOT_FOUND', `no identity ${identityId}`);
    const template: Template = { id: randomUUID(), identityId, embedding: best.embedding, kind: 'negative', quality: best.quality, source: `track:${trackId}`, createdAt: Date.now() };
    await this.deps.gallery.upsertTemplates([template]);
    return template.id;
  }
}
