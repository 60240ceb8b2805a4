/**
 * SORT face tracker (Bewley et al. 2016, "Simple Online and Realtime Tracking"), our implementation: each track is a
 * constant-velocity Kalman filter on its box; every step predicts all live tracks, then matches them to the
 * detections by optimal assignment on IoU, gated by `iouThreshold`. Pure and deterministic: no clock, no I/O.
 *
 * Lifecycle:
 * - A detection that matches no track starts a `tentative` track (hits 1). It becomes `confirmed` after `minHits`
 *   consecutive hits; a tentative track that misses once ends without ever having been confirmed (a one-frame false
 *   detection never surfaces). Unlike the paper, there is no exception for the first `minHits` frames of a stream:
 *   one rule for every track, at the cost of `minHits - 1` frames of latency at stream start only.
 * - `confirmed` → `lost` on a step without a match; `lost` → `confirmed` on the next match (same id); `lost` →
 *   `ended` after more than `maxAge` consecutive missed steps (or, with `maxAgeMs`, more than that time unmatched).
 *   Lost tracks keep predicting along their velocity, at their last size, and take part in matching.
 *
 * Association maximizes the total IoU over the pairs whose IoU is at least `iouThreshold` (and above 0); a pair below
 * the gate is never matched, and it never displaces a valid match (unlike matching first and gating after).
 * Tracks are rows in id order, detections columns in index order; on exact ties the lower id / lower index wins.
 *
 * Invalid input throws a RangeError before any state changes: a box with a non-finite coordinate or without positive
 * width and height (callers that may clip boxes to nothing can filter with `isTrackableBox` first), or a bad dt.
 */
import type { Box, Point } from '../engine/types.js';
import { iouMatrix, linearAssignment } from './assignment.js';
import { DEFAULT_KALMAN_NOISE, KalmanBox, type KalmanNoise } from './kalman-box.js';
import { matrix } from './matrix.js';

export interface Detection<T = unknown> {
  box: Box;
  score: number;
  /** Opaque to the tracker: landmarks, quality, aligned crop... handed back as the track's `last`. */
  payload: T;
}

export type TrackState = 'tentative' | 'confirmed' | 'lost' | 'ended';

/** A snapshot of one track after a step: a fresh object each time, never changed afterwards. */
export interface Track<T = unknown> {
  /** Monotonic per tracker, from 1; never reused. */
  readonly id: number;
  readonly state: TrackState;
  /** Detections matched so far, the birth one included. */
  readonly hits: number;
  /** Steps the track has lived, the birth step included. */
  readonly age: number;
  /** Consecutive steps without a match (0 when matched this step). */
  readonly missed: number;
  /** Nominal frame intervals since the last match (sum of the dt of the missed steps). */
  readonly sinceMatch: number;
  /** Kalman estimate: the corrected box when matched this step, else the prediction. */
  readonly box: Box;
  /** Centre velocity in pixels per nominal frame interval. */
  readonly velocity: Point;
  /** The last detection matched to this track. */
  readonly last: Detection<T>;
  /** Whether a detection was matched to this track in this step (true at birth). */
  readonly matched: boolean;
  /** Whether the track ever reached `confirmed`: false for an ended tentative track, which callers should ignore. */
  readonly wasConfirmed: boolean;
}

export interface TrackerUpdate<T = unknown> {
  /** Every live track (tentative, confirmed, lost) after this step, by id. */
  tracks: Track<T>[];
  /** Track id for each detection, by detection index: the matched track or the track it started. */
  assignments: number[];
  /** Ids confirmed for the first time in this step. */
  confirmed: number[];
  /** Ids matched again after being lost (lost → confirmed). */
  recovered: number[];
  /** Ids that became lost in this step. */
  lost: number[];
  /** Tracks that ended in this step, in their final state (tentative ones included, with wasConfirmed false). */
  ended: Track<T>[];
}

export interface SortTrackerOptions {
  /** Minimum IoU between a track's predicted box and a detection for them to match. Default 0.3. */
  iouThreshold?: number;
  /** Consecutive hits, the birth included, before a track is confirmed. Default 3. */
  minHits?: number;
  /** Consecutive missed steps a lost track survives; the next miss ends it. 0: a miss ends it at once. Default 30. */
  maxAge?: number;
  /** Also end a lost track once unmatched for longer than this (needs `frameIntervalMs`). */
  maxAgeMs?: number;
  /** Duration of one nominal frame interval (dt = 1), to convert `maxAgeMs`. */
  frameIntervalMs?: number;
  /** Kalman noise, relative to the box size; see DEFAULT_KALMAN_NOISE. */
  noise?: Partial<KalmanNoise>;
}

export const SORT_DEFAULTS = Object.freeze({ iouThreshold: 0.3, minHits: 3, maxAge: 30 });

/** True when the tracker accepts the box: finite coordinates, positive width and height. */
export function isTrackableBox(box: Box): boolean {
  return box.length === 4 && box.every(Number.isFinite) && box[2] > box[0] && box[3] > box[1];
}

interface TrackRecord<T> {
  id: number;
  state: TrackState;
  hits: number;
  age: number;
  missed: number;
  sinceMatch: number;
  filter: KalmanBox;
  last: Detection<T>;
  matched: boolean;
  wasConfirmed: boolean;
}

export class SortTracker<T = unknown> {
  private readonly iouThreshold: number;
  private readonly minHits: number;
  private readonly maxAge: number;
  /** maxAgeMs in nominal frame intervals; Infinity when unset. */
  private readonly maxAgeIntervals: number;
  private readonly noise: Readonly<KalmanNoise>;
  /** Live tracks in ascending id order (new ids are appended, ended ones removed). */
  private live: TrackRecord<T>[] = [];
  private nextId = 1;

  constructor(options: SortTrackerOptions = {}) {
    const iouThreshold = options.iouThreshold ?? SORT_DEFAULTS.iouThreshold;
    const minHits = options.minHits ?? SORT_DEFAULTS.minHits;
    const maxAge = options.maxAge ?? SORT_DEFAULTS.maxAge;
    if (!(iouThreshold >= 0 && iouThreshold <= 1)) throw new RangeError(`iouThreshold must be in [0, 1], got ${iouThreshold}`);
    if (!(Number.isInteger(minHits) && minHits >= 1)) throw new RangeError(`minHits must be an integer >= 1, got ${minHits}`);
    if (!(Number.isInteger(maxAge) && maxAge >= 0)) throw new RangeError(`maxAge must be an integer >= 0, got ${maxAge}`);
    this.iouThreshold = iouThreshold;
    this.minHits = minHits;
    this.maxAge = maxAge;
    this.maxAgeIntervals = Infinity;
    if (options.maxAgeMs !== undefined) {
      const { maxAgeMs, frameIntervalMs } = options;
      if (!(maxAgeMs >= 0 && Number.isFinite(maxAgeMs))) throw new RangeError(`maxAgeMs must be a finite number >= 0, got ${maxAgeMs}`);
      if (!(frameIntervalMs !== undefined && frameIntervalMs > 0 && Number.isFinite(frameIntervalMs))) {
        throw new RangeError(`maxAgeMs needs frameIntervalMs > 0, got ${frameIntervalMs}`);
      }
      this.maxAgeIntervals = maxAgeMs / frameIntervalMs;
    }
    this.noise = { ...DEFAULT_KALMAN_NOISE, ...options.noise };
  }

  /**
   * One step: `dt` nominal frame intervals after the previous step (more than 1 when frames were dropped upstream,
   * fractional allowed). Returns snapshots; the tracker keeps no reference to the detections beyond each track's last.
   */
  update(detections: readonly Detection<T>[], dt = 1): TrackerUpdate<T> {
    if (!(dt > 0 && Number.isFinite(dt))) throw new RangeError(`dt must be a finite number > 0, got ${dt}`);
    detections.forEach((d, i) => {
      if (!isTrackableBox(d.box)) throw new RangeError(`detection ${i} has an invalid box [${d.box.join(', ')}]: need finite x1 < x2, y1 < y2`);
    });

    const tracks = this.live;
    for (const t of tracks) {
      t.filter.predict(dt);
      t.age += 1;
    }
    const matchOf = this.associate(tracks, detections);

    const confirmed: number[] = [];
    const recovered: number[] = [];
    const lost: number[] = [];
    const ended: Track<T>[] = [];
    const assignments = new Array<number>(detections.length).fill(0); // 0: not yet assigned (ids start at 1)
    const survivors: TrackRecord<T>[] = [];
    tracks.forEach((t, row) => {
      const col = matchOf[row];
      if (col >= 0) {
        const d = detections[col];
        t.filter.update(d.box);
        t.hits += 1;
        t.missed = 0;
        t.sinceMatch = 0;
        t.last = d;
        t.matched = true;
        assignments[col] = t.id;
        if (t.state === 'lost') {
          t.state = 'confirmed';
          recovered.push(t.id);
        } else if (t.state === 'tentative' && t.hits >= this.minHits) {
          this.confirm(t, confirmed);
        }
        survivors.push(t);
        return;
      }
      t.missed += 1;
      t.sinceMatch += dt;
      t.matched = false;
      t.filter.holdSize();
      const expired = t.missed > this.maxAge || t.sinceMatch > this.maxAgeIntervals;
      if (t.state === 'tentative' || expired) {
        t.state = 'ended';
        ended.push(snapshot(t));
        return;
      }
      if (t.state === 'confirmed') {
        t.state = 'lost';
        lost.push(t.id);
      }
      survivors.push(t);
    });

    detections.forEach((d, col) => {
      if (assignments[col] !== 0) return;
      const t: TrackRecord<T> = {
        id: this.nextId++,
        state: 'tentative',
        hits: 1,
        age: 1,
        missed: 0,
        sinceMatch: 0,
        filter: new KalmanBox(d.box, this.noise),
        last: d,
        matched: true,
        wasConfirmed: false,
      };
      if (t.hits >= this.minHits) this.confirm(t, confirmed);
      assignments[col] = t.id;
      survivors.push(t);
    });

    this.live = survivors;
    return { tracks: survivors.map(snapshot), assignments, confirmed, recovered, lost, ended };
  }

  /** End every live track (end of stream); returns them in their final state. Ids keep counting afterwards. */
  flush(): Track<T>[] {
    const ended = this.live.map((t) => {
      t.state = 'ended';
      t.matched = false;
      return snapshot(t);
    });
    this.live = [];
    return ended;
  }

  /** For each track (row), the index of its detection or -1. */
  private associate(tracks: readonly TrackRecord<T>[], detections: readonly Detection<T>[]): Int32Array {
    const overlap = iouMatrix(
      tracks.map((t) => t.filter.box()),
      detections.map((d) => d.box),
    );
    const gate = (v: number) => v > 0 && v >= this.iouThreshold;
    // Cost -IoU on admissible pairs, 0 elsewhere: the minimum is the maximum total IoU over admissible matches, and a
    // gated pair the solver pads with (cost 0) is simply dropped below.
    const cost = matrix(overlap.rows, overlap.cols);
    overlap.data.forEach((v, i) => (cost.data[i] = gate(v) ? -v : 0));
    const { rowToCol } = linearAssignment(cost);
    return rowToCol.map((col, row) => (col >= 0 && gate(overlap.data[row * overlap.cols + col]) ? col : -1));
  }

  private confirm(t: TrackRecord<T>, confirmed: number[]): void {
    t.state = 'confirmed';
    t.wasConfirmed = true;
    confirmed.push(t.id);
  }
}

function snapshot<T>(t: TrackRecord<T>): Track<T> {
  return {
    id: t.id,
    state: t.state,
    hits: t.hits,
    age: t.age,
    missed: t.missed,
    sinceMatch: t.sinceMatch,
    box: t.filter.box(),
    velocity: t.filter.velocity(),
    last: t.last,
    matched: t.matched,
    wasConfirmed: t.wasConfirmed,
  };
}
