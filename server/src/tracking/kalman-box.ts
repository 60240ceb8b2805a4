/**
 * Constant-velocity Kalman filter on one face box, after SORT (Bewley et al. 2016): state
 * [cx, cy, s, r, vcx, vcy, vs] with s the area and r the aspect ratio w/h, which is held constant (no velocity).
 * The detector measures [cx, cy, s, r].
 *
 * Time is counted in nominal frame intervals: predict(dt) may skip frames the scheduler dropped (dt = 2, 3, ...) or
 * be fractional. The process noise is continuous white-noise acceleration, so predicting 2 equals predicting 1 twice.
 *
 * Noise is relative to the box: positions in units of its side (√s), area in units of s, aspect in units of r. A 40 px
 * face and a 400 px face are then tracked alike, where fixed pixel noise would trust one far more than the other.
 */
import type { Box, Point } from '../engine/types.js';
import { add, diagonal, identity, invert, matrix, multiply, subtract, transpose, type Matrix } from './matrix.js';

export interface KalmanNoise {
  /** Measurement std of the centre, as a fraction of the box side (√area). */
  centre: number;
  /** Measurement std of the area, as a fraction of the area. */
  area: number;
  /** Measurement std of the aspect ratio, as a fraction of it. */
  aspect: number;
  /** Process: std of the centre velocity's change over one frame interval, as a fraction of the side. */
  centreAcceleration: number;
  /** Process: std of the area velocity's change over one frame interval, as a fraction of the area. */
  areaAcceleration: number;
  /** Process: std of the aspect ratio's random walk over one frame interval, as a fraction of it. */
  aspectDrift: number;
  /** Initial std of the centre velocity (per frame interval), as a fraction of the side: unknown at birth. */
  initialCentreVelocity: number;
  /** Initial std of the area velocity (per frame interval), as a fraction of the area. */
  initialAreaVelocity: number;
}

/**
 * Detector boxes jitter by a few percent of the face size between frames; a walking person's face moves up to ~0.3
 * sides per frame at 25 fps and turns within ~10 frames, so its velocity changes by a few percent of a side per frame.
 * The velocity noise is kept at 2 %: at 5 % the filter let the biased boxes of a half-hidden face (a detector boxes
 * what it sees) swing the velocity, and a face behind another came out elsewhere than predicted (docs/tracking.md:
 * ID switches 18 → 3 on 25 synthetic clips); at 2 % only a very fast face (≥ 0.3 sides per frame) reversing within
 * 3 frames outruns the gate.
 */
export const DEFAULT_KALMAN_NOISE: Readonly<KalmanNoise> = Object.freeze({
  centre: 0.05,
  area: 0.1,
  aspect: 0.05,
  centreAcceleration: 0.02,
  areaAcceleration: 0.02,
  aspectDrift: 0.01,
  initialCentreVelocity: 0.5,
  initialAreaVelocity: 0.2,
});

const DIM = 7;
const MEASURED = 4;
const [CX, CY, S, R, VCX, VCY, VS] = [0, 1, 2, 3, 4, 5, 6];
/** Observation matrix: the first four state components are measured directly. */
const H = (() => {
  const h = matrix(MEASURED, DIM);
  for (let i = 0; i < MEASURED; i++) h.data[i * DIM + i] = 1;
  return h;
})();
const HT = transpose(H);
const I7 = identity(DIM);

/** [cx, cy, s, r] of a box with positive width and height. */
export function boxToMeasurement([x1, y1, x2, y2]: Box): [number, number, number, number] {
  const w = x2 - x1;
  const h = y2 - y1;
  return [x1 + w / 2, y1 + h / 2, w * h, w / h];
}

export function measurementToBox(cx: number, cy: number, s: number, r: number): Box {
  const w = Math.sqrt(s * r);
  const h = s / w;
  return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
}

export class KalmanBox {
  private x: Float64Array;
  private P: Matrix;

  constructor(
    box: Box,
    private readonly noise: Readonly<KalmanNoise> = DEFAULT_KALMAN_NOISE,
  ) {
    const [cx, cy, s, r] = boxToMeasurement(box);
    this.x = Float64Array.of(cx, cy, s, r, 0, 0, 0);
    const side = Math.sqrt(s);
    const n = noise;
    const velocitySd = [n.initialCentreVelocity * side, n.initialCentreVelocity * side, n.initialAreaVelocity * s];
    this.P = diagonal([...this.measurementSd(), ...velocitySd].map((sd) => sd * sd));
  }

  /** Advance by dt nominal frame intervals (0 is a no-op). */
  predict(dt = 1): void {
    if (!(dt >= 0 && Number.isFinite(dt))) throw new RangeError(`dt must be a finite number >= 0, got ${dt}`);
    if (dt === 0) return;
    const x = this.x;
    // A shrinking box must not reach zero or negative area (as when a lost face keeps receding): stop the shrink.
    if (x[S] + x[VS] * dt <= 0) x[VS] = 0;
    const F = identity(DIM);
    F.data[CX * DIM + VCX] = dt;
    F.data[CY * DIM + VCY] = dt;
    F.data[S * DIM + VS] = dt;
    const Q = this.processNoise(dt);
    this.x = Float64Array.from(multiply(F, matrix(DIM, 1, x)).data);
    this.P = add(multiply(multiply(F, this.P), transpose(F)), Q);
  }

  /** Correct the estimate with a measured box (positive width and height). */
  update(box: Box): void {
    const z = boxToMeasurement(box);
    const x = this.x;
    const y = matrix(MEASURED, 1, z.map((v, i) => v - x[i]));
    const Rm = this.measurementNoise();
    const PHt = multiply(this.P, HT);
    const K = multiply(PHt, invert(add(multiply(H, PHt), Rm)));
    const dx = multiply(K, y).data;
    for (let i = 0; i < DIM; i++) x[i] += dx[i];
    // Joseph form: stays symmetric positive semi-definite under rounding, unlike (I - KH) P.
    const IKH = subtract(I7, multiply(K, H));
    this.P = add(multiply(multiply(IKH, this.P), transpose(IKH)), multiply(multiply(K, Rm), transpose(K)));
  }

  /**
   * Stop the area's trend (a track without a measurement): a lost face keeps its size. The trend is often that of
   * partial detections as the face goes behind something, and extrapolated over a few frames it collapses the box so
   * that it no longer overlaps the face when it comes back.
   */
  holdSize(): void {
    this.x[VS] = 0;
  }

  box(): Box {
    const x = this.x;
    return measurementToBox(x[CX], x[CY], x[S], x[R]);
  }

  /** Centre velocity in pixels per nominal frame interval. */
  velocity(): Point {
    return [this.x[VCX], this.x[VCY]];
  }

  /** Copy of the state [cx, cy, s, r, vcx, vcy, vs]. */
  mean(): number[] {
    return Array.from(this.x);
  }

  /** Copy of the 7x7 state covariance, row-major. */
  covariance(): number[] {
    return Array.from(this.P.data);
  }

  private scales(): { side: number; s: number; r: number } {
    const s = this.x[S];
    return { side: Math.sqrt(s), s, r: this.x[R] };
  }

  /** Measurement std of [cx, cy, s, r] at the current size; also the initial uncertainty of those components. */
  private measurementSd(): number[] {
    const n = this.noise;
    const { side, s, r } = this.scales();
    return [n.centre * side, n.centre * side, n.area * s, n.aspect * r];
  }

  private measurementNoise(): Matrix {
    return diagonal(this.measurementSd().map((sd) => sd * sd));
  }

  /** Continuous white-noise acceleration on each (position, velocity) pair; random walk on the aspect ratio. */
  private processNoise(dt: number): Matrix {
    const n = this.noise;
    const { side, s, r } = this.scales();
    const Q = matrix(DIM, DIM);
    const pair = (p: number, v: number, sd: number) => {
      const q = sd * sd;
      Q.data[p * DIM + p] = (q * dt * dt * dt) / 3;
      Q.data[p * DIM + v] = Q.data[v * DIM + p] = (q * dt * dt) / 2;
      Q.data[v * DIM + v] = q * dt;
    };
    pair(CX, VCX, n.centreAcceleration * side);
    pair(CY, VCY, n.centreAcceleration * side);
    pair(S, VS, n.areaAcceleration * s);
    Q.data[R * DIM + R] = (n.aspectDrift * r) ** 2 * dt;
    return Q;
  }
}
