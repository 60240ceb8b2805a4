/** Domain objects → GraphQL objects. Media paths become signed URLs here, for the caller that asked. */
import { redactUrlCredentials, type CameraConfig } from '../../cameras/camera-config.js';
import type { SchedulerStats } from '../../cameras/frame-scheduler.js';
import type { SourceHealth } from '../../cameras/source-health.js';
import type { Identity as GalleryIdentity } from '../../gallery/gallery.js';
import type { TrackEvent as DomainEvent } from '../../recognition/track-event.js';
import type { TrackView } from '../../recognition/track-recognizer.js';
import type { Sighting as DomainSighting } from '../../store/sighting-store.js';
import type { MediaUrls } from '../media-urls.js';
import { Camera, CameraHealth, CameraState, Identity, Sighting, Snapshot, Track, TrackEvent, TrackEventKind } from './types.js';

const date = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms));

export function toHealth(h: SourceHealth): CameraHealth {
  return {
    state: h.state as CameraState,
    since: new Date(h.since),
    lastError: h.lastError,
    framesReceived: h.framesReceived,
    reconnects: h.reconnects,
    lastFrameAt: date(h.lastFrameAt),
    nextRetryAt: date(h.nextRetryAt),
    width: h.width,
    height: h.height,
    fps: h.fps,
  };
}

export function toCamera(c: CameraConfig, health: SourceHealth, stats: { scheduler?: SchedulerStats; processed?: number }, media: MediaUrls): Camera {
  return {
    id: c.id,
    name: c.name,
    url: redactUrlCredentials(c.url),
    kind: c.kind,
    width: c.width,
    height: c.height,
    fps: c.fps,
    detectFps: c.detectFps,
    loop: c.loop,
    realtime: c.realtime,
    enabled: c.enabled,
    health: toHealth(health),
    stats: stats.scheduler && {
      framesOffered: stats.scheduler.offered,
      framesProcessed: stats.processed ?? stats.scheduler.delivered,
      framesDropped: stats.scheduler.dropped,
      framesSkipped: stats.scheduler.skipped,
    },
    streamUrl: media.cameraStream(c.id),
    frameUrl: media.cameraFrame(c.id),
  };
}

export function toSnapshot(paths: { face: string | null; context: string | null } | undefined, media: MediaUrls): Snapshot | undefined {
  if (!paths?.face || !paths.context) return undefined;
  return { faceUrl: media.snapshot(paths.face), contextUrl: media.snapshot(paths.context) };
}

export function toTrackEvent(e: DomainEvent, media: MediaUrls): TrackEvent {
  return {
    kind: e.kind as TrackEventKind,
    cameraId: e.cameraId,
    trackId: e.trackId,
    frame: e.frame,
    ts: new Date(e.ts),
    box: [...e.box],
    landmarks: e.landmarks.map((p) => [...p]),
    identity: e.identity,
    score: e.score,
    label: e.label,
    quality: e.quality,
    snapshot: toSnapshot(e.snapshot, media),
  };
}

export function toTrack(t: TrackView, media: MediaUrls): Track {
  return {
    id: t.trackId,
    cameraId: t.cameraId,
    state: t.state,
    startedAt: new Date(t.startedAt),
    lastSeenAt: new Date(t.lastSeenAt),
    frame: t.frame,
    box: [...t.box],
    identity: t.identity,
    score: t.score,
    label: t.label,
    quality: t.quality,
    frames: t.frames,
    embeddings: t.embeddings,
    snapshot: toSnapshot(t.snapshot, media),
  };
}

export function toIdentity(i: GalleryIdentity): Identity {
  return { ...i, createdAt: new Date(i.createdAt), updatedAt: new Date(i.updatedAt) };
}

export function toSighting(s: DomainSighting, media: MediaUrls): Sighting {
  return {
    id: s.id,
    cameraId: s.cameraId,
    trackId: s.trackId,
    startedAt: new Date(s.startedAt),
    endedAt: new Date(s.endedAt),
    identity: s.identityId ? { id: s.identityId, name: s.identityName ?? s.identityId, score: s.score ?? undefined } : null,
    label: s.label,
    score: s.score,
    quality: s.quality,
    frames: s.frames,
    ended: s.ended,
    snapshot: toSnapshot({ face: s.faceSnapshot, context: s.contextSnapshot }, media),
  };
}
