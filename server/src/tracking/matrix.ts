/**
 * Dense row-major matrices for the tracker: the Kalman filter works on 7x7 / 4x7 / 4x4 and the assignment on
 * tracks x detections, all tiny, so plain loops over a Float64Array are all we need.
 */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export function matrix(rows: number, cols: number, values?: ArrayLike<number>): Matrix {
  const data = new Float64Array(rows * cols);
  if (values) {
    if (values.length !== data.length) throw new RangeError(`expected ${data.length} values for ${rows}x${cols}, got ${values.length}`);
    data.set(values);
  }
  return { rows, cols, data };
}

/** From nested rows; `cols` is needed only when there are no rows. */
export function fromRows(rows: readonly (readonly number[])[], cols = rows[0]?.length ?? 0): Matrix {
  const m = matrix(rows.length, cols);
  rows.forEach((row, i) => {
    if (row.length !== cols) throw new RangeError(`row ${i} has ${row.length} values, expected ${cols}`);
    m.data.set(row, i * cols);
  });
  return m;
}

export function toRows(a: Matrix): number[][] {
  return Array.from({ length: a.rows }, (_, i) => Array.from(a.data.subarray(i * a.cols, (i + 1) * a.cols)));
}

export function identity(n: number): Matrix {
  const m = matrix(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

export function diagonal(values: readonly number[]): Matrix {
  const n = values.length;
  const m = matrix(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = values[i];
  return m;
}

export function at(a: Matrix, i: number, j: number): number {
  return a.data[i * a.cols + j];
}

export function transpose(a: Matrix): Matrix {
  const t = matrix(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) t.data[j * a.rows + i] = a.data[i * a.cols + j];
  return t;
}

export function multiply(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) throw new RangeError(`cannot multiply ${a.rows}x${a.cols} by ${b.rows}x${b.cols}`);
  const out = matrix(a.rows, b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < a.cols; k++) {
      const aik = a.data[i * a.cols + k];
      if (aik === 0) continue;
      for (let j = 0; j < b.cols; j++) out.data[i * b.cols + j] += aik * b.data[k * b.cols + j];
    }
  }
  return out;
}

function combine(a: Matrix, b: Matrix, sign: 1 | -1): Matrix {
  if (a.rows !== b.rows || a.cols !== b.cols) throw new RangeError(`shape mismatch ${a.rows}x${a.cols} vs ${b.rows}x${b.cols}`);
  const out = matrix(a.rows, a.cols);
  for (let i = 0; i < out.data.length; i++) out.data[i] = a.data[i] + sign * b.data[i];
  return out;
}

export const add = (a: Matrix, b: Matrix): Matrix => combine(a, b, 1);
export const subtract = (a: Matrix, b: Matrix): Matrix => combine(a, b, -1);

/** Gauss-Jordan with partial pivoting; throws on a (numerically) singular matrix. */
export function invert(a: Matrix): Matrix {
  const n = a.rows;
  if (a.cols !== n) throw new RangeError(`cannot invert a ${a.rows}x${a.cols} matrix`);
  const w = Float64Array.from(a.data);
  const inv = identity(n).data;
  // Singularity is judged per column: a covariance may mix variances 20 orders of magnitude apart.
  const colScale = new Float64Array(n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) colScale[c] = Math.max(colScale[c], Math.abs(w[r * n + c]));
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(w[r * n + col]) > Math.abs(w[pivot * n + col])) pivot = r;
    const p = w[pivot * n + col];
    if (!(Math.abs(p) > colScale[col] * 1e-14)) throw new RangeError('matrix is singular');
    if (pivot !== col) {
      for (let j = 0; j < n; j++) {
        [w[col * n + j], w[pivot * n + j]] = [w[pivot * n + j], w[col * n + j]];
        [inv[col * n + j], inv[pivot * n + j]] = [inv[pivot * n + j], inv[col * n + j]];
      }
    }
    for (let j = 0; j < n; j++) {
      w[col * n + j] /= p;
      inv[col * n + j] /= p;
    }
    for (let r = 0; r < n; r++) {
      const f = w[r * n + col];
      if (r === col || f === 0) continue;
      for (let j = 0; j < n; j++) {
        w[r * n + j] -= f * w[col * n + j];
        inv[r * n + j] -= f * inv[col * n + j];
      }
    }
  }
  return { rows: n, cols: n, data: inv };
}
