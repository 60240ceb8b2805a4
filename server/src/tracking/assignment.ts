/**
 * Optimal linear assignment on a rectangular cost matrix, and box overlap (IoU).
 *
 * The solver adds one row at a time along a shortest augmenting path (Dijkstra on reduced costs kept non-negative by
 * row/column potentials), the successive-shortest-path form of the Hungarian method that Jonker and Volgenant
 * popularised: O(n²m) for n ≤ m. A matrix with more rows than columns is solved transposed, so every row or every
 * column is assigned, whichever is fewer.
 *
 * Ties resolve deterministically: rows are added in index order and, among columns at equal path cost, a free column
 * is preferred (earlier rows keep their columns rather than being reshuffled at no gain), then the lower index. So
 * when two columns are equally good for a row the lower one gets it, and of two equal rows the lower one is served.
 */
import type { Box } from '../engine/types.js';
import { matrix, transpose, type Matrix } from './matrix.js';

export interface Assignment {
  /** Column of each row, -1 where the row is unassigned (only when rows > cols). */
  rowToCol: Int32Array;
  /** Row of each column, -1 where the column is unassigned (only when cols > rows). */
  colToRow: Int32Array;
  /** Sum of the assigned costs. */
  cost: number;
}

export function linearAssignment(cost: Matrix): Assignment {
  for (let i = 0; i < cost.data.length; i++) {
    if (!Number.isFinite(cost.data[i])) throw new RangeError(`cost[${Math.floor(i / cost.cols)}][${i % cost.cols}] is not finite: ${cost.data[i]}`);
  }
  const transposed = cost.rows > cost.cols;
  const c = transposed ? transpose(cost) : cost;
  const [rowToCol, colToRow] = solveRowsNotMoreThanCols(c.data, c.rows, c.cols);
  let total = 0;
  for (let i = 0; i < c.rows; i++) total += c.data[i * c.cols + rowToCol[i]];
  return transposed ? { rowToCol: colToRow, colToRow: rowToCol, cost: total } : { rowToCol, colToRow, cost: total };
}

/**
 * Invariants between rows: u[i] + v[j] <= c[i][j] for every pair (reduced cost >= 0), with equality on assigned
 * pairs. Those make each row's shortest augmenting path, and so the growing assignment, optimal.
 */
function solveRowsNotMoreThanCols(c: Float64Array, n: number, m: number): [Int32Array, Int32Array] {
  const u = new Float64Array(n);
  const v = new Float64Array(m);
  const rowToCol = new Int32Array(n).fill(-1);
  const colToRow = new Int32Array(m).fill(-1);
  const dist = new Float64Array(m);
  const pred = new Int32Array(m);
  const scanned = new Uint8Array(m);
  const rowDist = new Float64Array(n);
  const treeRows: number[] = [];
  const treeCols: number[] = [];

  for (let start = 0; start < n; start++) {
    // The new row has no assignment yet: its potential only has to keep its reduced costs non-negative.
    let minReduced = Infinity;
    for (let j = 0; j < m; j++) minReduced = Math.min(minReduced, c[start * m + j] - v[j]);
    u[start] = minReduced;

    dist.fill(Infinity);
    scanned.fill(0);
    treeRows.length = 0;
    treeCols.length = 0;
    let row = start;
    rowDist[start] = 0;
    treeRows.push(start);
    let pathLength = 0;
    let end = -1;
    while (end < 0) {
      const base = rowDist[row] - u[row];
      for (let j = 0; j < m; j++) {
        if (scanned[j]) continue;
        const d = base + c[row * m + j] - v[j];
        if (d < dist[j]) {
          dist[j] = d;
          pred[j] = row;
        }
      }
      let best = -1;
      for (let j = 0; j < m; j++) {
        if (scanned[j]) continue;
        if (best < 0 || dist[j] < dist[best] || (dist[j] === dist[best] && colToRow[j] < 0 && colToRow[best] >= 0)) best = j;
      }
      scanned[best] = 1;
      treeCols.push(best);
      pathLength = dist[best];
      if (colToRow[best] < 0) {
        end = best;
      } else {
        row = colToRow[best];
        rowDist[row] = pathLength;
        treeRows.push(row);
      }
    }

    // Shift potentials so the path just found has zero reduced cost and every reduced cost stays non-negative.
    for (const r of treeRows) u[r] += pathLength - rowDist[r];
    for (const j of treeCols) v[j] -= pathLength - dist[j];

    for (let j = end; j >= 0; ) {
      const r = pred[j];
      const previous = rowToCol[r];
      rowToCol[r] = j;
      colToRow[j] = r;
      j = previous; // -1 once we reach the start row, which had no column
    }
  }
  return [rowToCol, colToRow];
}

/** Intersection over union of two boxes; 0 when either has no area. */
export function iou(a: Box, b: Box): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (!(iw > 0 && ih > 0)) return 0;
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/** IoU of every (row, column) box pair. */
export function iouMatrix(rows: readonly Box[], cols: readonly Box[]): Matrix {
  const out = matrix(rows.length, cols.length);
  rows.forEach((a, i) => cols.forEach((b, j) => (out.data[i * cols.length + j] = iou(a, b))));
  return out;
}
