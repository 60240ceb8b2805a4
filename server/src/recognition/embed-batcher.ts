/**
 * Batches recognition across tracks and cameras: crops requested in the same turn of the event loop (every track of a
 * frame, and frames of other cameras finishing together) go to the inference pool as one or a few batches of at most
 * `maxBatch`, instead of one pool job per face.
 */
export type EmbedFn = (crops: Uint8Array[]) => Promise<Float32Array[]>;

interface Pending {
  crop: Uint8Array;
  resolve: (e: Float32Array) => void;
  reject: (err: unknown) => void;
}

export class EmbedBatcher {
  private pending: Pending[] = [];
  private scheduled = false;
  /** Batches sent and crops embedded (for metrics). */
  readonly stats = { batches: 0, crops: 0 };

  constructor(
    private readonly embed: EmbedFn,
    private readonly maxBatch: number,
    /** Told the duration of every batch (metrics). */
    private readonly onBatch: (ms: number, size: number) => void = () => undefined,
  ) {}

  request(crop: Uint8Array): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      this.pending.push({ crop, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const all = this.pending;
    this.pending = [];
    for (let i = 0; i < all.length; i += this.maxBatch) {
      const batch = all.slice(i, i + this.maxBatch);
      this.stats.batches++;
      this.stats.crops += batch.length;
      const t0 = performance.now();
      this.embed(batch.map((p) => p.crop)).then(
        (out) => {
          this.onBatch(performance.now() - t0, batch.length);
          batch.forEach((p, j) => (out[j] ? p.resolve(out[j]) : p.reject(new Error('embedding missing from batch result'))));
        },
        (err) => batch.forEach((p) => p.reject(err)),
      );
    }
  }
}
