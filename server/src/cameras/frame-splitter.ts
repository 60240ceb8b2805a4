/**
 * Cuts a raw-video byte stream (pipe chunks of any size, valid only during push(): ./frame-pipe.ts reuses their
 * memory) into frames of exactly `frameBytes`.
 *
 * Frames are lent, not given: a frame's bytes stay as they are until the splitter has handed out the frame after it;
 * then they may be overwritten. Whoever keeps a frame longer copies it (keepFrame in ./ffmpeg-source.ts). Frames are
 * assembled in two buffers taken in turn, so the newest frame stays whole while the next one is assembled.
 *
 * Why lent: a fresh buffer per frame (1.5 MB at 960×540, 6 MB at 1080p, 25 times a second) is external memory to V8,
 * which answers it with full garbage collections that pause the event loop (docs/performance.md). Most frames are
 * never kept: the detection rate cap and the latest-wins scheduler pass a few of them on, and only those are copied.
 */
export class FrameSplitter {
  private readonly buffers: [Buffer | undefined, Buffer | undefined] = [undefined, undefined];
  /** The buffer the next spanning frame is assembled in (0 or 1). */
  private turn = 0;
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
    while (offset < chunk.length) {
      this.partial ??= this.assemblyBuffer();
      const take = Math.min(this.frameBytes - this.filled, chunk.length - offset);
      this.partial.set(chunk.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled < this.frameBytes) return;
      const frame = this.partial;
      this.partial = undefined;
      this.filled = 0;
      this.onFrame(frame);
    }
  }

  /** Drops a partly received frame (the process that sent it is gone). */
  reset(): void {
    this.partial = undefined;
    this.filled = 0;
  }

  private assemblyBuffer(): Buffer {
    const at = this.turn;
    this.turn = 1 - at;
    // allocUnsafeSlow: frames are big and long-lived, so they stay out of Node's small-buffer pool.
    return (this.buffers[at] ??= Buffer.allocUnsafeSlow(this.frameBytes));
  }
}
