// AssemblyScript (compiled by server/scripts/build-wasm.mjs into dist/gallery/simd/gallery.wasm, SIMD enabled).
// WebAssembly kernels of the gallery's template search (host: src/gallery/simd/gallery-wasm.ts).
//
//   scoreI8:  first pass over the compact matrix: per row, `dim` int8 codes (padded with zeros to `stride - 16`
//             bytes) and the row's float32 scale at byte `stride - 16`; the query as int16 codes padded the same way.
//             Writes scale_row * qscale * (codes_row . codes_query) per row, four rows at a time.
//   scoreF32: float32 dot products of float32 rows (idea (a), measured by bench/gallery.mjs; not used by the index).
//   quantize: one float32 row to its int8 codes and scale (and the norms the host's error bound needs).
//   kthLargest / collect: the selection after the first pass (threshold, then candidate rows).
// The host owns the memory (imported, shared, so that growing it never detaches a buffer) and lays out every buffer
// from heapBase(); nothing here allocates and nothing here is atomic: one thread uses an instance at a time.

/** First free byte after the module's own data; the host aligns it and uses everything above. */
export function heapBase(): usize {
  return __heap_base;
}

// @ts-ignore: decorator
@inline function hsum(v: v128): i32 {
  return i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1) + i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3);
}

// @ts-ignore: decorator
@inline function hsumf(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/**
 * Approximate scores of rows [0, rows) of the int8 matrix at `matrix` (row r at matrix + r stride) against the int16
 * query at `query` (stride - 16 codes, a multiple of 16): out[r] = scale_r * qscale * integer dot product. The host
 * bounds the query codes so that the int32 sums cannot overflow (|sum| <= 128 |code|max (stride - 16) < 2^31).
 */
export function scoreI8(matrix: usize, stride: usize, rows: i32, query: usize, qscale: f32, out: usize): void {
  const bytes = stride - 16;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const p0 = matrix + <usize>r * stride, p1 = p0 + stride, p2 = p1 + stride, p3 = p2 + stride;
    let a0 = i32x4.splat(0), a1 = i32x4.splat(0), a2 = i32x4.splat(0), a3 = i32x4.splat(0);
    for (let j: usize = 0; j < bytes; j += 16) {
      const qlo = v128.load(query + (j << 1)), qhi = v128.load(query + (j << 1), 16);
      const x0 = v128.load(p0 + j), x1 = v128.load(p1 + j), x2 = v128.load(p2 + j), x3 = v128.load(p3 + j);
      a0 = i32x4.add(a0, i32x4.add(i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(x0), qlo), i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(x0), qhi)));
      a1 = i32x4.add(a1, i32x4.add(i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(x1), qlo), i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(x1), qhi)));
      a2 = i32x4.add(a2, i32x4.add(i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(x2), qlo), i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(x2), qhi)));
      a3 = i32x4.add(a3, i32x4.add(i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(x3), qlo), i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(x3), qhi)));
    }
    const o = out + (<usize>r << 2);
    store<f32>(o, <f32>hsum(a0) * (load<f32>(p0 + bytes) * qscale));
    store<f32>(o, <f32>hsum(a1) * (load<f32>(p1 + bytes) * qscale), 4);
    store<f32>(o, <f32>hsum(a2) * (load<f32>(p2 + bytes) * qscale), 8);
    store<f32>(o, <f32>hsum(a3) * (load<f32>(p3 + bytes) * qscale), 12);
  }
  for (; r < rows; r++) {
    const p0 = matrix + <usize>r * stride;
    let a0 = i32x4.splat(0);
    for (let j: usize = 0; j < bytes; j += 16) {
      const x0 = v128.load(p0 + j);
      a0 = i32x4.add(a0, i32x4.add(
        i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(x0), v128.load(query + (j << 1))),
        i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(x0), v128.load(query + (j << 1), 16)),
      ));
    }
    store<f32>(out + (<usize>r << 2), <f32>hsum(a0) * (load<f32>(p0 + bytes) * qscale));
  }
}

/**
 * Quantizes the float32 row at `src` (`padded` values, a multiple of 16, zeros past the real dimension) to int8 codes
 * at `dst` with the scale max|x| / 127 stored after them (at dst + padded). Writes to `stats` the float32 norms
 * |x - scale codes| (the quantization residual) and |x|, each computed in float32 (the host allows for their rounding).
 */
export function quantize(src: usize, padded: usize, dst: usize, stats: usize): void {
  let vmax = f32x4.splat(0);
  for (let j: usize = 0; j < padded; j += 16) {
    vmax = f32x4.max(vmax, f32x4.max(
      f32x4.max(f32x4.abs(v128.load(src + (j << 2))), f32x4.abs(v128.load(src + (j << 2), 16))),
      f32x4.max(f32x4.abs(v128.load(src + (j << 2), 32)), f32x4.abs(v128.load(src + (j << 2), 48))),
    ));
  }
  const m = max(max(f32x4.extract_lane(vmax, 0), f32x4.extract_lane(vmax, 1)), max(f32x4.extract_lane(vmax, 2), f32x4.extract_lane(vmax, 3)));
  const scale: f32 = m / 127;
  // x * (1 / scale) may round differently from x / scale; either is fine: the residual below uses the codes written.
  const inv = f32x4.splat(m > 0 ? <f32>127 / m : 0);
  const vs = f32x4.splat(scale);
  let r2 = f32x4.splat(0), n2 = f32x4.splat(0);
  for (let j: usize = 0; j < padded; j += 16) {
    const p = src + (j << 2);
    const x0 = v128.load(p), x1 = v128.load(p, 16), x2 = v128.load(p, 32), x3 = v128.load(p, 48);
    const c0 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(x0, inv)));
    const c1 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(x1, inv)));
    const c2 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(x2, inv)));
    const c3 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(x3, inv)));
    // Codes lie in [-127, 127] (|x| <= max); the saturating narrows keep any stray rounding in range.
    const codes = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(c0, c1), i16x8.narrow_i32x4_s(c2, c3));
    v128.store(dst + j, codes);
    const e0 = f32x4.sub(x0, f32x4.mul(f32x4.convert_i32x4_s(c0), vs));
    const e1 = f32x4.sub(x1, f32x4.mul(f32x4.convert_i32x4_s(c1), vs));
    const e2 = f32x4.sub(x2, f32x4.mul(f32x4.convert_i32x4_s(c2), vs));
    const e3 = f32x4.sub(x3, f32x4.mul(f32x4.convert_i32x4_s(c3), vs));
    r2 = f32x4.add(r2, f32x4.add(f32x4.add(f32x4.mul(e0, e0), f32x4.mul(e1, e1)), f32x4.add(f32x4.mul(e2, e2), f32x4.mul(e3, e3))));
    n2 = f32x4.add(n2, f32x4.add(f32x4.add(f32x4.mul(x0, x0), f32x4.mul(x1, x1)), f32x4.add(f32x4.mul(x2, x2), f32x4.mul(x3, x3))));
  }
  store<f32>(dst + padded, scale);
  store<f32>(stats, sqrt<f32>(hsumf(r2)));
  store<f32>(stats, sqrt<f32>(hsumf(n2)), 4);
}

/** Float32 dot products of rows [0, rows) (row r at matrix + 4 r dim, dim a multiple of 4) with `query`, four rows at a time. */
export function scoreF32(matrix: usize, dim: i32, rows: i32, query: usize, out: usize): void {
  const rowBytes = <usize>dim << 2;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const p0 = matrix + <usize>r * rowBytes, p1 = p0 + rowBytes, p2 = p1 + rowBytes, p3 = p2 + rowBytes;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    for (let j: usize = 0; j < rowBytes; j += 16) {
      const q = v128.load(query + j);
      a0 = f32x4.add(a0, f32x4.mul(v128.load(p0 + j), q));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(p1 + j), q));
      a2 = f32x4.add(a2, f32x4.mul(v128.load(p2 + j), q));
      a3 = f32x4.add(a3, f32x4.mul(v128.load(p3 + j), q));
    }
    const o = out + (<usize>r << 2);
    store<f32>(o, hsumf(a0));
    store<f32>(o, hsumf(a1), 4);
    store<f32>(o, hsumf(a2), 8);
    store<f32>(o, hsumf(a3), 12);
  }
  for (; r < rows; r++) {
    const p0 = matrix + <usize>r * rowBytes;
    let a0 = f32x4.splat(0);
    for (let j: usize = 0; j < rowBytes; j += 16) a0 = f32x4.add(a0, f32x4.mul(v128.load(p0 + j), v128.load(query + j)));
    store<f32>(out + (<usize>r << 2), hsumf(a0));
  }
}

/**
 * The k-th largest of the n floats at `scores` (NaN-free; -Infinity marks an excluded row), using k floats of scratch at
 * `heap` (a min-heap of the best k seen). k must be in [1, n].
 */
export function kthLargest(scores: usize, n: i32, k: i32, heap: usize): f32 {
  for (let i = 0; i < k; i++) siftUp(heap, i, load<f32>(scores + (<usize>i << 2)));
  let min = load<f32>(heap);
  for (let i = k; i < n; i++) {
    const s = load<f32>(scores + (<usize>i << 2));
    if (s > min) {
      siftDown(heap, k, s);
      min = load<f32>(heap);
    }
  }
  return min;
}

// @ts-ignore: decorator
@inline function siftUp(heap: usize, at: i32, s: f32): void {
  let c = at;
  while (c > 0) {
    const p = (c - 1) >> 1;
    const v = load<f32>(heap + (<usize>p << 2));
    if (v <= s) break;
    store<f32>(heap + (<usize>c << 2), v);
    c = p;
  }
  store<f32>(heap + (<usize>c << 2), s);
}

/** Replaces the root (the smallest) with s and restores the heap. */
function siftDown(heap: usize, k: i32, s: f32): void {
  let c = 0;
  for (;;) {
    const l = 2 * c + 1;
    if (l >= k) break;
    let w = l;
    let wv = load<f32>(heap + (<usize>l << 2));
    if (l + 1 < k) {
      const rv = load<f32>(heap + (<usize>(l + 1) << 2));
      if (rv < wv) {
        w = l + 1;
        wv = rv;
      }
    }
    if (wv >= s) break;
    store<f32>(heap + (<usize>c << 2), wv);
    c = w;
  }
  store<f32>(heap + (<usize>c << 2), s);
}

/** Writes the numbers (i32) of the rows whose score is >= threshold to `rows`; returns how many. */
export function collect(scores: usize, n: i32, threshold: f32, rows: usize): i32 {
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (load<f32>(scores + (<usize>i << 2)) >= threshold) {
      store<i32>(rows + (<usize>m << 2), i);
      m++;
    }
  }
  return m;
}
