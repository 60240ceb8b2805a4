/**
 * When a track gets (another) embedding. Recognize once per track and keep it, as Frigate and Double Take users ask:
 * embed when the track is confirmed, then only when its face got markedly better, or as a periodic re-check, within a
 * per-track budget, and never for faces too small or poor to recognize (they would only add noise to the vote).
 */
export interface EmbedPolicyOptions {
  /** Embeddings per track at most. */
  maxPerTrack: number;
  /** Re-embed when the face quality exceeds the best embedded one by this factor. */
  improveRatio: number;
  /** Re-check a named track every this many matched frames (0 = never), while the budget lasts. */
  everyFrames: number;
  /** Re-check a still-unknown track sooner: its first face may have been a poor one (motion blur, turned away). */
  unknownEveryFrames: number;
  /** Faces below this quality (templateQuality, 0..1) are not embedded. */
  minQuality: number;
  /** Faces narrower than this (pixels) are not embedded. */
  minFaceWidth: number;
}

export const DEFAULT_EMBED_POLICY: EmbedPolicyOptions = {
  maxPerTrack: 8,
  improveRatio: 1.15,
  everyFrames: 30,
  unknownEveryFrames: 10,
  // Low on purpose: a sharp profile still matches (a 3/4 view of a known face scored 0.51 against frontal templates),
  // and the vote weighs each embedding by its quality anyway.
  minQuality: 0.15,
  minFaceWidth: 20,
};

/** What the policy remembers per track. */
export interface EmbedHistory {
  embeds: number;
  /** Best quality among the faces embedded so far (0 before the first). */
  bestEmbeddedQuality: number;
  /** Matched frames since the last embedding. */
  framesSince: number;
}

export const newEmbedHistory = (): EmbedHistory => ({ embeds: 0, bestEmbeddedQuality: 0, framesSince: 0 });

export type EmbedReason = 'first' | 'improved' | 'periodic';

/** Decide for one matched frame of a confirmed track; advances `history.framesSince` and records an embedding when it says yes. */
export function embedDecision(history: EmbedHistory, quality: number, faceWidth: number, known: boolean, o: EmbedPolicyOptions = DEFAULT_EMBED_POLICY): EmbedReason | null {
  history.framesSince++;
  if (history.embeds >= o.maxPerTrack || quality < o.minQuality || faceWidth < o.minFaceWidth) return null;
  let reason: EmbedReason | null = null;
  if (history.embeds === 0) reason = 'first';
  else if (quality >= history.bestEmbeddedQuality * o.improveRatio) reason = 'improved';
  else {
    const every = known ? o.everyFrames : o.unknownEveryFrames;
    if (every > 0 && history.framesSince >= every) reason = 'periodic';
  }
  if (reason) {
    history.embeds++;
    history.bestEmbeddedQuality = Math.max(history.bestEmbeddedQuality, quality);
    history.framesSince = 0;
  }
  return reason;
}
