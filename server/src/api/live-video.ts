/**
 * Live video for clients: the newest decoded frame of a camera as JPEG, alone (frame.jpg) or as an MJPEG stream
 * (multipart/x-mixed-replace). Every JPEG carries the frame's sequence number (X-Frame-Seq) and capture time
 * (X-Frame-Ts): the numbers the track events use, so a client draws each box on the frame it belongs to.
 *
 * One encoder per camera serves all its viewers: at most `fps` encodes a second, only while someone watches, and a
 * viewer whose socket is still busy with the previous frame skips frames instead of queueing them.
 */
import type { ServerResponse } from 'node:http';
import sharp from 'sharp';
import type { CameraFrame } from '../cameras/ffmpeg-source.js';

export interface EncodedFrame {
  seq: number;
  ts: number;
  width: number;
  height: number;
  jpeg: Buffer;
}

export interface LiveVideoOptions {
  /** Encodes per second per camera at most. */
  fps: number;
  /** Frames wider than this are scaled down (boxes stay in frame pixels: X-Frame-Width/Height say the original size). */
  maxWidth: number;
  quality: number;
}

export const DEFAULT_LIVE_VIDEO: LiveVideoOptions = { fps: 10, maxWidth: 1280, quality: 75 };

const BOUNDARY = 'boostface-frame';

export async function encodeFrame(frame: CameraFrame, o: LiveVideoOptions): Promise<EncodedFrame> {
  const { width, height, data } = frame.image;
  // sharp reads its input later, on a thread of its own; a camera's frame pixels are lent and get overwritten.
  let img = sharp(Buffer.from(data), { raw: { width, height, channels: 3 } });
  if (width > o.maxWidth) img = img.resize({ width: o.maxWidth });
  return { seq: frame.seq, ts: frame.ts, width, height, jpeg: await img.jpeg({ quality: o.quality }).toBuffer() };
}

export function frameHeaders(f: EncodedFrame): Record<string, string> {
  return { 'X-Frame-Seq': String(f.seq), 'X-Frame-Ts': String(f.ts), 'X-Frame-Width': String(f.width), 'X-Frame-Height': String(f.height) };
}

interface Viewer {
  res: ServerResponse;
  busy: boolean;
}

class CameraBroadcast {
  readonly viewers = new Set<Viewer>();
  private timer: NodeJS.Timeout | undefined;
  private lastSeq = -1;
  private encoding = false;

  constructor(
    private readonly next: () => CameraFrame | undefined,
    private readonly o: LiveVideoOptions,
  ) {}

  add(res: ServerResponse): void {
    const viewer: Viewer = { res, busy: false };
    this.viewers.add(viewer);
    res.on('close', () => {
      this.viewers.delete(viewer);
      if (this.viewers.size === 0) this.stop();
    });
    this.timer ??= setInterval(() => void this.tick(), Math.max(10, Math.round(1000 / this.o.fps)));
  }

  private async tick(): Promise<void> {
    const frame = this.next();
    if (!frame || frame.seq === this.lastSeq || this.encoding) return;
    this.lastSeq = frame.seq;
    this.encoding = true;
    try {
      const f = await encodeFrame(frame, this.o);
      const head = Object.entries({ 'Content-Type': 'image/jpeg', 'Content-Length': String(f.jpeg.length), ...frameHeaders(f) })
        .map(([k, v]) => `${k}: ${v}`)
        .join('\r\n');
      const part = Buffer.concat([Buffer.from(`--${BOUNDARY}\r\n${head}\r\n\r\n`), f.jpeg, Buffer.from('\r\n')]);
      for (const v of this.viewers) {
        if (v.busy) continue; // still sending an older frame: this viewer skips one
        v.busy = !v.res.write(part);
        if (v.busy) v.res.once('drain', () => (v.busy = false));
      }
    } finally {
      this.encoding = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const v of this.viewers) v.res.end();
    this.viewers.clear();
  }
}

export class LiveVideo {
  private readonly cameras = new Map<string, CameraBroadcast>();

  constructor(
    private readonly latestFrame: (cameraId: string) => CameraFrame | undefined,
    private readonly o: LiveVideoOptions = DEFAULT_LIVE_VIDEO,
  ) {}

  /** The newest frame, encoded now; undefined when the camera has no frame. */
  async frame(cameraId: string): Promise<EncodedFrame | undefined> {
    const f = this.latestFrame(cameraId);
    return f && encodeFrame(f, this.o);
  }

  /** Start an MJPEG response for a camera; it runs until the client goes away or close(). */
  stream(cameraId: string, res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': `multipart/x-mixed-replace; boundary=${BOUNDARY}`,
      'Cache-Control': 'no-store',
      Connection: 'close',
    });
    let b = this.cameras.get(cameraId);
    if (!b) {
      b = new CameraBroadcast(() => this.latestFrame(cameraId), this.o);
      this.cameras.set(cameraId, b);
    }
    b.add(res);
  }

  viewers(): number {
    let n = 0;
    for (const b of this.cameras.values()) n += b.viewers.size;
    return n;
  }

  close(): void {
    for (const b of this.cameras.values()) b.stop();
    this.cameras.clear();
  }
}
