/**
 * Host side of the WebAssembly SIMD preprocessing kernels (server/wasm/preprocess.ts, built by
 * server/scripts/build-wasm.mjs into dist/engine/simd/preprocess.wasm).
 *
 * The module is compiled and instantiated synchronously when this file is first imported (every inference worker
 * has its own instance and memory). Its memory grows to the largest job seen and is reused; above RETAIN_BYTES the
 * instance is dropped after the call so that one huge image does not pin its memory for the worker's lifetime.
 * When the module is missing, fails to compile (no WebAssembly SIMD) or BOOSTFACE_PREPROCESS=js, `wasmPreprocess`
 * is null and callers keep their JavaScript reference implementations, which give identical output.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The WebAssembly global, typed locally: the project compiles without the DOM library that declares it.
interface WasmMemory { readonly buffer: ArrayBuffer; grow(pages: number): number }
type WasmModule = object;
const WA = (globalThis as unknown as {
  WebAssembly: {
    Module: new (bytes: Uint8Array) => WasmModule;
    Instance: new (module: WasmModule, imports: object) => { exports: object };
  };
}).WebAssembly;

/** Where the built module lies: beside this file in dist, and in dist when this file runs from src (vitest). */
const CANDIDATES = [new URL('./preprocess.wasm', import.meta.url), new URL('../../../dist/engine/simd/preprocess.wasm', import.meta.url)];

interface Exports {
  memory: WasmMemory;
  heapBase(): number;
  resize(
    xofs: number, xw: number, yofs: number, yw: number, newW: number, newH: number,
    rows: number, planeBytes: number, out: number, outPlaneBytes: number, width: number,
    mode: number, mean: number, inv: number, lut: number, pad: number,
  ): void;
  warp(
    base: number, sstride: number, W: number, H: number, adx: number, ady: number, x0s: number, y0s: number,
    tab: number, out: number, width: number, height: number,
  ): void;
}

const PAGE = 65536;
/** Memory kept between calls; a job that needed more gets a fresh instance afterwards. */
const RETAIN_BYTES = 64 << 20;
/** Largest memory used: addresses stay positive 32-bit integers; bigger jobs run in JavaScript. */
const MAX_BYTES = 1 << 30;
const align16 = (n: number) => Math.ceil(n / 16) * 16;

export interface ResizePlan {
  /** Per output column: the two source columns and their 11-bit weights. */
  i0: Int32Array; i1: Int32Array; a0: Int32Array; a1: Int32Array;
  /** Per output row: the two source rows (clamped) and their 11-bit weights. */
  r0: Int32Array; r1: Int32Array; b0: Int32Array; b1: Int32Array;
}

/** One instance with typed views over its memory, refreshed whenever the memory grows. */
class Kernels {
  private readonly x: Exports;
  private buffer!: ArrayBuffer;
  u8!: Uint8Array;
  u16!: Uint16Array;
  i32!: Int32Array;
  f32!: Float32Array;
  /** Start of per-call scratch; below it: the warp weight table and the normalization table. */
  private readonly tab: number;
  private readonly lut: number;
  private readonly scratch: number;
  private tableSource: Int32Array | null = null;
  lutKey = '';

  constructor(module: WasmModule) {
    this.x = new WA.Instance(module, {}).exports as unknown as Exports;
    this.tab = align16(this.x.heapBase());
    this.lut = this.tab + 32 * 32 * 4 * 2;
    this.scratch = this.lut + 256 * 4;
    this.views();
  }

  private views(): void {
    this.buffer = this.x.memory.buffer;
    this.u8 = new Uint8Array(this.buffer);
    this.u16 = new Uint16Array(this.buffer);
    this.i32 = new Int32Array(this.buffer);
    this.f32 = new Float32Array(this.buffer);
  }

  /** Makes room for `bytes` of scratch and returns its start, or -1 when the memory cannot grow that far. */
  reserve(bytes: number): number {
    const need = this.scratch + bytes;
    if (need > MAX_BYTES) return -1;
    const have = this.x.memory.buffer.byteLength;
    try {
      if (need > have) this.x.memory.grow(Math.ceil((need - have) / PAGE));
    } catch {
      return -1;
    }
    if (this.x.memory.buffer !== this.buffer) this.views();
    return this.scratch;
  }

  get bytes(): number {
    return this.x.memory.buffer.byteLength;
  }

  /** Writes the normalization table (256 floats) unless it already holds the one for `key`. */
  setLut(lut: Float32Array, key: string): number {
    if (key !== this.lutKey) {
      this.f32.set(lut, this.lut >> 2);
      this.lutKey = key;
    }
    return this.lut;
  }

  /** Writes the bilinear weight table (1024 x 4 weights) once per table object. */
  setTable(table: Int32Array): number {
    if (table !== this.tableSource) {
      this.u16.set(table, this.tab >> 1);
      this.tableSource = table;
    }
    return this.tab;
  }

  get exports(): Exports {
    return this.x;
  }
}

function load(): { module: WasmModule | null; reason: string } {
  if (process.env.BOOSTFACE_PREPROCESS === 'js') return { module: null, reason: 'disabled by BOOSTFACE_PREPROCESS=js' };
  const file = CANDIDATES.find((u) => existsSync(fileURLToPath(u)));
  if (!file) return { module: null, reason: `preprocess.wasm not found (run "npm run build"); looked at ${CANDIDATES.map((u) => fileURLToPath(u)).join(', ')}` };
  try {
    const module = new WA.Module(readFileSync(file));
    new WA.Instance(module, {}); // fails early without SIMD support
    return { module, reason: `WebAssembly SIMD (${fileURLToPath(file)})` };
  } catch (err) {
    return { module: null, reason: `WebAssembly SIMD unavailable: ${(err as Error).message}` };
  }
}

const loaded = load();
if (!loaded.module && process.env.BOOSTFACE_PREPROCESS !== 'js') console.warn(`boostface: preprocessing falls back to JavaScript: ${loaded.reason}`);

/** Which implementation the letterbox and alignment use, and why. */
export const preprocessBackend: { kind: 'wasm-simd' | 'js'; reason: string } = { kind: loaded.module ? 'wasm-simd' : 'js', reason: loaded.reason };

/** Calls served by the kernels, and warps handed back to JavaScript (diagnostics and tests). */
export const preprocessCalls = { resize: 0, warp: 0, warpDeclined: 0 };

let kernels: Kernels | null = null;
function instance(): Kernels {
  return (kernels ??= new Kernels(loaded.module!));
}
/** Drops an instance whose memory grew past RETAIN_BYTES; the next call starts a fresh one. */
function release(k: Kernels): void {
  if (k.bytes > RETAIN_BYTES) kernels = null;
}

/** Runs of needed source rows (sorted), merged across gaps of up to 2 rows: fewer, larger copies. */
function rowRuns(r0: Int32Array, r1: Int32Array): number[] {
  const runs: number[] = [];
  let start = r0[0], end = r0[0];
  const add = (r: number) => {
    if (r <= end) return;
    if (r - end <= 3) end = r;
    else {
      runs.push(start, end);
      start = end = r;
    }
  };
  for (let y = 0; y < r0.length; y++) {
    add(r0[y]);
    add(r1[y]);
  }
  runs.push(start, end);
  return runs;
}

/** Whether float32 (v - mean) * inv reproduces the table for the last normalization seen. */
let lastNorm = { key: '', exact: false };

/**
 * WebAssembly SIMD INTER_LINEAR resize of `src` to newW x newH normalized float planes, identical to the
 * JavaScript reference: channel c of output row y goes to out[planes[c] + y * width + x], and columns newW..width-1
 * of those rows get `pad`. Rows newH.. are left to the caller. `lut` maps each 8-bit value to its float;
 * mean and inv are the normalization that produced it (used for a vectorized path when it reproduces `lut` exactly).
 * Returns false, having written nothing, when the plan is not one the kernel reproduces or the job does not fit.
 */
function resizeToPlanes(
  src: Uint8Array, srcW: number, newW: number, newH: number, plan: ResizePlan,
  out: Float32Array, planes: readonly [number, number, number], width: number,
  lut: Float32Array, mean: number, inv: number, pad: number,
): boolean {
  // The kernel reads each column's right tap as the next pixel; the reference clamps it at the edge, where its
  // weight is 0. Anything else (a plan this code does not know) goes back to the reference.
  for (let x = 0; x < newW; x++) if (plan.i1[x] !== plan.i0[x] + 1 && plan.a1[x] !== 0) return false;
  const k = instance();
  const rowBytes = srcW * 3;
  const rmin = plan.r0[0], rmax = plan.r1[newH - 1];
  const newWp = (newW + 7) & ~7;
  const planeBytes = align16(newWp * 2);
  const outPlaneBytes = align16(newH * width * 4 + 32);
  // Layout: column tables, row tables, two cached rows, output planes, source rows rmin..rmax (+16 for over-reads).
  const xofs = 0, xw = align16(newWp * 4), yofs = xw + align16(newWp * 4), yw = yofs + align16(newH * 8);
  const rows = yw + align16(newH * 8), outOff = rows + 6 * planeBytes, srcOff = outOff + 3 * outPlaneBytes;
  const total = srcOff + align16((rmax - rmin + 1) * rowBytes + 16);
  const base = k.reserve(total);
  if (base < 0) return false;
  const { i32, u8 } = k;
  const srcAddr = base + srcOff;
  for (let x = 0; x < newWp; x++) {
    i32[(base + xofs) / 4 + x] = x < newW ? plan.i0[x] * 3 : 0;
    i32[(base + xw) / 4 + x] = x < newW ? plan.a0[x] | (plan.a1[x] << 16) : 0;
  }
  for (let y = 0; y < newH; y++) {
    i32[(base + yofs) / 4 + 2 * y] = srcAddr + (plan.r0[y] - rmin) * rowBytes;
    i32[(base + yofs) / 4 + 2 * y + 1] = srcAddr + (plan.r1[y] - rmin) * rowBytes;
    i32[(base + yw) / 4 + 2 * y] = plan.b0[y];
    i32[(base + yw) / 4 + 2 * y + 1] = plan.b1[y];
  }
  const runs = rowRuns(plan.r0, plan.r1);
  for (let j = 0; j < runs.length; j += 2) {
    u8.set(src.subarray(runs[j] * rowBytes, (runs[j + 1] + 1) * rowBytes), srcAddr + (runs[j] - rmin) * rowBytes);
  }
  // float32 (v - mean) * inv is used when it reproduces the table bit for bit for all 256 values (it does for the
  // usual mean 127.5, std 128); otherwise the kernel looks the table up.
  const meanF = Math.fround(mean), invF = Math.fround(inv);
  const key = `${mean},${inv}`;
  if (key !== lastNorm.key) {
    let exact = true;
    for (let v = 0; v < 256 && exact; v++) exact = Object.is(Math.fround(Math.fround(v - meanF) * invF), lut[v]);
    lastNorm = { key, exact };
  }
  const exact = lastNorm.exact;
  const lutAddr = exact ? 0 : k.setLut(lut, key);
  k.exports.resize(
    base + xofs, base + xw, base + yofs, base + yw, newW, newH,
    base + rows, planeBytes, base + outOff, outPlaneBytes, width,
    exact ? 0 : 1, meanF, invF, lutAddr, pad,
  );
  preprocessCalls.resize++;
  const n = newH * width;
  for (let c = 0; c < 3; c++) {
    const from = (base + outOff + c * outPlaneBytes) / 4;
    out.set(k.f32.subarray(from, from + n), planes[c]);
  }
  release(k);
  return true;
}

/**
 * Largest source bounding box copied, in output pixels; beyond it the JavaScript warp (no copy) is cheaper. Measured:
 * the copy costs about 0.12 ns per source pixel, the kernel 3 ns and the reference 13 ns per output pixel.
 */
const WARP_MAX_BBOX_RATIO = 64;
const COORD_LIMIT = 1 << 18;

function declined(): null {
  preprocessCalls.warpDeclined++;
  return null;
}

/**
 * WebAssembly warpAffine (bilinear, border 0) with the fixed-point tables of the reference: adeltaX/adeltaY per
 * output column, X0/Y0 (rounding delta included) per output row, `table` the 1024 x 4 bilinear weights. `inv` (the
 * destination-to-source matrix) only bounds the source region to copy. Returns null when the JavaScript reference
 * should run instead (coordinates out of the safe integer range, a source region much larger than the output, or no
 * memory).
 */
function warpAffine(
  img: { data: Uint8Array; width: number; height: number }, inv: readonly number[], width: number, height: number,
  adeltaX: Int32Array, adeltaY: Int32Array, X0: Int32Array, Y0: Int32Array, table: Int32Array,
): Uint8Array | null {
  const { width: W, height: H, data } = img;
  const [a, b, c, d, e, f] = inv;
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (const [u, v] of [[0, 0], [width - 1, 0], [0, height - 1], [width - 1, height - 1]]) {
    const sx = a * u + b * v + c, sy = d * u + e * v + f;
    minX = Math.min(minX, sx); maxX = Math.max(maxX, sx);
    minY = Math.min(minY, sy); maxY = Math.max(maxY, sy);
  }
  // Also keeps every fixed-point sum of the kernel far inside 32 bits (|coordinate| * 1024 < 2^28), as in the reference.
  if (!(Math.max(-minX, maxX, -minY, maxY) < COORD_LIMIT)) return declined();
  // Taps lie within one pixel of the real-valued source position (10-bit rounding, 1/32 px floor) plus the +1 tap.
  const bx = Math.max(0, Math.floor(minX) - 2), ex = Math.min(W - 1, Math.floor(maxX) + 3);
  const by = Math.max(0, Math.floor(minY) - 2), ey = Math.min(H - 1, Math.floor(maxY) + 3);
  const bw = Math.max(0, ex - bx + 1), bh = Math.max(0, ey - by + 1);
  if (bw * bh > WARP_MAX_BBOX_RATIO * width * height) return declined();
  const k = instance();
  const n = width * height * 3;
  const sstride = bw * 3;
  // Layout: adeltaX, adeltaY (each padded by 4 entries for the kernel's 4-wide reads), X0, Y0, source box, output.
  const padW = width + 4;
  const tabs = 0, srcOff = align16(4 * (2 * padW + 2 * height)), outOff = srcOff + align16(bh * sstride + 16);
  const base = k.reserve(outOff + align16(n + 4));
  if (base < 0) return declined();
  const { i32, u8 } = k;
  const t = (base + tabs) / 4;
  i32.set(adeltaX, t);
  i32.set(adeltaY, t + padW);
  i32.set(X0, t + 2 * padW);
  i32.set(Y0, t + 2 * padW + height);
  const srcAddr = base + srcOff;
  if (bw === W) u8.set(data.subarray(by * W * 3, (ey + 1) * W * 3), srcAddr);
  else for (let y = 0; y < bh; y++) {
    const from = ((by + y) * W + bx) * 3;
    u8.set(data.subarray(from, from + sstride), srcAddr + y * sstride);
  }
  k.exports.warp(
    srcAddr - by * sstride - bx * 3, sstride, W, H, base + tabs, base + tabs + 4 * padW, base + tabs + 8 * padW,
    base + tabs + 8 * padW + 4 * height, k.setTable(table), base + outOff, width, height,
  );
  preprocessCalls.warp++;
  const res = u8.slice(base + outOff, base + outOff + n);
  release(k);
  return res;
}

/** The kernels, or null when preprocessing runs in JavaScript. */
export const wasmPreprocess = loaded.module ? { resizeToPlanes, warpAffine } : null;
