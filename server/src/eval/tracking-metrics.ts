/**
 * Multi-object tracking metrics: CLEAR MOT (Bernardin & Stiefelhagen 2008), identity F1 (Ristani et al. 2016) and
 * trajectory coverage (mostly tracked / lost, Li et al. 2009), from per-frame ground-truth and tracker boxes.
 *
 * Per frame, ground truth and tracker boxes are matched at IoU ≥ iouThreshold:
 *  1. a ground-truth object keeps the track it was last matched to (in any earlier frame, as py-motmetrics does) when
 *     that track is present and still overlaps it enough;
 *  2. the rest are matched by an optimal assignment (most pairs first, then the largest summed IoU).
 * A match whose track differs from the object's previous track is an identity switch. Ground-truth boxes marked
 * `required: false` (e.g. a face mostly outside the frame or hidden) are "don't care": a track matched to one is
 * neither a hit nor a false positive, and leaving one unmatched is not a miss.
 *
 * A fragmentation is a ground-truth trajectory resuming its matched state after having lost it (counted over the frames
 * where it is required; frames where it is absent or not required neither break nor resume it).
 */
import { iou, type BoxXYXY } from './detection-metrics.js';
import { linearAssignment } from '../tracking/assignment.js';
import { fromRows } from '../tracking/matrix.js';

export type TrajectoryId = number | string;

export interface GtBox {
  frame: number;
  gtId: TrajectoryId;
  box: BoxXYXY;
  /** Default true. False: the object may or may not be reported (see the module comment). */
  required?: boolean;
}

export interface TrackBox {
  frame: number;
  trackId: TrajectoryId;
  box: BoxXYXY;
}

export interface TrackingEvalOptions {
  /** Minimum IoU for a track box to count as the object (default 0.5). */
  iouThreshold?: number;
  /** Coverage (matched / required frames) at or above which an object is mostly tracked (default 0.8). */
  mostlyTracked?: number;
  /** Coverage at or below which an object is mostly lost (default 0.2). */
  mostlyLost?: number;
  /** Also return the per-frame misses, false positives and switches (for debugging a tracker). */
  events?: boolean;
}

export type TrackingEvent =
  | { frame: number; type: 'miss'; gtId: TrajectoryId }
  | { frame: number; type: 'fp'; trackId: TrajectoryId }
  | { frame: number; type: 'switch'; gtId: TrajectoryId; trackId: TrajectoryId; previousTrackId: TrajectoryId };

export type CoverageClass = 'mostly-tracked' | 'partially-tracked' | 'mostly-lost';

export interface GtTrajectoryStats {
  gtId: TrajectoryId;
  /** Frames where the object is required. */
  frames: number;
  /** Of those, frames matched by some track. */
  matched: number;
  coverage: number;
  /** Distinct tracks matched to it (required frames), in order of first match. */
  trackIds: TrajectoryId[];
  idSwitches: number;
  fragmentations: number;
  coverageClass: CoverageClass;
}

export interface TrackingSummary {
  /** Distinct frame numbers seen in either input. */
  frames: number;
  /** Required ground-truth boxes. */
  gtBoxes: number;
  /** Track boxes, less those matched to not-required ground truth. */
  trackBoxes: number;
  tp: number;
  fp: number;
  /** Misses. */
  fn: number;
  idSwitches: number;
  fragmentations: number;
  /** Track boxes matched to not-required ground truth (neither hits nor false positives). */
  ignored: number;
  /** 1 − (fn + fp + idSwitches) / gtBoxes; NaN without required ground truth. */
  mota: number;
  /** Mean IoU of the hits; NaN without hits. */
  motp: number;
  precision: number;
  recall: number;
  idtp: number;
  idfp: number;
  idfn: number;
  idf1: number;
  idp: number;
  idr: number;
  /** Ground-truth objects with at least one required frame. */
  gtTrajectories: number;
  /** Tracks with at least one counted box. */
  trackTrajectories: number;
  mostlyTracked: number;
  partiallyTracked: number;
  mostlyLost: number;
  /** Sorted by gtId. */
  perGt: GtTrajectoryStats[];
  events?: TrackingEvent[];
}

/** Minimum-cost assignment (the tracker's solver): for each row its column, or -1. */
export function minCostAssignment(cost: number[][]): number[] {
  if (cost.length === 0 || cost[0].length === 0) return new Array(cost.length).fill(-1);
  return Array.from(linearAssignment(fromRows(cost)).rowToCol);
}

/** Pairs (row, col) with score ≥ minScore maximizing first their number, then their summed score. */
function maxScorePairs(score: number[][], minScore: number): [number, number][] {
  if (score.length === 0 || score[0].length === 0) return [];
  // A forbidden pair costs more than any set of allowed pairs can save, so the optimum never trades one for them.
  const forbidden = Math.min(score.length, score[0].length) + 1;
  const assigned = minCostAssignment(score.map((row) => row.map((s) => (s >= minScore ? 1 - s : forbidden))));
  const pairs: [number, number][] = [];
  assigned.forEach((c, r) => c >= 0 && score[r][c] >= minScore && pairs.push([r, c]));
  return pairs;
}

function groupByFrame<T extends { frame: number }>(items: T[], idOf: (t: T) => TrajectoryId, what: string): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const it of items) {
    let list = out.get(it.frame);
    if (!list) out.set(it.frame, (list = []));
    if (list.some((o) => idOf(o) === idOf(it))) throw new Error(`${what} ${String(idOf(it))} appears twice in frame ${it.frame}`);
    list.push(it);
  }
  return out;
}

interface GtState {
  stats: GtTrajectoryStats;
  /** Track of the last required match. */
  lastTrack?: TrajectoryId;
  /** Matched state in the last required frame. */
  wasMatched: boolean;
  everMatched: boolean;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : NaN);

export function evaluateTracking(gt: GtBox[], tracks: TrackBox[], opts: TrackingEvalOptions = {}): TrackingSummary {
  const thr = opts.iouThreshold ?? 0.5;
  const mtThr = opts.mostlyTracked ?? 0.8;
  const mlThr = opts.mostlyLost ?? 0.2;
  const gtByFrame = groupByFrame(gt, (g) => g.gtId, 'gtId');
  const trByFrame = groupByFrame(tracks, (t) => t.trackId, 'trackId');
  const frames = [...new Set([...gtByFrame.keys(), ...trByFrame.keys()])].sort((a, b) => a - b);
  const events: TrackingEvent[] = [];
  const states = new Map<TrajectoryId, GtState>();
  // Identity F1 inputs: counted boxes per trajectory and per-frame (gt, track) pairs that overlap enough.
  const idGtCount = new Map<TrajectoryId, number>();
  const idTrCount = new Map<TrajectoryId, number>();
  const idOverlap = new Map<TrajectoryId, Map<TrajectoryId, number>>();
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let idSwitches = 0;
  let ignored = 0;
  let iouSum = 0;

  for (const frame of frames) {
    const gs = gtByFrame.get(frame) ?? [];
    const ts = trByFrame.get(frame) ?? [];
    const ious = gs.map((g) => ts.map((t) => iou(g.box, t.box)));
    const trackOf = new Array<number>(gs.length).fill(-1);
    const taken = new Uint8Array(ts.length);
    // 1. Continue earlier correspondences, strongest overlap first.
    const kept: [number, number][] = [];
    gs.forEach((g, gi) => {
      const last = states.get(g.gtId)?.lastTrack;
      const ti = last === undefined ? -1 : ts.findIndex((t) => t.trackId === last);
      if (ti >= 0 && ious[gi][ti] >= thr) kept.push([gi, ti]);
    });
    kept.sort((a, b) => ious[b[0]][b[1]] - ious[a[0]][a[1]]);
    for (const [gi, ti] of kept) {
      if (taken[ti]) continue;
      trackOf[gi] = ti;
      taken[ti] = 1;
    }
    // 2. Optimal assignment of what is left.
    const freeG = gs.map((_, i) => i).filter((i) => trackOf[i] < 0);
    const freeT = ts.map((_, i) => i).filter((i) => !taken[i]);
    for (const [a, b] of maxScorePairs(freeG.map((gi) => freeT.map((ti) => ious[gi][ti])), thr)) {
      trackOf[freeG[a]] = freeT[b];
      taken[freeT[b]] = 1;
    }

    const ignoredTrack = new Uint8Array(ts.length);
    gs.forEach((g, gi) => {
      const ti = trackOf[gi];
      if (g.required === false) {
        if (ti >= 0) {
          ignoredTrack[ti] = 1;
          ignored++;
        }
        return;
      }
      let st = states.get(g.gtId);
      if (!st) {
        st = {
          stats: { gtId: g.gtId, frames: 0, matched: 0, coverage: 0, trackIds: [], idSwitches: 0, fragmentations: 0, coverageClass: 'mostly-lost' },
          wasMatched: false,
          everMatched: false,
        };
        states.set(g.gtId, st);
      }
      st.stats.frames++;
      idGtCount.set(g.gtId, (idGtCount.get(g.gtId) ?? 0) + 1);
      if (ti < 0) {
        fn++;
        st.wasMatched = false;
        if (opts.events) events.push({ frame, type: 'miss', gtId: g.gtId });
        return;
      }
      const trackId = ts[ti].trackId;
      tp++;
      iouSum += ious[gi][ti];
      st.stats.matched++;
      if (st.lastTrack !== undefined && st.lastTrack !== trackId) {
        idSwitches++;
        st.stats.idSwitches++;
        if (opts.events) events.push({ frame, type: 'switch', gtId: g.gtId, trackId, previousTrackId: st.lastTrack });
      }
      if (!st.wasMatched && st.everMatched) st.stats.fragmentations++;
      if (!st.stats.trackIds.includes(trackId)) st.stats.trackIds.push(trackId);
      st.lastTrack = trackId;
      st.wasMatched = st.everMatched = true;
    });

    ts.forEach((t, ti) => {
      if (ignoredTrack[ti]) return;
      idTrCount.set(t.trackId, (idTrCount.get(t.trackId) ?? 0) + 1);
      if (!taken[ti]) {
        fp++;
        if (opts.events) events.push({ frame, type: 'fp', trackId: t.trackId });
      }
      gs.forEach((g, gi) => {
        if (g.required === false || ious[gi][ti] < thr) return;
        let row = idOverlap.get(g.gtId);
        if (!row) idOverlap.set(g.gtId, (row = new Map()));
        row.set(t.trackId, (row.get(t.trackId) ?? 0) + 1);
      });
    });
  }

  // Identity F1: one-to-one trajectory matching that maximizes the frames where the paired boxes overlap.
  const gtIds = [...idGtCount.keys()];
  const trIds = [...idTrCount.keys()];
  const overlap = gtIds.map((g) => trIds.map((t) => idOverlap.get(g)?.get(t) ?? 0));
  const pairing = minCostAssignment(overlap.map((row) => row.map((n) => -n)));
  const idtp = pairing.reduce((s, c, r) => s + (c >= 0 ? overlap[r][c] : 0), 0);
  const gtBoxes = tp + fn;
  const trackBoxes = tp + fp;

  const byId = (a: GtState, b: GtState) => {
    const [x, y] = [a.stats.gtId, b.stats.gtId];
    return typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
  };
  const perGt = [...states.values()].sort(byId).map(({ stats }) => {
    stats.coverage = ratio(stats.matched, stats.frames);
    stats.coverageClass = stats.coverage >= mtThr ? 'mostly-tracked' : stats.coverage <= mlThr ? 'mostly-lost' : 'partially-tracked';
    return stats;
  });
  const summary: TrackingSummary = {
    frames: frames.length,
    gtBoxes,
    trackBoxes,
    tp,
    fp,
    fn,
    idSwitches,
    fragmentations: perGt.reduce((s, g) => s + g.fragmentations, 0),
    ignored,
    mota: gtBoxes > 0 ? 1 - (fn + fp + idSwitches) / gtBoxes : NaN,
    motp: ratio(iouSum, tp),
    precision: ratio(tp, trackBoxes),
    recall: ratio(tp, gtBoxes),
    idtp,
    idfp: trackBoxes - idtp,
    idfn: gtBoxes - idtp,
    idf1: ratio(2 * idtp, gtBoxes + trackBoxes),
    idp: ratio(idtp, trackBoxes),
    idr: ratio(idtp, gtBoxes),
    gtTrajectories: perGt.length,
    trackTrajectories: trIds.length,
    mostlyTracked: perGt.filter((g) => g.coverageClass === 'mostly-tracked').length,
    partiallyTracked: perGt.filter((g) => g.coverageClass === 'partially-tracked').length,
    mostlyLost: perGt.filter((g) => g.coverageClass === 'mostly-lost').length,
    perGt,
  };
  if (opts.events) summary.events = events;
  return summary;
}
