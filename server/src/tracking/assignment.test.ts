import { describe, expect, it } from 'vitest';
import type { Box } from '../engine/types.js';
import { iou, iouMatrix, linearAssignment } from './assignment.js';
import { fromRows, matrix, toRows, type Matrix } from './matrix.js';
import { seededRandom } from '../util/seeded-random.js';

const solve = (rows: number[][], cols?: number) => linearAssignment(fromRows(rows, cols));

/** Minimum total cost by enumerating every assignment of the smaller side. */
function bruteForce(cost: Matrix): number {
  const { rows: n, cols: m, data } = cost;
  const c = (i: number, j: number) => (n <= m ? data[i * m + j] : data[j * m + i]);
  const [few, many] = n <= m ? [n, m] : [m, n];
  const used = new Uint8Array(many);
  const best = (i: number): number => {
    if (i === few) return 0;
    let min = Infinity;
    for (let j = 0; j < many; j++) {
      if (used[j]) continue;
      used[j] = 1;
      min = Math.min(min, c(i, j) + best(i + 1));
      used[j] = 0;
    }
    return min;
  };
  return best(0);
}

/** The result is a matching of min(rows, cols) pairs, consistent both ways, and its cost is what it says. */
function expectValidAssignment(cost: Matrix, result: ReturnType<typeof linearAssignment>) {
  const { rowToCol, colToRow } = result;
  expect(rowToCol.length).toBe(cost.rows);
  expect(colToRow.length).toBe(cost.cols);
  let pairs = 0;
  let total = 0;
  rowToCol.forEach((j, i) => {
    if (j < 0) return;
    pairs++;
    expect(colToRow[j]).toBe(i);
    total += cost.data[i * cost.cols + j];
  });
  expect(colToRow.filter((i) => i >= 0).length).toBe(pairs);
  expect(pairs).toBe(Math.min(cost.rows, cost.cols));
  expect(result.cost).toBeCloseTo(total, 12);
}

describe('iou', () => {
  it('measures overlap', () => {
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    expect(iou([0, 0, 2, 2], [1, 0, 3, 2])).toBeCloseTo(1 / 3, 15);
    expect(iou([0, 0, 4, 4], [1, 1, 3, 3])).toBeCloseTo(4 / 16, 15);
    expect(iou([0, 0, 2, 2], [2, 0, 4, 2])).toBe(0); // touching edges
    expect(iou([0, 0, 2, 2], [5, 5, 6, 6])).toBe(0);
    expect(iou([1, 1, 1, 3], [0, 0, 2, 2])).toBe(0); // zero width
  });

  it('builds the rows x cols matrix', () => {
    const a: Box[] = [
      [0, 0, 2, 2],
      [10, 10, 12, 12],
    ];
    const b: Box[] = [
      [1, 0, 3, 2],
      [10, 10, 12, 12],
      [50, 50, 51, 51],
    ];
    const m = iouMatrix(a, b);
    expect([m.rows, m.cols]).toEqual([2, 3]);
    expect(toRows(m).map((r) => r.map((v) => +v.toFixed(4)))).toEqual([
      [0.3333, 0, 0],
      [0, 1, 0],
    ]);
    expect(iouMatrix([], b)).toMatchObject({ rows: 0, cols: 3 });
  });
});

describe('linearAssignment', () => {
  it('finds the optimum where greedy does not', () => {
    // Greedy takes the 1 and is left with 100; the optimum is 2 + 2.
    const r = solve([
      [1, 2],
      [2, 100],
    ]);
    expect(Array.from(r.rowToCol)).toEqual([1, 0]);
    expect(r.cost).toBe(4);

    const r3 = solve([
      [4, 1, 3],
      [2, 0, 5],
      [3, 2, 2],
    ]);
    expect(Array.from(r3.rowToCol)).toEqual([1, 0, 2]);
    expect(r3.cost).toBe(5);
  });

  it('solves wide and tall matrices', () => {
    const wide = solve([
      [9, 1, 9, 9],
      [9, 9, 9, 2],
    ]);
    expect(Array.from(wide.rowToCol)).toEqual([1, 3]);
    expect(Array.from(wide.colToRow)).toEqual([-1, 0, -1, 1]);
    expect(wide.cost).toBe(3);

    const tall = solve([[9, 9], [1, 9], [9, 9], [9, 2]]);
    expect(Array.from(tall.rowToCol)).toEqual([-1, 0, -1, 1]);
    expect(Array.from(tall.colToRow)).toEqual([1, 3]);
    expect(tall.cost).toBe(3);
  });

  it('handles empty matrices and negative costs', () => {
    expect(linearAssignment(matrix(0, 3))).toMatchObject({ cost: 0 });
    expect(Array.from(linearAssignment(matrix(0, 3)).colToRow)).toEqual([-1, -1, -1]);
    expect(Array.from(linearAssignment(matrix(2, 0)).rowToCol)).toEqual([-1, -1]);
    const neg = solve([
      [-0.9, -0.2],
      [-0.8, 0],
    ]);
    expect(Array.from(neg.rowToCol)).toEqual([1, 0]);
    expect(neg.cost).toBeCloseTo(-1.0, 15);
  });

  it('breaks ties towards the lower index, deterministically', () => {
    expect(Array.from(solve([[5, 5, 5]]).rowToCol)).toEqual([0]);
    expect(Array.from(solve([[5], [5], [5]]).colToRow)).toEqual([0]);
    const flat = Array.from({ length: 4 }, () => [1, 1, 1, 1]);
    expect(Array.from(solve(flat).rowToCol)).toEqual([0, 1, 2, 3]);
    // Two equal candidates for row 0; row 1 only wants column 2.
    expect(Array.from(solve([[0, 0, 3], [3, 3, 0]]).rowToCol)).toEqual([0, 2]);
    // Row 1 ties between column 0 (taken by row 0) and column 2 (free): it takes the free one and row 0 keeps its
    // column, rather than an equally cheap reshuffle that moves row 0 to column 1.
    expect(Array.from(solve([[0, 0, 9], [0, 9, 0]]).rowToCol)).toEqual([0, 2]);
    // Same input, same answer.
    const m = [
      [1, 1, 2],
      [1, 1, 2],
      [2, 2, 1],
    ];
    expect(Array.from(solve(m).rowToCol)).toEqual(Array.from(solve(m).rowToCol));
  });

  it('matches brute force on random small matrices (float and tie-heavy integer costs)', () => {
    const rand = seededRandom(2016);
    for (let trial = 0; trial < 600; trial++) {
      const rows = 1 + Math.floor(rand() * 6);
      const cols = 1 + Math.floor(rand() * 6);
      const integer = trial % 2 === 1;
      const cost = matrix(rows, cols, Array.from({ length: rows * cols }, () => (integer ? Math.floor(rand() * 4) : rand() * 20 - 10)));
      const result = linearAssignment(cost);
      expectValidAssignment(cost, result);
      expect(result.cost).toBeCloseTo(bruteForce(cost), 9);
    }
  });

  it('refuses non-finite costs', () => {
    expect(() => solve([[1, NaN]])).toThrow(/not finite/);
    expect(() => solve([[1], [Infinity]])).toThrow(RangeError);
  });
});
