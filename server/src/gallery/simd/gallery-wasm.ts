/**
 * Host side of the gallery's WebAssembly SIMD search kernels (server/wasm/gallery.ts, built by
 * server/scripts/build-wasm.mjs into dist/gallery/simd/gallery.wasm).
 *
 * `QuantizedRows` keeps a compact int8 copy of one segment's embeddings in the linear memory of its own instance:
 * per row, `dim` codes (zero-padded to a multiple of 16) and the row's float32 scale max|x| / 127, so 528 bytes per
 * 512-d row against 2048 for float32. A search scores every row against the query (as int16 codes) in one SIMD pass
 * and returns the rows whose approximate score could still place them in the exact top k, given a rigorous bound on
 * the quantization error (see `candidates`); the caller re-scores those exactly in float32. The result is exact, not
 * approximate: the bound only decides how many rows get re-scored.
 *
 * When the module is missing, fails to compile (no WebAssembly SIMD) or BOOSTFACE_GALLERY_SEARCH=js,
 * `gallerySearchBackend.kind` is 'js', `quantizedRows` gives null and the index scans in JavaScript.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The WebAssembly global, typed locally: the project compiles without the DOM library that declares it.
interface WasmMemory { readonly buffer: ArrayBufferLike; grow(pages: number): number }
type WasmModule = object;
const WA = (globalThis as unknown as {
  WebAssembly: {
    Module: new (bytes: Uint8Array) => WasmModule;
    Instance: new (module: WasmModule, imports: object) => { exports: object };
    Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  };
}).WebAssembly;

/** Where the built module lies: beside this file in dist, and in dist when this file runs from src (vitest). */
const CANDIDATES = [new URL('./gallery.wasm', import.meta.url), new URL('../../../dist/gallery/simd/gallery.wasm', import.meta.url)];

interface Exports {
  heapBase(): number;
  scoreI8(matrix: number, stride: number, rows: number, query: number, qscale: number, out: number): void;
  scoreF32(matrix: number, dim: number, rows: number, query: number, out: number): void;
  quantize(src: number, padded: number, dst: number, stats: number): void;
  kthLargest(scores: number, n: number, k: number, heap: number): number;
  collect(scores: number, n: number, threshold: number, rows: number): number;
}

const PAGE = 65536;
/** The most a 32-bit memory holds (addresses are used unsigned: `>>>` below, never `>>`). */
const MAX_PAGES = 65536;
const MAX_BYTES = 2 ** 32 - PAGE;

/**
 * An instance with its own memory. The memory is shared (the module declares it so): growing it never detaches its
 * buffer, whereas growing an unshared one does, and one detached ArrayBuffer makes V8 re-check typed-array accesses
 * in every optimized function of the thread from then on (the JavaScript scan measured 23% slower after it).
 */
function instantiate(module: WasmModule, pages = 1): { x: Exports; memory: WasmMemory } {
  const memory = new WA.Memory({ initial: pages, maximum: MAX_PAGES, shared: true });
  const x = new WA.Instance(module, { env: { memory } }).exports as unknown as Exports;
  return { x, memory };
}
const align16 = (n: number) => Math.ceil(n / 16) * 16;

function load(): { module: WasmModule | null; reason: string } {
  if (process.env.BOOSTFACE_GALLERY_SEARCH === 'js') return { module: null, reason: 'disabled by BOOSTFACE_GALLERY_SEARCH=js' };
  const file = CANDIDATES.find((u) => existsSync(fileURLToPath(u)));
  if (!file) return { module: null, reason: `gallery.wasm not found (run "npm run build"); looked at ${CANDIDATES.map((u) => fileURLToPath(u)).join(', ')}` };
  try {
    const module = new WA.Module(readFileSync(file));
    instantiate(module); // fails early without SIMD or shared memory support
    return { module, reason: `WebAssembly SIMD (${fileURLToPath(file)})` };
  } catch (err) {
    return { module: null, reason: `WebAssembly SIMD unavailable: ${(err as Error).message}` };
  }
}

const loaded = load();
if (!loaded.module && process.env.BOOSTFACE_GALLERY_SEARCH !== 'js') console.warn(`boostface: gallery search falls back to JavaScript: ${loaded.reason}`);

/** Which implementation the gallery search uses, and why. */
export const gallerySearchBackend: { kind: 'wasm-simd' | 'js'; reason: string } = { kind: loaded.module ? 'wasm-simd' : 'js', reason: loaded.reason };

/** A query prepared once per search for every segment: int16 codes and the terms of the error bound. */
export interface QuantizedQuery {
  codes: Int16Array;
  scale: number;
  /** |q| and |q - scale codes|, both rounded up. */
  norm: number;
  residual: number;
}

/**
 * Quantizes a query to int16 codes (zero-padded to a multiple of 16) with the scale max|q| / cmax, where cmax (32767
 * up to 512 dimensions, less above) keeps the kernel's int32 sum of up to `padded` products |128 cmax| from overflowing
 * whatever the rows hold.
 */
export function quantizeQuery(query: Float32Array): QuantizedQuery {
  const dim = query.length;
  const padded = align16(dim);
  const cmax = Math.min(32767, Math.floor((2 ** 31 - 1) / (128 * padded)));
  let max = 0;
  for (let i = 0; i < dim; i++) max = Math.max(max, Math.abs(query[i]));
  const scale = Math.fround(max / cmax);
  const codes = new Int16Array(padded);
  let n2 = 0;
  let r2 = 0;
  for (let i = 0; i < dim; i++) {
    const c = scale > 0 ? Math.max(-cmax, Math.min(cmax, Math.round(query[i] / scale))) : 0;
    codes[i] = c;
    const e = query[i] - c * scale; // c * scale is exact in float64 (16 x 24 bits); the rest is far below the slack
    r2 += e * e;
    n2 += query[i] * query[i];
  }
  return { codes, scale, norm: Math.sqrt(n2) * (1 + 1e-12), residual: Math.sqrt(r2) * (1 + 1e-12) };
}

/**
 * One segment's rows as int8 codes in a WebAssembly instance's memory. Layout from heapBase: the query codes, the
 * float32 staging row, 16 bytes of statistics, the staged row of codes, then `capacity` rows of `stride` bytes;
 * per-search scratch (scores, the selection heap, candidate rows) lies after the rows and moves when they grow.
 */
export class QuantizedRows {
  readonly padded: number;
  readonly stride: number;
  private readonly x: Exports;
  private readonly memory: WasmMemory;
  private readonly query: number;
  private readonly staging: number;
  private readonly stats: number;
  /** One row of codes quantized by `stage`, waiting for `commit`. */
  private readonly staged: number;
  private readonly rows0: number;
  private capacity = 0;
  private buffer!: ArrayBufferLike;
  private u8!: Uint8Array;
  private i32!: Int32Array;
  private f32!: Float32Array;
  private i16!: Int16Array;
  /** Upper bounds, over every row ever set, of |x - x̂| (quantization residual) and of |x|. Never lowered. */
  private maxResidual = 0;
  private maxNorm = 0;

  constructor(readonly dim: number) {
    if (!loaded.module) throw new Error('gallery SIMD kernels unavailable');
    this.padded = align16(dim);
    this.stride = this.padded + 16;
    ({ x: this.x, memory: this.memory } = instantiate(loaded.module));
    this.query = align16(this.x.heapBase());
    this.staging = this.query + this.padded * 2;
    this.stats = this.staging + this.padded * 4;
    this.staged = this.stats + 16;
    this.rows0 = this.staged + this.stride;
    this.views();
    if (!this.ensure(this.rows0)) throw new Error('gallery SIMD kernels: no memory');
  }

  private views(): void {
    this.buffer = this.memory.buffer;
    this.u8 = new Uint8Array(this.buffer);
    this.i32 = new Int32Array(this.buffer);
    this.f32 = new Float32Array(this.buffer);
    this.i16 = new Int16Array(this.buffer);
  }

  /** Grows the memory to at least `bytes`; false when it cannot. */
  private ensure(bytes: number): boolean {
    if (bytes > MAX_BYTES) return false;
    const have = this.buffer?.byteLength ?? 0;
    if (bytes <= have) return true;
    try {
      this.memory.grow(Math.ceil((bytes - have) / PAGE));
    } catch {
      return false;
    }
    this.views(); // the grown memory's buffer is a new SharedArrayBuffer; the old views still see the old length
    return true;
  }

  /** Room for `capacity` rows; false (nothing changed) when the memory cannot grow that far. */
  reserve(capacity: number): boolean {
    if (capacity <= this.capacity) return true;
    if (!this.ensure(this.rows0 + capacity * this.stride)) return false;
    this.capacity = capacity;
    return true;
  }

  /** Bytes of linear memory held (rows, scratch and the module's own data). */
  get bytes(): number {
    return this.buffer.byteLength;
  }

  /** Quantizes row `row` from `dim` floats of `src` at `offset`. */
  set(row: number, src: Float32Array, offset: number): void {
    this.stage(src.subarray(offset, offset + this.dim));
    this.commit(row);
  }

  /**
   * Quantizes `dim` floats aside, for `commit`. Returns whether the norms came out finite, which they do for every
   * finite row whose squares do not overflow float32 (the caller checks the values itself when they do not).
   */
  stage(src: Float32Array): boolean {
    this.f32.set(src, this.staging >>> 2);
    this.x.quantize(this.staging, this.padded, this.staged, this.stats);
    const s = this.stats >>> 2;
    return Number.isFinite(this.f32[s]) && Number.isFinite(this.f32[s + 1]);
  }

  /** Stores the row quantized by the last `stage` as row `row`. */
  commit(row: number): void {
    this.u8.copyWithin(this.rows0 + row * this.stride, this.staged, this.staged + this.stride);
    const s = this.stats >>> 2;
    // float32 sums of `padded` squares: relative error below padded * 2^-24; allow 1e-3 (and denormal slack). A row
    // whose squares overflowed makes the bound infinite: every row is then a candidate (exact, and slow).
    this.maxResidual = Math.max(this.maxResidual, this.f32[s] * 1.001 + 1e-30);
    this.maxNorm = Math.max(this.maxNorm, this.f32[s + 1] * 1.001 + 1e-30);
  }

  /** Copies row `from` over row `to`. */
  copy(from: number, to: number): void {
    const a = this.rows0 + from * this.stride;
    this.u8.copyWithin(this.rows0 + to * this.stride, a, a + this.stride);
  }

  /** The approximate score of rows [0, rows) into scratch, returning the scores' float index in `f32`. */
  private score(q: QuantizedQuery, rows: number, extra: number): number {
    const scores = align16(this.rows0 + this.capacity * this.stride);
    if (!this.ensure(scores + rows * 8 + extra * 4 + 64)) return -1;
    this.i16.set(q.codes, this.query >>> 1);
    this.x.scoreI8(this.rows0, this.stride, rows, this.query, q.scale, scores);
    return scores;
  }

  /**
   * The rows among [0, rows) that can be among the k best by exact dot product with the query, as a view of scratch
   * memory valid until the next call; or null when scratch memory cannot be had (the caller scans in JavaScript).
   * `exclude`, when given, is called with the approximate scores (a float view, row r at index r) and must set the
   * rows it rules out to -Infinity and return how many rows remain.
   *
   * Why the result holds the exact top k: for row x with codes c and scale s, x̂ = s c, and the query q with codes
   * c_q and scale s_q, q̂ = s_q c_q, the kernel's score is ŝ = q̂·x̂ (up to float32 rounding of two products, relative
   * 2^-22 of |q̂||x̂|). q·x - q̂·x̂ = q·(x - x̂) + (q - q̂)·x̂, so |q·x - ŝ| <= E = |q| R + |q - q̂| (N + R) + rounding,
   * with R and N the largest residual and row norm held. If t is the k-th largest ŝ, k rows have q·x >= t - E, so the
   * k-th best exact score is >= t - E, and any row that reaches it has ŝ >= t - 2E: those are the candidates, ties
   * included.
   */
  candidates(q: QuantizedQuery, rows: number, k: number, exclude?: (scores: Float32Array, rows: number) => number): Int32Array | null {
    const scores = this.score(q, rows, k);
    if (scores < 0) return null;
    const heap = scores + rows * 4;
    const out = align16(heap + k * 4);
    let eligible = rows;
    if (exclude) eligible = exclude(this.f32.subarray(scores >>> 2, (scores >>> 2) + rows), rows);
    k = Math.min(k, eligible);
    if (k <= 0) return new Int32Array(0);
    const t = this.x.kthLargest(scores, rows, k, heap);
    const qn = q.norm + q.residual;
    const nn = this.maxNorm + this.maxResidual;
    const bound = q.norm * this.maxResidual + q.residual * nn + 1e-6 * qn * nn + 1e-12;
    // Lowered by a part in 2^20 before rounding to float32 (error <= 2^-24), so rounding cannot exclude a candidate.
    const exact = t - 2 * bound;
    // No finite bound (a row whose squares overflowed float32): every row is a candidate.
    const threshold = Number.isFinite(exact) ? Math.fround(exact - Math.abs(exact) * 2 ** -20 - 1e-30) : -Infinity;
    const n = this.x.collect(scores, rows, threshold, out);
    return this.i32.subarray(out >>> 2, (out >>> 2) + n);
  }
}

/** Creates the int8 store of a segment, or null when the kernels are unavailable. */
export function quantizedRows(dim: number): QuantizedRows | null {
  if (!loaded.module) return null;
  try {
    return new QuantizedRows(dim);
  } catch {
    return null;
  }
}

/**
 * Float32 SIMD dot products of the first `rows` rows of `matrix` with `query` in a throwaway instance, with the
 * kernel's own time (the copies in excluded). Only for the measurement in bench/gallery.mjs; null when unavailable.
 */
export function scanF32Once(matrix: Float32Array, rows: number, query: Float32Array): { scores: Float32Array; ms: number } | null {
  const dim = query.length;
  if (!loaded.module || dim % 4 !== 0) return null;
  try {
    const q = 1024; // above the module's data (heapBase is far lower)
    const m = align16(q + dim * 4);
    const o = m + rows * dim * 4;
    const need = o + rows * 4;
    if (need > MAX_BYTES) return null;
    const { x, memory } = instantiate(loaded.module, Math.ceil(need / PAGE));
    if (x.heapBase() > q) return null;
    const f32 = new Float32Array(memory.buffer);
    f32.set(query, q >>> 2);
    f32.set(matrix.subarray(0, rows * dim), m >>> 2);
    x.scoreF32(m, dim, rows, q, o); // warm
    const t0 = performance.now();
    x.scoreF32(m, dim, rows, q, o);
    const ms = performance.now() - t0;
    return { scores: f32.slice(o >>> 2, (o >>> 2) + rows), ms };
  } catch {
    return null;
  }
}
