/**
 * Cuts a raw-video byte stream (pipe chunks of any size) into frames of exactly `frameBytes`. Each frame is its own
 * memory, since consumers keep frames after the next one arrives: a frame lying whole inside one chunk is a view of that
 * chunk (no copy); a frame spanning chunks is copied once into a fresh buffer.
 *
 * Not shared memory (SharedArrayBuffer), although that would spare the copy when a frame is posted to an inference
 * worker: V8 counts ordinary buffers as external memory and collects them promptly, but let shared ones pile up
 * between full collections; at 25 frames/s of 6 MB the process RSS then swung between 590 and 700 MB instead of
 * settling (10-minute soak, docs/performance.md).
 */
export class FrameSplitter {
  private partial: Buffer | undefined;
  private filled = 0;

  constructor(
    readonly frameBytes: number,
    private readonly onFrame: (data: Uint8Array) => void,
  ) {
    if (!Number.isInteger(frameBytes) || frameBytes <= 0) throw new Error(`FrameSplitter: bad frame size ${frameBytes}`);
  }

  /** Bytes of an incomplete frame held back (a process that ends with some left delivered a truncated frame). */
  get pendingBytes(): number {
    return this.filled;
  }

  push(chunk: Uint8Array): void {
    let offset = 0;
    if (this.partial) {
      const take = Math.min(this.frameBytes - this.filled, chunk.length);
      this.partial.set(chunk.subarray(0, take), this.filled);
      this.filled += take;
      offset = take;
      if (this.filled < this.frameBytes) return;
      const frame = this.partial;
      this.partial = undefined;
      this.filled = 0;
      this.onFrame(frame);
    }
    while (chunk.length - offset >= this.frameBytes) {
      this.onFrame(chunk.subarray(offset, offset + this.frameBytes));
      offset += this.frameBytes;
    }
    if (offset < chunk.length) {
      // allocUnsafeSlow: frames are big and long-lived, so they stay out of Node's small-buffer pool.
      this.partial = Buffer.allocUnsafeSlow(this.frameBytes);
      this.partial.set(chunk.subarray(offset));
      this.filled = chunk.length - offset;
    }
  }

  /** Drops a partly received frame (the process that sent it is gone). */
  reset(): void {
    this.partial = undefined;
    this.filled = 0;
  }
}
