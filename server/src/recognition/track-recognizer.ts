/**
 * Per-camera recognition: detections of each frame → SORT tracks → per-track embeddings (only when the embed policy
 * asks) → gallery decisions by quality-weighted vote → track events, best-face snapshots and sightings.
 *
 * `process` is synchronous and never waits for recognition: embeddings and gallery searches of a track run in the
 * background, one after another per track (so its votes land in order), batched across tracks and cameras by the
 * caller's embed port. A track's `ended` event waits for its outstanding recognition, so the last decision is final.
 */
import type { Face, FaceQuality, Point, RgbImage } from '../engine/types.js';
import { templateQuality } from '../gallery/enrollment-policy.js';
import type { Sighting } from '../store/sighting-store.js';
import type { SnapshotPaths } from '../store/snapshot-store.js';
import { iou } from '../tracking/assignment.js';
import { SortTracker, isTrackableBox, type SortTrackerOptions, type Track } from '../tracking/sort-tracker.js';
import { DEFAULT_EMBED_POLICY, embedDecision, newEmbedHistory, type EmbedHistory, type EmbedPolicyOptions } from './embed-policy.js';
import { DEFAULT_VOTE_OPTIONS, IdentityVote, type VoteObservation, type VoteOptions } from './identity-vote.js';
import type { TrackEvent, TrackEventKind } from './track-event.js';

/** What the tracker carries for each detection. */
export interface FaceObservation {
  landmarks: Point[];
  faceQuality: FaceQuality;
  /** templateQuality of the face, 0..1. */
  quality: number;
  crop?: Uint8Array;
}

export interface CameraFrame {
  seq: number;
  /** Capture time, ms since epoch. */
  ts: number;
  image: RgbImage;
}

export interface RecognitionPorts {
  embed(crop: Uint8Array): Promise<Float32Array>;
  /** Open-set decision for one embedding. */
  identify(embedding: Float32Array): Promise<Pick<VoteObservation, 'match' | 'bestScore'>>;
  publish(event: TrackEvent): void;
  writeSnapshot?(trackId: string, ts: number, crop: Uint8Array, frame: RgbImage, box: Track['box']): Promise<SnapshotPaths>;
  /** Writes of one track are awaited in order (a later write never lands before an earlier one). */
  saveSighting?(s: Sighting): Promise<void> | void;
  /**
   * A stable anonymous label for a new track ("Unknown 12"), or the promise of one: the track then starts with
   * "Unknown" and its later events, and its sighting, carry the label.
   */
  strangerLabel(): string | Promise<string>;
  /** Background failures (an embedding or a search that failed): logged by the caller; the track goes on. */
  onError?(what: string, err: unknown): void;
}

export interface TrackRecognizerOptions {
  tracker?: SortTrackerOptions;
  embedPolicy?: EmbedPolicyOptions;
  vote?: VoteOptions;
  /** Box updates of one track are coalesced to at most one `updated` event per this many ms (capture time). */
  updateIntervalMs?: number;
  /** Write a new best-face snapshot when quality beats the last by this factor, at most once per `snapshotIntervalMs`. */
  snapshotImproveRatio?: number;
  snapshotIntervalMs?: number;
  /** Prefix of track ids, unique per camera run. */
  trackIdPrefix: string;
}

/** A face a track embedded: what enroll-from-track turns into templates. */
export interface TrackFace {
  embedding: Float32Array;
  faceQuality: FaceQuality;
  quality: number;
  crop: Uint8Array;
}

/** A track as the API shows it. */
export interface TrackView {
  trackId: string;
  cameraId: string;
  state: 'confirmed' | 'lost' | 'ended';
  startedAt: number;
  lastSeenAt: number;
  frame: number;
  box: Track['box'];
  landmarks: Point[];
  identity: TrackEvent['identity'];
  score: number | null;
  label: string;
  quality: number;
  frames: number;
  embeddings: number;
  snapshot?: SnapshotPaths;
}

/** Boxes overlapping at least this much belong to crossing tracks. */
const CROSSING_IOU = 0.05;
/** Re-checks per track at most (they come on top of the embed budget). */
const MAX_RECHECKS = 6;
/** Below this face quality an "unknown" re-check does not overrule the vote. */
const RECHECK_MIN_QUALITY = 0.35;
/** An "unknown" re-check overrules a name only when the face is this unlike everyone enrolled (cosine). */
const UNKNOWN_OVERRULE_SCORE = 0.2;

/** Faces less inside the frame than this (by area) are not embedded. */
const MIN_INSIDE = 0.8;
/** A re-check may overrule the vote: only on a face (almost) wholly in the frame. */
const MIN_INSIDE_RECHECK = 0.97;

function insideFraction([x1, y1, x2, y2]: Track['box'], img: { width: number; height: number }): number {
  const area = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  if (area === 0) return 0;
  const w = Math.max(0, Math.min(img.width, x2) - Math.max(0, x1));
  const h = Math.max(0, Math.min(img.height, y2) - Math.max(0, y1));
  return (w * h) / area;
}

/** Ended tracks whose faces stay available for enroll-from-track. */
const ENDED_FACES_KEPT = 200;

interface Session {
  id: string;
  startedAt: number;
  lastSeenAt: number;
  frame: number;
  box: Track['box'];
  landmarks: Point[];
  frames: number;
  state: 'confirmed' | 'lost' | 'ended';
  history: EmbedHistory;
  vote: IdentityVote;
  label: string;
  bestQuality: number;
  bestEmbedding: Float32Array | null;
  bestEmbeddingQuality: number;
  faces: TrackFace[];
  lastUpdateTs: number;
  snapshot?: SnapshotPaths;
  snapshotQuality: number;
  lastSnapshotTs: number;
  /** Recognition work of this track, in order. */
  chain: Promise<void>;
  /** The track may now follow another face: embed the next usable face and let it overrule the vote. */
  recheck: boolean;
  /** Its box overlapped another track's box on the last frame (a crossing in progress). */
  overlapping: boolean;
  /** Re-checks spent (bounded, beyond the embed budget). */
  rechecks: number;
}

export class TrackRecognizer {
  private readonly tracker: SortTracker<FaceObservation>;
  private readonly sessions = new Map<number, Session>();
  private readonly embedPolicy: EmbedPolicyOptions;
  private readonly updateIntervalMs: number;
  private readonly snapshotImproveRatio: number;
  private readonly snapshotIntervalMs: number;
  private readonly outstanding = new Set<Promise<void>>();
  /** Embedded faces of recently ended tracks, oldest first (enroll-from-track after the person left). */
  private readonly endedFaces = new Map<string, TrackFace[]>();
  /** Counters for metrics. */
  readonly stats = { frames: 0, detections: 0, tracksStarted: 0, tracksEnded: 0, embeddings: 0, identifications: 0, events: 0, rechecksOverruled: 0 };

  constructor(
    readonly cameraId: string,
    private readonly ports: RecognitionPorts,
    private readonly options: TrackRecognizerOptions,
  ) {
    this.tracker = new SortTracker<FaceObservation>(options.tracker);
    this.embedPolicy = options.embedPolicy ?? DEFAULT_EMBED_POLICY;
    this.updateIntervalMs = options.updateIntervalMs ?? 100;
    this.snapshotImproveRatio = options.snapshotImproveRatio ?? 1.1;
    this.snapshotIntervalMs = options.snapshotIntervalMs ?? 1000;
  }

  /** One detected frame. `dt` is the number of nominal frame intervals since the previous processed frame. */
  process(frame: CameraFrame, faces: Face[], dt = 1): void {
    this.stats.frames++;
    const detections = faces
      .filter((f) => isTrackableBox(f.box))
      .map((f) => {
        const faceQuality = f.quality!;
        return { box: f.box, score: f.score, payload: { landmarks: f.landmarks, faceQuality, quality: templateQuality(faceQuality), crop: f.crop } };
      });
    this.stats.detections += detections.length;
    const update = this.tracker.update(detections, dt);
    for (const id of update.confirmed) this.start(update.tracks.find((t) => t.id === id)!, frame);
    for (const id of update.recovered) {
      const s = this.sessions.get(id);
      if (s) s.recheck = true;
    }
    this.markCrossings(update.tracks);
    for (const t of update.tracks) {
      const s = this.sessions.get(t.id);
      if (!s) continue;
      if (t.state === 'lost') {
        s.state = 'lost';
        continue;
      }
      if (t.state !== 'confirmed' || !t.matched) continue;
      s.state = 'confirmed';
      const justStarted = update.confirmed.includes(t.id);
      this.observe(s, t, frame, justStarted);
      if (justStarted) this.emit('started', s);
    }
    for (const t of update.ended) if (t.wasConfirmed) this.end(t.id);
  }

  /** End every live track now (a shot cut: nothing on screen continues); their recognition finishes in the background. */
  cut(): void {
    for (const t of this.tracker.flush()) if (t.wasConfirmed) this.end(t.id);
  }

  /** End every live track (end of stream, camera removed) and wait for all recognition work. */
  async finish(): Promise<void> {
    this.cut();
    await this.idle();
  }

  /** Resolves when no recognition work is outstanding. */
  async idle(): Promise<void> {
    while (this.outstanding.size) await Promise.all([...this.outstanding]);
  }

  tracks(): TrackView[] {
    return [...this.sessions.values()].map((s) => this.view(s));
  }

  /** The faces a live track embedded, best first (enroll-from-track). */
  trackFaces(trackId: string): TrackFace[] | undefined {
    let faces = this.endedFaces.get(trackId);
    for (const s of this.sessions.values()) if (s.id === trackId) faces = s.faces;
    return faces && [...faces].sort((a, b) => b.quality - a.quality);
  }

  private start(t: Track<FaceObservation>, frame: CameraFrame): void {
    const label = this.ports.strangerLabel();
    const s: Session = {
      id: `${this.options.trackIdPrefix}${t.id}`,
      startedAt: frame.ts,
      lastSeenAt: frame.ts,
      frame: frame.seq,
      box: t.box,
      landmarks: t.last.payload.landmarks,
      frames: 0,
      state: 'confirmed',
      history: newEmbedHistory(),
      vote: new IdentityVote(this.options.vote ?? DEFAULT_VOTE_OPTIONS),
      label: typeof label === 'string' ? label : 'Unknown',
      bestQuality: 0,
      bestEmbedding: null,
      bestEmbeddingQuality: -1,
      faces: [],
      lastUpdateTs: frame.ts,
      snapshotQuality: 0,
      lastSnapshotTs: -Infinity,
      chain: Promise.resolve(),
      recheck: false,
      overlapping: false,
      rechecks: 0,
    };
    this.sessions.set(t.id, s);
    this.stats.tracksStarted++;
    // On the track's chain: its recognition, and so its sightings, come after the label.
    if (typeof label !== 'string') this.enqueue(s, `label of track ${s.id}`, async () => void (s.label = await label));
  }

  private observe(s: Session, t: Track<FaceObservation>, frame: CameraFrame, justStarted: boolean): void {
    const obs = t.last.payload;
    s.frames++;
    s.frame = frame.seq;
    s.lastSeenAt = frame.ts;
    s.box = t.last.box; // the detector's box for this frame: what the client draws on this frame
    s.landmarks = obs.landmarks;
    s.bestQuality = Math.max(s.bestQuality, obs.quality);
    // A face cut by the frame edge aligns onto black borders: its embedding says little about who it is.
    const inside = obs.crop ? insideFraction(t.last.box, frame.image) : 0;
    if (obs.crop && inside >= MIN_INSIDE) {
      // The snapshot first: it is on the same chain as recognition, so an `identified` event (and the alert it may
      // raise) already carries the face.
      if (this.ports.writeSnapshot && obs.quality > s.snapshotQuality * this.snapshotImproveRatio && frame.ts - s.lastSnapshotTs >= this.snapshotIntervalMs) {
        s.snapshotQuality = obs.quality;
        s.lastSnapshotTs = frame.ts;
        this.snapshot(s, obs.crop, frame, t.last.box);
      }
      if (s.recheck && inside >= MIN_INSIDE_RECHECK && !s.overlapping && s.rechecks < MAX_RECHECKS && obs.faceQuality.faceWidth >= this.embedPolicy.minFaceWidth) {
        s.recheck = false;
        s.rechecks++;
        this.recognize(s, obs, true);
      } else {
        const reason = embedDecision(s.history, obs.quality, obs.faceQuality.faceWidth, s.vote.decision !== null, this.embedPolicy);
        if (reason) this.recognize(s, obs);
      }
    }
    if (!justStarted && frame.ts - s.lastUpdateTs >= this.updateIntervalMs) {
      s.lastUpdateTs = frame.ts;
      this.emit('updated', s);
    }
  }

  /** Queue work on a track's chain; failures are reported and do not break the chain. */
  private enqueue(s: Session, what: string, work: () => Promise<void>): void {
    const p = s.chain.then(work).catch((err) => this.ports.onError?.(what, err));
    s.chain = p;
    this.outstanding.add(p);
    void p.finally(() => this.outstanding.delete(p));
  }

  /**
   * Tracks whose boxes overlap are crossing: SORT may swap them. Each is re-checked once it is clear of the others.
   */
  private markCrossings(tracks: Track<FaceObservation>[]): void {
    const live = tracks.filter((t) => t.matched && this.sessions.has(t.id));
    for (const t of live) {
      const s = this.sessions.get(t.id)!;
      const now = live.some((o) => o !== t && iou(o.box, t.box) >= CROSSING_IOU);
      if (s.overlapping && !now) s.recheck = true;
      s.overlapping = now;
    }
  }

  private recognize(s: Session, obs: FaceObservation, recheck = false): void {
    const crop = obs.crop!;
    this.enqueue(s, `recognition of track ${s.id}`, async () => {
      const embedding = await this.ports.embed(crop);
      this.stats.embeddings++;
      const { match, bestScore } = await this.ports.identify(embedding);
      let overrule = recheck && (s.vote.decision?.id ?? null) !== (match?.id ?? null);
      if (overrule && !match && (obs.quality < RECHECK_MIN_QUALITY || (bestScore ?? -1) >= UNKNOWN_OVERRULE_SCORE)) {
        // "Unknown" from a poor face (half hidden, blurred), or one still somewhat like the gallery (the same person at a
        // bad angle scores there), is no evidence of another person: try the next face.
        overrule = false;
        recheck = false;
        s.recheck = true;
      }
      if (overrule) {
        // Another face now, as far as the gallery can tell: what was collected belongs to the previous one, and the
        // new face gets the embedding budget of a new track.
        s.faces = [];
        s.bestEmbedding = null;
        s.bestEmbeddingQuality = -1;
        s.history = newEmbedHistory();
        s.history.embeds = 1;
        s.history.bestEmbeddedQuality = obs.quality;
        this.stats.rechecksOverruled++;
      }
      s.faces.push({ embedding, faceQuality: obs.faceQuality, quality: obs.quality, crop });
      if (obs.quality > s.bestEmbeddingQuality) {
        s.bestEmbedding = embedding;
        s.bestEmbeddingQuality = obs.quality;
      }
      const vote = { match, bestScore, quality: obs.quality };
      const changed = overrule ? s.vote.recheck(vote) : s.vote.add(vote);
      if (changed) {
        this.stats.identifications++;
        if (s.state !== 'ended') this.emit('identified', s);
        await this.saveSighting(s);
      }
    });
  }

  private snapshot(s: Session, crop: Uint8Array, frame: CameraFrame, box: Track['box']): void {
    this.enqueue(s, `snapshot of track ${s.id}`, async () => {
      s.snapshot = await this.ports.writeSnapshot!(s.id, frame.ts, crop, frame.image, box);
    });
  }

  private end(trackerId: number): void {
    const s = this.sessions.get(trackerId);
    if (!s) return;
    this.enqueue(s, `end of track ${s.id}`, async () => {
      s.state = 'ended';
      this.sessions.delete(trackerId);
      this.stats.tracksEnded++;
      if (s.faces.length) {
        this.endedFaces.set(s.id, s.faces);
        if (this.endedFaces.size > ENDED_FACES_KEPT) this.endedFaces.delete(this.endedFaces.keys().next().value!);
      }
      this.emit('ended', s);
      await this.saveSighting(s);
    });
  }

  private async saveSighting(s: Session): Promise<void> {
    const d = s.vote.decision;
    await this.ports.saveSighting?.({
      id: s.id,
      cameraId: this.cameraId,
      trackId: s.id,
      startedAt: s.startedAt,
      endedAt: s.lastSeenAt,
      identityId: d?.id ?? null,
      identityName: d?.name ?? null,
      label: d?.name ?? s.label,
      score: s.vote.score,
      quality: s.bestQuality,
      frames: s.frames,
      faceSnapshot: s.snapshot?.face ?? null,
      contextSnapshot: s.snapshot?.context ?? null,
      embedding: s.bestEmbedding,
      ended: s.state === 'ended',
    });
  }

  private view(s: Session): TrackView {
    const d = s.vote.decision;
    return {
      trackId: s.id,
      cameraId: this.cameraId,
      state: s.state,
      startedAt: s.startedAt,
      lastSeenAt: s.lastSeenAt,
      frame: s.frame,
      box: s.box,
      landmarks: s.landmarks,
      identity: d,
      score: s.vote.score,
      label: d?.name ?? s.label,
      quality: s.bestQuality,
      frames: s.frames,
      embeddings: s.history.embeds,
      snapshot: s.snapshot,
    };
  }

  private emit(kind: TrackEventKind, s: Session): void {
    const v = this.view(s);
    this.stats.events++;
    this.ports.publish({
      kind,
      cameraId: this.cameraId,
      trackId: s.id,
      frame: v.frame,
      ts: s.lastSeenAt,
      box: v.box,
      landmarks: v.landmarks,
      identity: v.identity,
      score: v.score,
      label: v.label,
      quality: v.quality,
      ...(v.snapshot ? { snapshot: v.snapshot } : {}),
    });
  }
}
