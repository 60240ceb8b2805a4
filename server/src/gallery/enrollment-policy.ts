import type { Box, Face, FaceQuality } from '../engine/types.js';
import { iou } from '../engine/nms.js';
import { cosine } from '../engine/vector.js';

/** Why an enrollment image was not turned into a template. Stable codes for the CLI and the API. */
export type RejectReason =
  | 'NO_FACE'
  | 'MULTIPLE_FACES'
  | 'TOO_SMALL'
  | 'TOO_BLURRY'
  | 'LOW_SCORE'
  | 'EXTREME_POSE'
  | 'DUPLICATE'
  | 'BAD_IMAGE';

/**
 * Enrollment gates. Defaults from the quality ranges measured on LFW (docs/engine.md): sharp faces have blur ≥ 55 in
 * 95% of cases and Gaussian-blurred ones (σ 1.5) a median of 33; 95% of LFW faces have |yaw| ≤ 0.5.
 */
export interface EnrollmentThresholds {
  minDetScore: number;
  /** Eye distance in source pixels. */
  minInterOcular: number;
  minBlur: number;
  maxAbsYaw: number;
  maxAbsPitch: number;
  /** A second face whose box is at least this fraction of the main face's area makes the image ambiguous. */
  secondFaceAreaRatio: number;
  /** Cosine at or above which a new template duplicates an existing one of the same identity. */
  duplicateSimilarity: number;
}

export const DEFAULT_ENROLLMENT_THRESHOLDS: EnrollmentThresholds = {
  minDetScore: 0.6,
  minInterOcular: 20,
  minBlur: 20,
  maxAbsYaw: 0.65,
  maxAbsPitch: 0.7,
  secondFaceAreaRatio: 0.25,
  duplicateSimilarity: 0.97,
};

export type FaceJudgement = { ok: true; face: Face } | { ok: false; reason: RejectReason; message: string };

const area = (b: Box) => Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);

/**
 * Pick the one usable face of an enrollment image. With `box` (the caller points at a face), the detection that
 * overlaps it most is taken and other faces are ignored; otherwise exactly one prominent face must be present
 * (small background faces below `secondFaceAreaRatio` of the largest do not count).
 */
export function judgeEnrollmentFaces(faces: Face[], t: EnrollmentThresholds, box?: Box): FaceJudgement {
  if (faces.length === 0) return { ok: false, reason: 'NO_FACE', message: 'no face found' };
  let face: Face;
  if (box) {
    const best = faces.map((f) => ({ f, v: iou(f.box, box) })).sort((a, b) => b.v - a.v)[0];
    if (best.v < 0.3) return { ok: false, reason: 'NO_FACE', message: 'no face found in the given box' };
    face = best.f;
  } else {
    const bySize = [...faces].sort((a, b) => area(b.box) - area(a.box));
    face = bySize[0];
    const second = bySize[1];
    if (second && area(second.box) >= t.secondFaceAreaRatio * area(face.box)) {
      return { ok: false, reason: 'MULTIPLE_FACES', message: `${faces.length} faces found; give one face per image or a box` };
    }
  }
  const q = face.quality;
  if (!q) throw new Error('faces must carry quality signals');
  if (face.score < t.minDetScore) return { ok: false, reason: 'LOW_SCORE', message: `detection score ${face.score.toFixed(2)} < ${t.minDetScore}` };
  if (q.interOcular < t.minInterOcular) return { ok: false, reason: 'TOO_SMALL', message: `eye distance ${q.interOcular.toFixed(1)} px < ${t.minInterOcular} px` };
  if (q.blur < t.minBlur) return { ok: false, reason: 'TOO_BLURRY', message: `sharpness ${q.blur.toFixed(1)} < ${t.minBlur}` };
  if (Math.abs(q.yaw) > t.maxAbsYaw || Math.abs(q.pitch) > t.maxAbsPitch) {
    return { ok: false, reason: 'EXTREME_POSE', message: `pose yaw ${q.yaw.toFixed(2)}, pitch ${q.pitch.toFixed(2)} beyond ±${t.maxAbsYaw}/±${t.maxAbsPitch}` };
  }
  return { ok: true, face };
}

/**
 * One number for "how good is this face as a template", 0..1: detection confidence, size, sharpness and frontality,
 * each saturating where more stops helping recognition.
 */
export function templateQuality(q: FaceQuality): number {
  const size = Math.min(1, q.interOcular / 60);
  const sharp = Math.min(1, q.blur / 150);
  const frontal = 1 - Math.min(1, Math.max(Math.abs(q.yaw), Math.abs(q.pitch)));
  return Math.max(0, Math.min(1, 0.25 * q.detScore + 0.25 * size + 0.25 * sharp + 0.25 * frontal));
}

export interface TemplateCandidate {
  embedding: Float32Array;
  quality: number;
}

/**
 * Choose at most `cap` templates that cover the identity's appearances: start from the best-quality template, then
 * repeatedly add the candidate farthest (in cosine distance) from everything chosen, weighted by its quality, so
 * near-duplicates of one pose do not crowd out a profile or a different lighting. Returns indices into `candidates`.
 */
export function selectDiverseTemplates(candidates: TemplateCandidate[], cap: number): number[] {
  if (candidates.length <= cap) return candidates.map((_, i) => i);
  const chosen: number[] = [];
  const nearest = new Float64Array(candidates.length).fill(Infinity);
  let first = 0;
  candidates.forEach((c, i) => {
    if (c.quality > candidates[first].quality) first = i;
  });
  chosen.push(first);
  while (chosen.length < cap) {
    const last = candidates[chosen[chosen.length - 1]].embedding;
    let best = -1;
    let bestValue = -Infinity;
    candidates.forEach((c, i) => {
      if (chosen.includes(i)) return;
      nearest[i] = Math.min(nearest[i], 1 - cosine(c.embedding, last));
      const value = nearest[i] * (0.5 + 0.5 * c.quality);
      if (value > bestValue) [best, bestValue] = [i, value];
    });
    chosen.push(best);
  }
  return chosen.sort((a, b) => a - b);
}
