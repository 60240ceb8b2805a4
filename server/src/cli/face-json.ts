import type { Face, FaceQuality } from '../engine/types.js';

const round = (v: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

export interface FaceJson {
  box: number[];
  score: number;
  landmarks: number[][];
  quality?: Record<keyof FaceQuality, number>;
  embedding?: number[];
}

/** The CLI's face object: pixels to 2 decimals, scores to 5, embeddings to 6. */
export function faceToJson(face: Face, withEmbedding: boolean): FaceJson {
  const out: FaceJson = {
    box: face.box.map((v) => round(v, 2)),
    score: round(face.score, 5),
    landmarks: face.landmarks.map(([x, y]) => [round(x, 2), round(y, 2)]),
  };
  if (face.quality) {
    const q = face.quality;
    out.quality = {
      detScore: round(q.detScore, 5),
      interOcular: round(q.interOcular, 2),
      faceWidth: round(q.faceWidth, 2),
      blur: round(q.blur, 1),
      yaw: round(q.yaw, 3),
      pitch: round(q.pitch, 3),
      roll: round(q.roll, 2),
    };
  }
  if (withEmbedding && face.embedding) out.embedding = Array.from(face.embedding, (v) => round(v, 6));
  return out;
}
