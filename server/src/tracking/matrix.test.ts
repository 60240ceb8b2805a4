import { describe, expect, it } from 'vitest';
import { add, at, diagonal, fromRows, identity, invert, matrix, multiply, subtract, toRows, transpose } from './matrix.js';
import { seededRandom } from '../util/seeded-random.js';

describe('matrix helpers', () => {
  it('multiplies, transposes, adds and subtracts', () => {
    const a = fromRows([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const b = fromRows([
      [7, 8],
      [9, 10],
      [11, 12],
    ]);
    expect(toRows(multiply(a, b))).toEqual([
      [58, 64],
      [139, 154],
    ]);
    expect(toRows(transpose(a))).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    expect(toRows(subtract(add(a, a), a))).toEqual(toRows(a));
    expect(at(a, 1, 2)).toBe(6);
    expect(toRows(diagonal([2, 3]))).toEqual([
      [2, 0],
      [0, 3],
    ]);
    expect(() => multiply(a, a)).toThrow(RangeError);
    expect(() => add(a, b)).toThrow(RangeError);
    expect(() => matrix(2, 2, [1, 2, 3])).toThrow(RangeError);
    expect(() => fromRows([[1, 2], [3]])).toThrow(RangeError);
  });

  it('inverts well-conditioned matrices, pivoting past a zero diagonal', () => {
    const rand = seededRandom(7);
    for (let trial = 0; trial < 20; trial++) {
      const n = 1 + (trial % 7);
      const a = matrix(n, n, Array.from({ length: n * n }, () => rand() * 2 - 1));
      for (let i = 0; i < n; i++) a.data[i * n + i] += n; // diagonally dominant: invertible
      const product = multiply(a, invert(a));
      const eye = identity(n);
      product.data.forEach((v, i) => expect(v).toBeCloseTo(eye.data[i], 12));
    }
    expect(toRows(invert(diagonal([1e20, 1e-3])))).toEqual([
      [1e-20, 0],
      [0, 1000],
    ]);
    const swap = fromRows([
      [0, 1],
      [1, 0],
    ]);
    expect(toRows(invert(swap))).toEqual(toRows(swap));
  });

  it('refuses singular and non-square matrices', () => {
    expect(() =>
      invert(
        fromRows([
          [1, 2],
          [2, 4],
        ]),
      ),
    ).toThrow(/singular/);
    expect(() => invert(matrix(2, 3))).toThrow(RangeError);
  });
});
