/**
 * The live pipeline's output contract: one stream of events per face track. `frame` is the camera's frame sequence
 * number, so a client can draw each box on the frame it belongs to; `ts` is that frame's capture time (ms since epoch).
 */
import type { SourceHealth } from '../cameras/source-health.js';
import type { Box, Point } from '../engine/types.js';
import type { Alert } from '../store/alert-store.js';
import type { WallState } from '../store/wall-store.js';

export type TrackEventKind = 'started' | 'updated' | 'identified' | 'ended';

export interface IdentityDecision {
  id: string;
  name: string;
  /** Cosine similarity to the identity's best template, quality-weighted over the track's votes. */
  score: number;
}

export interface TrackEvent {
  kind: TrackEventKind;
  cameraId: string;
  /** Unique across cameras and restarts. */
  trackId: string;
  frame: number;
  ts: number;
  box: Box;
  landmarks: Point[];
  /** The track's identity decision at this event; null while unknown. */
  identity: IdentityDecision | null;
  /** Best gallery score seen for the current decision (or the best rejected score while unknown); null before any embedding. */
  score: number | null;
  /** The identity's name, or a stable anonymous label ("Unknown 7") for strangers. */
  label: string;
  /** Face quality of the track's best face so far, 0..1. */
  quality: number;
  /** Best-face snapshot files, relative to the snapshot root, once written. */
  snapshot?: { face: string; context: string };
}

/** A camera source's health changed. */
export interface CameraStatusMessage {
  cameraId: string;
  health: SourceHealth;
}

/** Topics on the event bus and what each carries (JSON-safe: they may cross processes through Redis). */
export interface BusTopics {
  trackEvents: TrackEvent;
  cameraStatus: CameraStatusMessage;
  alerts: Alert;
  /** The shared wall changed (state and who is watching). */
  wall: { state: WallState; operators: { tokenId: string; name: string; role: string; since: number }[] };
}
