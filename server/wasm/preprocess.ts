// AssemblyScript (compiled by server/scripts/build-wasm.mjs into dist/engine/simd/preprocess.wasm, SIMD enabled).
// WebAssembly kernels of the engine's two pixel loops, bit-identical to the JavaScript references:
//   resize: resizeLinearToPlanes in src/engine/image-tensor.ts (OpenCV INTER_LINEAR fixed point, to float planes)
//   warp:   warpAffineJs in src/engine/align.ts (OpenCV warpAffine fixed point, bilinear, border 0)
// The host (src/engine/simd/preprocess-wasm.ts) owns the memory: it lays out every buffer from heapBase(), fills the
// tables (all coordinate and weight arithmetic that involves floating point stays in JavaScript) and copies pixels
// in and out. Nothing here allocates.

/** First free byte after the module's own data; the host aligns it and uses everything above. */
export function heapBase(): usize {
  return __heap_base;
}

// The source pixel pairs of two consecutive output columns: 8 bytes at each column's left pixel, [R0 G0 B0 R1 G1 B1 . .],
// in the low and the high half.
// @ts-ignore: decorator
@inline function pairs4(row: usize, xofs: usize): v128 {
  let v = v128.load64_zero(row + <usize>load<u32>(xofs));
  return v128.load64_lane(row + <usize>load<u32>(xofs, 4), v, 1);
}

/**
 * Horizontal pass of one interleaved RGB source row into three planar 16-bit rows (R at dst, G at dst + planeBytes,
 * B at dst + 2 planeBytes) holding S >> 4, where S = src[i0] a0 + src[i0 + 1] a1 with 11-bit weights (the second
 * tap of the reference, min(i0 + 1, w - 1), differs from i0 + 1 only where a1 is 0). Eight columns at a time: the
 * host pads the column tables to a multiple of 8 with offset 0 and weights 0, which also zeroes the padding lanes.
 */
// @ts-ignore: decorator
@inline function hresize(row: usize, dst: usize, planeBytes: usize, xofs: usize, xw: usize, n: i32): void {
  const dstG = dst + planeBytes, dstB = dstG + planeBytes;
  for (let x = 0; x < n; x += 8) {
    const ofs = xofs + (<usize>x << 2), w = xw + (<usize>x << 2);
    const a = pairs4(row, ofs), b = pairs4(row, ofs + 8);
    const c = pairs4(row, ofs + 16), d = pairs4(row, ofs + 24);
    const rg0 = i8x16.shuffle(a, b, 0, 3, 8, 11, 16, 19, 24, 27, 1, 4, 9, 12, 17, 20, 25, 28);
    const rg1 = i8x16.shuffle(c, d, 0, 3, 8, 11, 16, 19, 24, 27, 1, 4, 9, 12, 17, 20, 25, 28);
    const bb = i8x16.shuffle(a, b, 2, 5, 10, 13, 18, 21, 26, 29, 2, 5, 10, 13, 18, 21, 26, 29);
    const bb1 = i8x16.shuffle(c, d, 2, 5, 10, 13, 18, 21, 26, 29, 2, 5, 10, 13, 18, 21, 26, 29);
    // Weights a0 | a1 << 16 per column: a dot product of adjacent 16-bit pairs is left a0 + right a1.
    const w0 = v128.load(w), w1 = v128.load(w, 16);
    const o = <usize>x << 1;
    // S >> 4 <= 32640 fits 16 bits.
    v128.store(dst + o, i16x8.narrow_i32x4_s(
      i32x4.shr_s(i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(rg0), w0), 4),
      i32x4.shr_s(i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(rg1), w1), 4),
    ));
    v128.store(dstG + o, i16x8.narrow_i32x4_s(
      i32x4.shr_s(i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(rg0), w0), 4),
      i32x4.shr_s(i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(rg1), w1), 4),
    ));
    v128.store(dstB + o, i16x8.narrow_i32x4_s(
      i32x4.shr_s(i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(bb), w0), 4),
      i32x4.shr_s(i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(bb1), w1), 4),
    ));
  }
}

/**
 * Resize to newW x newH and write normalized float planes.
 *   xofs: per output column, the byte offset of its left source pixel within a row (u32), padded to a multiple of 8
 *   xw:   per output column, the 11-bit weights a0 | a1 << 16, padded like xofs with zeros
 *   yofs: per output row, the addresses of its two source rows (u32 pairs)
 *   yw:   per output row, the 11-bit weights b0, b1 (i32 pairs)
 *   rows: scratch for two cached horizontally resized rows, each 3 planes of planeBytes
 *   out:  channel c of output row y at out + c outPlaneBytes + 4 y width; columns newW..width-1 get `pad`
 *   mode: 0 computes (v - mean) * inv in float32 (the host checked that this equals the table for every v);
 *         1 looks the 256-entry float table `lut` up
 * Vector stores may run up to 7 floats past a row's content; the host leaves room after each plane.
 */
export function resize(
  xofs: usize, xw: usize, yofs: usize, yw: usize, newW: i32, newH: i32,
  rows: usize, planeBytes: usize, out: usize, outPlaneBytes: usize, width: i32,
  mode: i32, mean: f32, inv: f32, lut: usize, pad: f32,
): void {
  let bufA = rows, bufB = rows + 3 * planeBytes;
  let keyA: usize = <usize>-1, keyB: usize = <usize>-1;
  const two = i32x4.splat(2);
  const vmean = f32x4.splat(mean), vinv = f32x4.splat(inv), vpad = f32x4.splat(pad);
  const rowBytes = <usize>width << 2;
  for (let y = 0; y < newH; y++) {
    const p0 = <usize>load<u32>(yofs + (<usize>y << 3));
    const p1 = <usize>load<u32>(yofs + (<usize>y << 3), 4);
    // The same two-row cache as the reference: consecutive output rows mostly share their source rows.
    let s0: usize, s1: usize;
    if (p0 == keyA) s0 = bufA;
    else if (p0 == keyB) s0 = bufB;
    else {
      const t = bufA; bufA = bufB; bufB = t; keyA = keyB;
      hresize(p0, bufB, planeBytes, xofs, xw, newW);
      keyB = p0;
      s0 = bufB;
    }
    if (p1 == p0) s1 = s0;
    else if (p1 == keyA) s1 = bufA;
    else if (p1 == keyB) s1 = bufB;
    else {
      const t = bufA; bufA = bufB; bufB = t; keyA = keyB;
      hresize(p1, bufB, planeBytes, xofs, xw, newW);
      keyB = p1;
      s1 = bufB;
    }
    const vb0 = i16x8.splat(<i16>load<i32>(yw + (<usize>y << 3)));
    const vb1 = i16x8.splat(<i16>load<i32>(yw + (<usize>y << 3), 4));
    for (let c = 0; c < 3; c++) {
      const a = s0 + <usize>c * planeBytes, b = s1 + <usize>c * planeBytes;
      const o = out + <usize>c * outPlaneBytes + <usize>y * rowBytes;
      for (let x = 0; x < newW; x += 8) {
        const va = v128.load(a + (<usize>x << 1)), vb = v128.load(b + (<usize>x << 1));
        // ((S0 >> 4) b0 >> 16) + ((S1 >> 4) b1 >> 16), then + 2 >> 2: the weights sum to 2048, so 0..255.
        let lo = i32x4.add(
          i32x4.shr_s(i32x4.extmul_low_i16x8_s(va, vb0), 16),
          i32x4.shr_s(i32x4.extmul_low_i16x8_s(vb, vb1), 16),
        );
        let hi = i32x4.add(
          i32x4.shr_s(i32x4.extmul_high_i16x8_s(va, vb0), 16),
          i32x4.shr_s(i32x4.extmul_high_i16x8_s(vb, vb1), 16),
        );
        lo = i32x4.shr_s(i32x4.add(lo, two), 2);
        hi = i32x4.shr_s(i32x4.add(hi, two), 2);
        const q = o + (<usize>x << 2);
        if (mode == 0) {
          v128.store(q, f32x4.mul(f32x4.sub(f32x4.convert_i32x4_s(lo), vmean), vinv));
          v128.store(q, f32x4.mul(f32x4.sub(f32x4.convert_i32x4_s(hi), vmean), vinv), 16);
        } else {
          store<f32>(q, load<f32>(lut + (<usize>i32x4.extract_lane(lo, 0) << 2)));
          store<f32>(q, load<f32>(lut + (<usize>i32x4.extract_lane(lo, 1) << 2)), 4);
          store<f32>(q, load<f32>(lut + (<usize>i32x4.extract_lane(lo, 2) << 2)), 8);
          store<f32>(q, load<f32>(lut + (<usize>i32x4.extract_lane(lo, 3) << 2)), 12);
          store<f32>(q, load<f32>(lut + (<usize>i32x4.extract_lane(hi, 0) << 2)), 16);
          store<f32>(q, load<f32>(lut + (<usize>i32x4.extract_lane(hi, 1) << 2)), 20);
          store<f32>(q, load<f32>(lut + (<usize>i32x4.extract_lane(hi, 2) << 2)), 24);
          store<f32>(q, load<f32>(lut + (<usize>i32x4.extract_lane(hi, 3) << 2)), 28);
        }
      }
      // Letterbox padding right of the content (after the content: the last vector may have spilled into it).
      let x = newW;
      for (; x + 4 <= width; x += 4) v128.store(o + (<usize>x << 2), vpad);
      for (; x < width; x++) store<f32>(o + (<usize>x << 2), pad);
    }
  }
}

/**
 * One output pixel whose four taps lie inside the image and whose weights all fit 16 bits (table entry t != 0):
 * the top pair [p00 p01] and the bottom pair [p10 p11] are loaded 8 bytes each and regrouped per channel as
 * (left, right) 16-bit pairs; a dot product with the (w00, w01) and (w10, w11) pairs gives each channel.
 * Writes 4 bytes at o: the fourth is garbage that the next pixel overwrites (the host leaves a spare byte at the end).
 */
// @ts-ignore: decorator
@inline function bilinear(p: usize, sstride: usize, tab: usize, t: usize, o: usize): void {
  let v = v128.load64_zero(p);
  v = v128.load64_lane(p + sstride, v, 1);
  const s = i8x16.shuffle(v, v, 0, 3, 1, 4, 2, 5, 6, 7, 8, 11, 9, 12, 10, 13, 14, 15);
  const w = v128.load64_zero(tab + t);
  let d = i32x4.add(
    i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(s), i32x4.shuffle(w, w, 0, 0, 0, 0)),
    i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(s), i32x4.shuffle(w, w, 1, 1, 1, 1)),
  );
  d = i32x4.shr_s(i32x4.add(d, i32x4.splat(1 << 14)), 15);
  const n = i16x8.narrow_i32x4_u(d, d);
  v128.store32_lane(o, i8x16.narrow_i16x8_u(n, n), 0);
}

/** Any output pixel, at integer source position (x0, y0) plus table entry t (byte offset), as the reference does. */
// @ts-ignore: decorator
@inline function anyPixel(base: usize, sstride: i32, W: i32, H: i32, x0: i32, y0: i32, tab: usize, t: usize, o: usize): void {
  if (<u32>x0 < <u32>(W - 1) && <u32>y0 < <u32>(H - 1)) {
    const p = base + <usize>(y0 * sstride) + <usize>(x0 * 3);
    // Entry 0 is all weight (32768, beyond 16 bits) on p00: the result is p00 itself.
    if (t == 0) store<u32>(o, load<u32>(p));
    else bilinear(p, <usize>sstride, tab, t, o);
  } else if (x0 >= -1 && y0 >= -1 && x0 < W && y0 < H) {
    // Partly outside: taps outside the image read the border value 0.
    const inX0 = x0 >= 0, inX1 = x0 + 1 < W, inY0 = y0 >= 0, inY1 = y0 + 1 < H;
    const w00 = <i32>load<u16>(tab + t), w01 = <i32>load<u16>(tab + t, 2);
    const w10 = <i32>load<u16>(tab + t, 4), w11 = <i32>load<u16>(tab + t, 6);
    const p = base + <usize>(y0 * sstride) + <usize>(x0 * 3);
    const q = p + <usize>sstride;
    for (let ch: usize = 0; ch < 3; ch++) {
      const v00: i32 = inY0 && inX0 ? <i32>load<u8>(p + ch) : 0;
      const v01: i32 = inY0 && inX1 ? <i32>load<u8>(p + ch, 3) : 0;
      const v10: i32 = inY1 && inX0 ? <i32>load<u8>(q + ch) : 0;
      const v11: i32 = inY1 && inX1 ? <i32>load<u8>(q + ch, 3) : 0;
      store<u8>(o + ch, <u8>((v00 * w00 + v01 * w01 + v10 * w10 + v11 * w11 + (1 << 14)) >> 15));
    }
  } else {
    store<u32>(o, 0);
  }
}

/**
 * warpAffine with OpenCV's fixed-point arithmetic into width x height interleaved RGB at out (needs 1 spare byte).
 *   base:    address of source pixel (0, 0) with row stride sstride; only the rows and columns that the warp can
 *            read inside the W x H image need to be present (the host copies that bounding box)
 *   adx/ady: per output column, round(a x 1024) and round(d x 1024) (i32), padded with 3 more entries
 *   x0s/y0s: per output row, round((b y + c) 1024) + 16 and round((e y + f) 1024) + 16 (i32)
 *   tab:     32 x 32 entries of four u16 weights (w00 w01 w10 w11) summing to 32768; only entry 0 holds 32768
 * Coordinates go four columns at a time; when all four are fully inside with 16-bit weights, straight to bilinear.
 */
export function warp(
  base: usize, sstride: i32, W: i32, H: i32, adx: usize, ady: usize, x0s: usize, y0s: usize,
  tab: usize, out: usize, width: i32, height: i32,
): void {
  const zero = i32x4.splat(0), minusOne = i32x4.splat(-1);
  const lastX = i32x4.splat(W - 1), lastY = i32x4.splat(H - 1), mask = i32x4.splat(31);
  const vstride = i32x4.splat(sstride), vbase = i32x4.splat(<i32>base), three = i32x4.splat(3);
  let o = out;
  for (let y = 0; y < height; y++) {
    const X0 = load<i32>(x0s + (<usize>y << 2)), Y0 = load<i32>(y0s + (<usize>y << 2));
    const vX0 = i32x4.splat(X0), vY0 = i32x4.splat(Y0);
    for (let x = 0; x < width; x += 4) {
      const X = i32x4.shr_s(i32x4.add(vX0, v128.load(adx + (<usize>x << 2))), 5);
      const Y = i32x4.shr_s(i32x4.add(vY0, v128.load(ady + (<usize>x << 2))), 5);
      const x0 = i32x4.shr_s(X, 5), y0 = i32x4.shr_s(Y, 5);
      const t = i32x4.shl(v128.or(i32x4.shl(v128.and(Y, mask), 5), v128.and(X, mask)), 3);
      const n = min(4, width - x);
      // 0 <= x0 < W - 1 and 0 <= y0 < H - 1 and t != 0, in all four lanes.
      const fast = v128.and(
        v128.and(i32x4.gt_s(x0, minusOne), i32x4.lt_s(x0, lastX)),
        v128.and(v128.and(i32x4.gt_s(y0, minusOne), i32x4.lt_s(y0, lastY)), v128.not(i32x4.eq(t, zero))),
      );
      if (n == 4 && i32x4.all_true(fast)) {
        const p = i32x4.add(vbase, i32x4.add(i32x4.mul(y0, vstride), i32x4.mul(x0, three)));
        bilinear(<usize>i32x4.extract_lane(p, 0), <usize>sstride, tab, <usize>i32x4.extract_lane(t, 0), o);
        bilinear(<usize>i32x4.extract_lane(p, 1), <usize>sstride, tab, <usize>i32x4.extract_lane(t, 1), o + 3);
        bilinear(<usize>i32x4.extract_lane(p, 2), <usize>sstride, tab, <usize>i32x4.extract_lane(t, 2), o + 6);
        bilinear(<usize>i32x4.extract_lane(p, 3), <usize>sstride, tab, <usize>i32x4.extract_lane(t, 3), o + 9);
      } else {
        anyPixel(base, sstride, W, H, i32x4.extract_lane(x0, 0), i32x4.extract_lane(y0, 0), tab, <usize>i32x4.extract_lane(t, 0), o);
        if (n > 1) anyPixel(base, sstride, W, H, i32x4.extract_lane(x0, 1), i32x4.extract_lane(y0, 1), tab, <usize>i32x4.extract_lane(t, 1), o + 3);
        if (n > 2) anyPixel(base, sstride, W, H, i32x4.extract_lane(x0, 2), i32x4.extract_lane(y0, 2), tab, <usize>i32x4.extract_lane(t, 2), o + 6);
        if (n > 3) anyPixel(base, sstride, W, H, i32x4.extract_lane(x0, 3), i32x4.extract_lane(y0, 3), tab, <usize>i32x4.extract_lane(t, 3), o + 9);
      }
      o += <usize>n * 3;
    }
  }
}
