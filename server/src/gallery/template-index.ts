/**
 * The embedded gallery's in-memory search index: the template embeddings of each kind in one contiguous Float32Array
 * (row-major, `dim` floats per row) with parallel arrays for template id and owning identity. Search is exact (the
 * dot product; embeddings are L2-normalized, so it is the cosine similarity), top-k kept in a bounded min-heap
 * (partial selection; only the k survivors are sorted). Removal swaps the last row into the hole, so the matrices stay
 * dense.
 *
 * Two ways to the same result:
 * - WebAssembly SIMD (simd/gallery-wasm.ts), for segments of at least `minQuantizedRows` rows: an int8 copy of the
 *   rows (528 bytes per 512-d row) is scored in one pass, a rigorous bound on the quantization error keeps every row
 *   that could reach the top k (typically a few hundred), and those are re-scored here in float32 exactly as the
 *   JavaScript scan scores them. Scores, order and ties are the same as the scan's, bit for bit.
 * - The JavaScript scan of every row: small segments, large k, a filter on a few identities, or no WebAssembly SIMD.
 *
 * The index holds no I/O and knows nothing of SQLite: the adapter applies a change here only after its transaction
 * has committed.
 */
import type { TemplateKind } from './gallery.js';
import type { QuantizedQuery, QuantizedRows } from './simd/gallery-wasm.js';
import type * as SimdModule from './simd/gallery-wasm.js';

/**
 * The SIMD host module, loaded optionally: where it is not installed beside this file (this file copied or
 * transpiled on its own), the index keeps to the JavaScript scan.
 */
const simd: typeof SimdModule | null = await import('./simd/gallery-wasm.js').catch((err: NodeJS.ErrnoException) => {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND') console.warn(`boostface: gallery search falls back to JavaScript: ${err?.message ?? err}`);
  return null;
});

const KIND_CODE: Record<TemplateKind, number> = { positive: 0, negative: 1 };
const KIND_NAME: TemplateKind[] = ['positive', 'negative'];

export interface IndexHit {
  templateId: string;
  identityId: string;
  kind: TemplateKind;
  score: number;
}

export interface IndexEntry {
  templateId: string;
  identityId: string;
  kind: TemplateKind;
  embedding: Float32Array;
}

export interface TemplateIndexOptions {
  /** 'auto' (default): WebAssembly SIMD when available; 'js': always the JavaScript scan. */
  backend?: 'auto' | 'js';
  /** Segments below this many rows are scanned in JavaScript (default 512). */
  minQuantizedRows?: number;
}

/** Counters of how searches ran (diagnostics, tests and the benchmark). */
export interface SearchStats {
  /** Segments searched through the int8 first pass, and the rows re-scored in float32 after it. */
  quantizedScans: number;
  candidates: number;
  /** Segments scanned in JavaScript. */
  jsScans: number;
}

/** The rows of one template kind: embeddings row-major in one Float32Array, ids and identity slots beside them. */
class Segment {
  rows = 0;
  capacity = 0;
  matrix = new Float32Array(0);
  ids: string[] = [];
  owners = new Int32Array(0);
  /** The int8 copy searched by the SIMD first pass, when in use. */
  quant: QuantizedRows | null = null;

  constructor(readonly dim: number) {}

  reserve(capacity: number): void {
    if (capacity <= this.capacity) return;
    const matrix = new Float32Array(capacity * this.dim);
    matrix.set(this.matrix.subarray(0, this.rows * this.dim));
    const owners = new Int32Array(capacity);
    owners.set(this.owners.subarray(0, this.rows));
    this.matrix = matrix;
    this.owners = owners;
    this.capacity = capacity;
    if (this.quant && !this.quant.reserve(capacity)) {
      console.warn(`boostface: gallery search falls back to JavaScript: no memory for the int8 copy of ${capacity} rows`);
      this.dropQuantized();
    }
  }

  /** Starts the int8 copy of every row; false when the kernels are unavailable or short of memory. */
  quantize(): boolean {
    const quant = simd?.quantizedRows(this.dim) ?? null;
    if (!quant || !quant.reserve(Math.max(this.capacity, 1))) return false;
    for (let r = 0; r < this.rows; r++) quant.set(r, this.matrix, r * this.dim);
    this.quant = quant;
    return true;
  }

  dropQuantized(): void {
    this.quant = null;
  }

  /** Append a row; returns its number. */
  push(id: string): number {
    if (this.rows === this.capacity) this.reserve(Math.max(1024, Math.ceil(this.capacity * 1.5)));
    this.ids[this.rows] = id;
    return this.rows++;
  }

  /** Remove a row by moving the last one into it; returns the id of the row moved (if any). */
  swapRemove(row: number): string | undefined {
    const last = --this.rows;
    let moved: string | undefined;
    if (row !== last) {
      const dim = this.dim;
      this.matrix.copyWithin(row * dim, last * dim, (last + 1) * dim);
      this.quant?.copy(last, row);
      this.owners[row] = this.owners[last];
      moved = this.ids[last];
      this.ids[row] = moved;
    }
    this.ids.length = last;
    return moved;
  }
}

export class TemplateIndex {
  /** One segment per kind, so that a kind filter skips whole segments instead of rows. */
  private readonly segments: Segment[];
  /** Template id -> row * 2 + kind code. */
  private readonly where = new Map<string, number>();
  // Identities are numbered by slot so that a row carries an int, not a string. A slot is freed when its identity
  // has no row left.
  private readonly slotById = new Map<string, number>();
  private slotIds: (string | undefined)[] = [];
  private slotRows: number[] = [];
  private readonly freeSlots: number[] = [];
  private backendChoice: 'auto' | 'js';
  private readonly minQuantizedRows: number;
  readonly stats: SearchStats = { quantizedScans: 0, candidates: 0, jsScans: 0 };
  private readonly scratch: Float32Array;
  private readonly scratchBytes: Uint8Array;

  constructor(
    readonly dim: number,
    /** Expected rows per kind: [positive, negative]. */
    initialCapacity: [number, number] = [0, 0],
    options: TemplateIndexOptions = {},
  ) {
    if (!Number.isInteger(dim) || dim <= 0) throw new RangeError(`bad dimension ${dim}`);
    this.backendChoice = options.backend ?? 'auto';
    this.minQuantizedRows = Math.max(1, options.minQuantizedRows ?? 512);
    this.scratch = new Float32Array(dim);
    this.scratchBytes = new Uint8Array(this.scratch.buffer);
    this.segments = KIND_NAME.map(() => new Segment(dim));
    this.segments.forEach((seg, i) => seg.reserve(initialCapacity[i]));
  }

  /** 'wasm-simd' when some segment is searched through the int8 first pass, else 'js'. */
  get backend(): 'wasm-simd' | 'js' {
    return this.segments.some((seg) => seg.quant) ? 'wasm-simd' : 'js';
  }

  /** Switch between the SIMD first pass (where available) and the JavaScript scan; results are the same. */
  setBackend(choice: 'auto' | 'js'): void {
    this.backendChoice = choice;
    for (const seg of this.segments) {
      if (choice === 'js') seg.dropQuantized();
      else this.maybeQuantize(seg);
    }
  }

  private maybeQuantize(seg: Segment): void {
    if (seg.quant || this.backendChoice === 'js' || seg.rows < this.minQuantizedRows) return;
    // Unavailable kernels or no memory: the JavaScript scan stays, and this is not retried until the next switch.
    if (!seg.quantize()) {
      this.backendChoice = 'js';
      if (simd?.gallerySearchBackend.kind === 'wasm-simd') console.warn(`boostface: gallery search falls back to JavaScript: no memory for the int8 copy of ${seg.rows} rows`);
    }
  }

  get size(): number {
    return this.where.size;
  }

  /** Bytes held by the matrices, their int8 copies and per-row arrays (not the id strings and maps). */
  get matrixBytes(): number {
    return this.segments.reduce((sum, seg) => sum + seg.matrix.byteLength + seg.owners.byteLength + (seg.quant?.bytes ?? 0), 0);
  }

  has(templateId: string): boolean {
    return this.where.has(templateId);
  }

  /** Insert a template or replace the one with the same id (embedding, kind and owner). */
  put(templateId: string, identityId: string, kind: TemplateKind, embedding: Float32Array): void {
    if (embedding.length !== this.dim) throw new RangeError(`embedding has ${embedding.length} values, index holds ${this.dim}`);
    const code = KIND_CODE[kind];
    const seg = this.segments[code];
    // Checked before anything changes; where the row is quantized, its norms tell (no second pass over the values).
    if (!seg.quant?.stage(embedding)) {
      for (let i = 0; i < embedding.length; i++) if (!Number.isFinite(embedding[i])) throw new RangeError('embedding has non-finite values');
    }
    const at = this.where.get(templateId);
    if (at !== undefined && (at & 1) !== code) this.remove(templateId); // changes kind: moves segment
    let row: number;
    const slot = this.takeSlot(identityId);
    if (at !== undefined && (at & 1) === code) {
      row = at >> 1;
      this.releaseSlot(seg.owners[row]);
    } else {
      row = seg.push(templateId);
      this.where.set(templateId, row * 2 + code);
    }
    seg.matrix.set(embedding, row * this.dim);
    seg.owners[row] = slot;
    // The staged codes are still the embedding's: nothing between stage and commit quantizes in this segment.
    if (seg.quant) seg.quant.commit(row);
    else this.maybeQuantize(seg);
  }

  /** Put a row whose embedding is given as raw little-endian float32 bytes (as stored in SQLite). */
  putBytes(templateId: string, identityId: string, kind: TemplateKind, bytes: Uint8Array): void {
    if (bytes.byteLength !== this.dim * 4) throw new RangeError(`embedding has ${bytes.byteLength} bytes, index holds ${this.dim * 4}`);
    // Blobs may sit at any byte offset: copy bytes, not floats (into one reused row: put copies it again).
    this.scratchBytes.set(bytes);
    this.put(templateId, identityId, kind, this.scratch);
  }

  remove(templateId: string): boolean {
    const at = this.where.get(templateId);
    if (at === undefined) return false;
    const seg = this.segments[at & 1];
    const row = at >> 1;
    this.releaseSlot(seg.owners[row]);
    this.where.delete(templateId);
    const moved = seg.swapRemove(row);
    if (moved !== undefined) this.where.set(moved, row * 2 + (at & 1));
    return true;
  }

  /** Remove every row of an identity; returns how many. */
  removeIdentity(identityId: string): number {
    const slot = this.slotById.get(identityId);
    if (slot === undefined) return 0;
    const doomed: string[] = [];
    for (const seg of this.segments) for (let r = 0; r < seg.rows; r++) if (seg.owners[r] === slot) doomed.push(seg.ids[r]);
    for (const id of doomed) this.remove(id);
    return doomed.length;
  }

  /** Give every row of `fromId` to `toId`; returns how many. */
  moveIdentity(fromId: string, toId: string): number {
    const from = this.slotById.get(fromId);
    if (from === undefined || fromId === toId) return 0;
    const count = this.slotRows[from];
    const to = this.takeSlot(toId, count);
    for (const seg of this.segments) for (let r = 0; r < seg.rows; r++) if (seg.owners[r] === from) seg.owners[r] = to;
    this.slotRows[from] = 0;
    this.dropSlot(from);
    return count;
  }

  /** Every row, segment by segment (for consistency checks and tests). */
  *entries(): IterableIterator<IndexEntry> {
    for (const [code, seg] of this.segments.entries()) {
      for (let r = 0; r < seg.rows; r++) {
        yield {
          templateId: seg.ids[r],
          identityId: this.slotIds[seg.owners[r]]!,
          kind: KIND_NAME[code],
          embedding: seg.matrix.slice(r * this.dim, (r + 1) * this.dim),
        };
      }
    }
  }

  /**
   * The k rows with the highest dot product with `query` among those whose kind is in `kinds` and, when given, whose
   * identity is in `identityIds`; best first, ties by template id. `query` must have `dim` values.
   */
  search(query: Float32Array, k: number, kinds: readonly TemplateKind[], identityIds?: readonly string[]): IndexHit[] {
    let slotMask: Uint8Array | undefined;
    if (identityIds) {
      slotMask = new Uint8Array(this.slotIds.length);
      let any = false;
      for (const id of identityIds) {
        const slot = this.slotById.get(id);
        if (slot !== undefined) {
          slotMask[slot] = 1;
          any = true;
        }
      }
      if (!any) return [];
    }
    const codes = [...new Set(kinds.map((kind) => KIND_CODE[kind]))];
    k = Math.min(k, codes.reduce((n, code) => n + this.segments[code].rows, 0));
    if (k <= 0) return [];
    const heap = new TopK(k);
    let quantized: QuantizedQuery | undefined;
    for (const code of codes) {
      const seg = this.segments[code];
      if (seg.rows === 0) continue;
      // The first pass pays unless k is a large share of the rows or the filter leaves few rows (the scan skips
      // the others without scoring them; the first pass scores every row, ~10x faster per row).
      if (seg.quant && k * 4 <= seg.rows && (!slotMask || this.maskedRows(slotMask) * 16 > seg.rows)) {
        quantized ??= simd!.quantizeQuery(query);
        const exclude = slotMask && maskScores(seg.owners, slotMask);
        const rows = seg.quant.candidates(quantized, seg.rows, Math.min(k, seg.rows), exclude);
        if (rows) {
          rescore(seg, code, query, rows, slotMask, heap);
          this.stats.quantizedScans++;
          this.stats.candidates += rows.length;
          continue;
        }
      }
      scan(seg, code, query, slotMask, heap);
      this.stats.jsScans++;
    }
    return heap.sorted().map(({ score, code, row }) => {
      const seg = this.segments[code];
      return { templateId: seg.ids[row], identityId: this.slotIds[seg.owners[row]]!, kind: KIND_NAME[code], score };
    });
  }

  /** Rows (of both kinds) of the identities in the mask. */
  private maskedRows(slotMask: Uint8Array): number {
    let n = 0;
    for (let slot = 0; slot < slotMask.length; slot++) if (slotMask[slot]) n += this.slotRows[slot];
    return n;
  }

  private takeSlot(identityId: string, rows = 1): number {
    let slot = this.slotById.get(identityId);
    if (slot === undefined) {
      slot = this.freeSlots.pop() ?? this.slotIds.length;
      this.slotById.set(identityId, slot);
      this.slotIds[slot] = identityId;
      this.slotRows[slot] = 0;
    }
    this.slotRows[slot] += rows;
    return slot;
  }

  private releaseSlot(slot: number): void {
    if (--this.slotRows[slot] === 0) this.dropSlot(slot);
  }

  private dropSlot(slot: number): void {
    this.slotById.delete(this.slotIds[slot]!);
    this.slotIds[slot] = undefined;
    this.freeSlots.push(slot);
  }
}

/** A bounded min-heap of the best k (score, template) pairs seen: the root is the worst survivor. */
class TopK {
  size = 0;
  readonly scores: Float64Array;
  readonly ids: string[];
  readonly codes: Uint8Array;
  readonly rows: Int32Array;

  constructor(readonly k: number) {
    this.scores = new Float64Array(k);
    this.ids = new Array<string>(k);
    this.codes = new Uint8Array(k);
    this.rows = new Int32Array(k);
  }

  /** Whether a candidate would enter the heap (cheap pre-check before `offer`). */
  admits(score: number): boolean {
    return this.size < this.k || score >= this.scores[0];
  }

  offer(score: number, id: string, code: number, row: number): void {
    const { scores, ids, codes, rows, k } = this;
    if (this.size < k) {
      let c = this.size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!worse(score, id, scores[p], ids[p])) break;
        scores[c] = scores[p];
        ids[c] = ids[p];
        codes[c] = codes[p];
        rows[c] = rows[p];
        c = p;
      }
      scores[c] = score;
      ids[c] = id;
      codes[c] = code;
      rows[c] = row;
      return;
    }
    if (!worse(scores[0], ids[0], score, id)) return;
    let c = 0;
    for (;;) {
      const left = 2 * c + 1;
      if (left >= k) break;
      const right = left + 1;
      const w = right < k && worse(scores[right], ids[right], scores[left], ids[left]) ? right : left;
      if (!worse(scores[w], ids[w], score, id)) break;
      scores[c] = scores[w];
      ids[c] = ids[w];
      codes[c] = codes[w];
      rows[c] = rows[w];
      c = w;
    }
    scores[c] = score;
    ids[c] = id;
    codes[c] = code;
    rows[c] = row;
  }

  /** The survivors, best first (only these k are sorted). */
  sorted(): { score: number; code: number; row: number }[] {
    const order = Array.from({ length: this.size }, (_, i) => i);
    order.sort((a, b) => (worse(this.scores[a], this.ids[a], this.scores[b], this.ids[b]) ? 1 : -1));
    return order.map((i) => ({ score: this.scores[i], code: this.codes[i], row: this.rows[i] }));
  }
}

/**
 * The dot product of the row at `off` with the query: the one score of the index (the scan and the re-scoring after
 * the first pass both use it, so their results agree bit for bit). Float64 accumulation unrolled by 8 with four
 * accumulators; the tail (dim not a multiple of 8) is finished one by one.
 */
function dotRow(m: Float32Array, off: number, query: Float32Array, dim: number): number {
  const tail = dim & ~7;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = off;
  let i = 0;
  for (; i < tail; i += 8, j += 8) {
    s0 += m[j] * query[i] + m[j + 4] * query[i + 4];
    s1 += m[j + 1] * query[i + 1] + m[j + 5] * query[i + 5];
    s2 += m[j + 2] * query[i + 2] + m[j + 6] * query[i + 6];
    s3 += m[j + 3] * query[i + 3] + m[j + 7] * query[i + 7];
  }
  for (; i < dim; i++, j++) s0 += m[j] * query[i];
  return s0 + s1 + (s2 + s3);
}

/** Score every row of a segment (those of the masked identities only, when a mask is given) into the heap. */
function scan(seg: Segment, code: number, query: Float32Array, slotMask: Uint8Array | undefined, heap: TopK): void {
  const dim = seg.dim;
  const n = seg.rows;
  const m = seg.matrix;
  const owners = seg.owners;
  const ids = seg.ids;
  for (let r = 0, off = 0; r < n; r++, off += dim) {
    if (slotMask !== undefined && slotMask[owners[r]] === 0) continue;
    const score = dotRow(m, off, query, dim);
    if (heap.admits(score)) heap.offer(score, ids[r], code, r);
  }
}

/** Score the candidate rows of the first pass exactly into the heap. */
function rescore(seg: Segment, code: number, query: Float32Array, rows: Int32Array, slotMask: Uint8Array | undefined, heap: TopK): void {
  const { dim, matrix, owners, ids } = seg;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (slotMask !== undefined && slotMask[owners[r]] === 0) continue;
    const score = dotRow(matrix, r * dim, query, dim);
    if (heap.admits(score)) heap.offer(score, ids[r], code, r);
  }
}

/** Rules out, for the first pass, the rows whose identity is not in the mask; returns how many rows remain. */
function maskScores(owners: Int32Array, slotMask: Uint8Array) {
  return (scores: Float32Array, rows: number): number => {
    let kept = 0;
    for (let r = 0; r < rows; r++) {
      if (slotMask[owners[r]] === 0) scores[r] = -Infinity;
      else kept++;
    }
    return kept;
  };
}

/** Whether hit a ranks below hit b: lower score, or the same score and a larger template id. */
function worse(scoreA: number, idA: string, scoreB: number, idB: string): boolean {
  return scoreA < scoreB || (scoreA === scoreB && idA > idB);
}
