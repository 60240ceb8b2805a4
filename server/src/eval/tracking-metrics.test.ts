import { describe, expect, it } from 'vitest';
import type { BoxXYXY } from './detection-metrics.js';
import { evaluateTracking, minCostAssignment, type GtBox, type TrackBox } from './tracking-metrics.js';

/** A 20x20 box with its left edge at x (y fixed), moving objects are built from these. */
const at = (x: number, y = 0): BoxXYXY => [x, y, x + 20, y + 20];

/** Ground truth for `frames` frames of objects A (moving right from 0) and B (moving left from 200), 10 px/frame. */
function crossing(frames: number): GtBox[] {
  const out: GtBox[] = [];
  for (let f = 0; f < frames; f++) {
    out.push({ frame: f, gtId: 'A', box: at(10 * f) });
    out.push({ frame: f, gtId: 'B', box: at(200 - 10 * f, 15) }); // passes A at frame 10, overlapping it by IoU 0.14
  }
  return out;
}

const feedBack = (gt: GtBox[], rename: (g: GtBox) => number | undefined = (g) => (g.gtId === 'A' ? 1 : 2)): TrackBox[] =>
  gt.flatMap((g) => {
    const trackId = rename(g);
    return trackId === undefined ? [] : [{ frame: g.frame, trackId, box: g.box }];
  });

describe('minCostAssignment', () => {
  const bruteForce = (cost: number[][]): number => {
    const rows = cost.length;
    const cols = cost[0].length;
    let best = Infinity;
    const used = new Array(cols).fill(false);
    const rec = (r: number, acc: number, assigned: number) => {
      if (r === rows) {
        if (assigned === Math.min(rows, cols)) best = Math.min(best, acc);
        return;
      }
      if (rows - r + assigned > Math.min(rows, cols)) rec(r + 1, acc, assigned); // leave row r unassigned
      for (let c = 0; c < cols; c++) {
        if (used[c]) continue;
        used[c] = true;
        rec(r + 1, acc + cost[r][c], assigned + 1);
        used[c] = false;
      }
    };
    rec(0, 0, 0);
    return best;
  };

  it('finds the optimum of small square and rectangular matrices (checked by brute force)', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (const [rows, cols] of [[1, 1], [3, 3], [4, 4], [2, 5], [5, 2], [4, 6], [6, 3]]) {
      for (let trial = 0; trial < 20; trial++) {
        const cost = Array.from({ length: rows }, () => Array.from({ length: cols }, () => Math.round(rnd() * 100) / 10));
        const assigned = minCostAssignment(cost);
        const usedCols = assigned.filter((c) => c >= 0);
        expect(new Set(usedCols).size).toBe(usedCols.length);
        expect(usedCols.length).toBe(Math.min(rows, cols));
        const total = assigned.reduce((s, c, r) => s + (c >= 0 ? cost[r][c] : 0), 0);
        expect(total).toBeCloseTo(bruteForce(cost), 9);
      }
    }
  });

  it('does not take the greedy choice when it is worse overall', () => {
    // Greedy would pick (0,0)=1 and then be forced to (1,1)=100.
    expect(minCostAssignment([[1, 2], [3, 100]])).toEqual([1, 0]);
    expect(minCostAssignment([])).toEqual([]);
  });
});

describe('evaluateTracking', () => {
  it('scores a perfect tracker as perfect', () => {
    const gt = crossing(20);
    const s = evaluateTracking(gt, feedBack(gt));
    expect(s).toMatchObject({ frames: 20, gtBoxes: 40, trackBoxes: 40, tp: 40, fp: 0, fn: 0, idSwitches: 0, fragmentations: 0 });
    expect(s.mota).toBe(1);
    expect(s.motp).toBe(1);
    expect(s.idf1).toBe(1);
    expect(s).toMatchObject({ gtTrajectories: 2, trackTrajectories: 2, mostlyTracked: 2, partiallyTracked: 0, mostlyLost: 0 });
    expect(s.perGt.map((g) => [g.gtId, g.trackIds, g.coverage])).toEqual([
      ['A', [1], 1],
      ['B', [2], 1],
    ]);
  });

  it('counts an identity swap once per object and lowers IDF1 but not the hits', () => {
    const gt = crossing(20);
    // After the crossing (frame 10 on) the tracker swaps the two identities.
    const s = evaluateTracking(gt, feedBack(gt, (g) => ((g.gtId === 'A') === g.frame < 10 ? 1 : 2)), { events: true });
    expect(s).toMatchObject({ tp: 40, fp: 0, fn: 0, idSwitches: 2, fragmentations: 0 });
    expect(s.mota).toBeCloseTo(1 - 2 / 40, 12);
    // Best one-to-one pairing keeps 10 of 20 frames per object.
    expect(s.idtp).toBe(20);
    expect(s.idf1).toBeCloseTo(0.5, 12);
    expect(s.perGt.map((g) => g.trackIds)).toEqual([
      [1, 2],
      [2, 1],
    ]);
    expect(s.events!.filter((e) => e.type === 'switch')).toEqual([
      { frame: 10, type: 'switch', gtId: 'A', trackId: 2, previousTrackId: 1 },
      { frame: 10, type: 'switch', gtId: 'B', trackId: 1, previousTrackId: 2 },
    ]);
  });

  it('counts a gap as misses and one fragmentation, and a new id after the gap as a switch', () => {
    const gt = crossing(20).filter((g) => g.gtId === 'A');
    const sameId = evaluateTracking(gt, feedBack(gt, (g) => (g.frame >= 5 && g.frame < 8 ? undefined : 1)));
    expect(sameId).toMatchObject({ tp: 17, fn: 3, fp: 0, idSwitches: 0, fragmentations: 1 });
    expect(sameId.mota).toBeCloseTo(1 - 3 / 20, 12);
    expect(sameId.perGt[0].coverageClass).toBe('mostly-tracked');

    const newId = evaluateTracking(gt, feedBack(gt, (g) => (g.frame < 5 ? 1 : g.frame < 8 ? undefined : 7)));
    expect(newId).toMatchObject({ tp: 17, fn: 3, idSwitches: 1, fragmentations: 1 });
    expect(newId.perGt[0].trackIds).toEqual([1, 7]);
    expect(newId.idtp).toBe(12);
  });

  it('counts a spurious track as false positives and classifies a barely tracked object as mostly lost', () => {
    const gt = crossing(10);
    const tracks = feedBack(gt, (g) => (g.gtId === 'A' ? 1 : g.frame < 2 ? 2 : undefined));
    for (let f = 3; f < 7; f++) tracks.push({ frame: f, trackId: 9, box: at(500, 300) });
    const s = evaluateTracking(gt, tracks);
    expect(s).toMatchObject({ tp: 12, fn: 8, fp: 4, idSwitches: 0, trackTrajectories: 3 });
    expect(s.mota).toBeCloseTo(1 - 12 / 20, 12);
    expect(s.precision).toBeCloseTo(12 / 16, 12);
    expect(s).toMatchObject({ mostlyTracked: 1, partiallyTracked: 0, mostlyLost: 1 });
  });

  it('applies the IoU threshold and averages IoU over hits for MOTP', () => {
    const gt: GtBox[] = [
      { frame: 0, gtId: 1, box: [0, 0, 10, 10] },
      { frame: 1, gtId: 1, box: [0, 0, 10, 10] },
    ];
    const tracks: TrackBox[] = [
      { frame: 0, trackId: 1, box: [0, 0, 10, 20] }, // IoU 0.5: a hit
      { frame: 1, trackId: 1, box: [0, 0, 10, 25] }, // IoU 0.4: a miss and a false positive
    ];
    const s = evaluateTracking(gt, tracks);
    expect(s).toMatchObject({ tp: 1, fn: 1, fp: 1 });
    expect(s.motp).toBeCloseTo(0.5, 12);
    expect(evaluateTracking(gt, tracks, { iouThreshold: 0.3 })).toMatchObject({ tp: 2, fn: 0, fp: 0 });
  });

  it('keeps an established correspondence even when another assignment would have more IoU', () => {
    const gt: GtBox[] = [
      { frame: 0, gtId: 'A', box: [0, 0, 10, 10] },
      { frame: 0, gtId: 'B', box: [100, 0, 110, 10] },
      { frame: 1, gtId: 'A', box: [0, 0, 10, 10] },
    ];
    const tracks: TrackBox[] = [
      { frame: 0, trackId: 1, box: [0, 0, 10, 10] },
      { frame: 0, trackId: 2, box: [100, 0, 110, 10] },
      // Track 2 jumps onto A, fitting it better than A's own track 1 (IoU 0.6 vs 1).
      { frame: 1, trackId: 1, box: [0, 0, 10, 16] },
      { frame: 1, trackId: 2, box: [0, 0, 10, 10] },
    ];
    const s = evaluateTracking(gt, tracks);
    expect(s).toMatchObject({ tp: 3, fp: 1, idSwitches: 0 });
    expect(s.perGt.find((g) => g.gtId === 'A')!.trackIds).toEqual([1]);
  });

  it('treats not-required ground truth as do-not-care', () => {
    const gt: GtBox[] = [
      { frame: 0, gtId: 1, box: at(0) },
      { frame: 1, gtId: 1, box: at(10), required: false },
      { frame: 2, gtId: 1, box: at(20), required: false },
      { frame: 3, gtId: 1, box: at(30) },
    ];
    // Reported in frame 1 (ignored), missed in frame 2 (not a miss), and the same track after.
    const tracks: TrackBox[] = [0, 1, 3].map((f) => ({ frame: f, trackId: 4, box: at(10 * f) }));
    const s = evaluateTracking(gt, tracks);
    expect(s).toMatchObject({ gtBoxes: 2, trackBoxes: 2, tp: 2, fn: 0, fp: 0, ignored: 1, fragmentations: 0, idf1: 1 });
    expect(s.perGt[0].frames).toBe(2);
  });

  it('rejects an id given twice in one frame', () => {
    expect(() => evaluateTracking([], [{ frame: 3, trackId: 1, box: at(0) }, { frame: 3, trackId: 1, box: at(50) }])).toThrow(/twice in frame 3/);
  });

  it('reports NaN ratios when there is nothing to score', () => {
    const s = evaluateTracking([], []);
    expect(s.frames).toBe(0);
    expect(s.mota).toBeNaN();
    expect(s.idf1).toBeNaN();
  });
});
