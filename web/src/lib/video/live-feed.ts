/**
 * Live video of one camera for every view that shows it (wall tiles, the track view's crop).
 *
 * Why not <img src=streamUrl>: an <img> plays the MJPEG stream but hides each part's X-Frame-Seq, and boxes must be
 * drawn on the frame they were detected on. So the feed reads the stream with fetch() (the server's one shared encoder
 * per camera, at most 10 fps, skipping frames for a slow reader), parses the parts (mjpeg-parser.ts), holds each
 * frame for the measured detection lag (frame-clock.ts), decodes the one that is due and hands it to the views with
 * its boxes (track-buffer.ts). A bounded queue and closing every replaced bitmap keep memory flat. The stream runs
 * only while some view is on screen and the tab is visible.
 */
import { backoffMs } from '../api/errors.js';
import { FrameQueue, LagEstimator, type QueuedFrame } from './frame-clock.js';
import { MultipartParser, boundaryOf } from './mjpeg-parser.js';
import { TrackBuffer, type BoxEvent, type DrawnBox } from './track-buffer.js';

export type FeedStatus = 'idle' | 'connecting' | 'live' | 'stalled' | 'error';

export interface ShownFrame {
  bitmap: ImageBitmap;
  seq: number;
  /** The camera frame's size: boxes are in these pixels (the JPEG may be scaled down). */
  frameWidth: number;
  frameHeight: number;
  shownAt: number;
}

interface Encoded {
  jpeg: Blob;
  ts: number;
  frameWidth: number;
  frameHeight: number;
}

/** Counters for the whole page (exposed for the end-to-end performance test). */
export const videoStats = {
  framesReceived: 0,
  framesShown: 0,
  framesDropped: 0,
  decodeErrors: 0,
  streamsOpened: 0,
  /** Frame + boxes drawn on a view's canvas (one per view per shown frame or box change), and their total time. */
  overlayDraws: 0,
  overlayDrawMs: 0,
};

const STALL_MS = 5000;

export class LiveFeed {
  readonly tracks: TrackBuffer;
  private readonly lag = new LagEstimator();
  private readonly queue = new FrameQueue<Encoded>(30, () => videoStats.framesDropped++);
  private readonly visibleViews = new Set<object>();
  private controller: AbortController | null = null;
  private decoding = false;
  private lastFrameAt = 0;
  private pageVisible = true;

  current: ShownFrame | null = null;
  /** Bumped when the shown frame or the known boxes change: views redraw then. */
  revision = 0;
  status: FeedStatus = 'idle';
  error: string | null = null;
  views = 0;

  constructor(
    readonly cameraId: string,
    private streamUrl: string,
    private readonly token: string,
    fps: number | null,
  ) {
    // Interpolate or hold a box across up to ~0.6 s without detections.
    this.tracks = new TrackBuffer({ maxGapFrames: Math.max(4, Math.round((fps ?? 25) * 0.6)), keepFrames: Math.max(300, Math.round((fps ?? 25) * 20)) });
  }

  setUrl(url: string): void {
    this.streamUrl = url;
  }

  setViewVisible(view: object, visible: boolean): void {
    if (visible) this.visibleViews.add(view);
    else this.visibleViews.delete(view);
    this.reconcile();
  }

  setPageVisible(visible: boolean): void {
    this.pageVisible = visible;
    this.reconcile();
  }

  get streaming(): boolean {
    return this.controller !== null;
  }

  get queued(): number {
    return this.queue.length;
  }

  /** The display delay applied now (detection lag), in ms. */
  get delayMs(): number {
    return this.lag.target();
  }

  pushEvent(e: BoxEvent & { ts: string }, arrivedAt: number): void {
    this.tracks.add(e);
    this.lag.event(arrivedAt, Date.parse(e.ts));
    this.revision++;
  }

  boxes(): DrawnBox[] {
    return this.current ? this.tracks.boxesAt(this.current.seq) : [];
  }

  /** Called once per animation frame: show the frame whose time has come. */
  tick(now: number): void {
    if (this.status === 'live' && now - this.lastFrameAt > STALL_MS) this.setStatus('stalled');
    if (this.decoding) return;
    const due = this.queue.take(now, this.lag.delay(now));
    if (!due) return;
    this.decoding = true;
    void this.decode(due, now).finally(() => (this.decoding = false));
  }

  private async decode(f: QueuedFrame<Encoded>, now: number): Promise<void> {
    try {
      const bitmap = await createImageBitmap(f.data.jpeg);
      if (!this.streaming && this.views === 0) {
        bitmap.close();
        return;
      }
      this.current?.bitmap.close();
      this.current = { bitmap, seq: f.seq, frameWidth: f.data.frameWidth || bitmap.width, frameHeight: f.data.frameHeight || bitmap.height, shownAt: now };
      this.revision++;
      videoStats.framesShown++;
    } catch {
      videoStats.decodeErrors++;
    }
  }

  dispose(): void {
    this.stop();
    this.current?.bitmap.close();
    this.current = null;
  }

  private reconcile(): void {
    const want = this.pageVisible && this.visibleViews.size > 0;
    if (want && !this.controller) this.start();
    else if (!want && this.controller) this.stop();
  }

  /** Views read the status on each animation frame. */
  private setStatus(s: FeedStatus, error: string | null = null): void {
    this.status = s;
    this.error = error;
  }

  private start(): void {
    const controller = new AbortController();
    this.controller = controller;
    void this.run(controller.signal);
  }

  private stop(): void {
    this.controller?.abort();
    this.controller = null;
    this.queue.clear();
    this.setStatus('idle');
  }

  private async run(signal: AbortSignal): Promise<void> {
    for (let attempt = 0; !signal.aborted; attempt++) {
      this.setStatus('connecting', this.error);
      try {
        const res = await fetch(this.streamUrl, { headers: { authorization: `Bearer ${this.token}` }, signal, cache: 'no-store' });
        if (!res.ok || !res.body) throw new Error(await failure(res));
        videoStats.streamsOpened++;
        const parser = new MultipartParser(boundaryOf(res.headers.get('content-type')) ?? 'boostface-frame');
        const reader = res.body.getReader();
        attempt = 0;
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const part of parser.push(value)) this.onPart(part.headers, part.body);
        }
        if (!signal.aborted) this.setStatus('connecting', 'stream ended');
      } catch (err) {
        if (signal.aborted) return;
        this.setStatus('error', (err as Error).message);
      }
      if (signal.aborted) return;
      await sleep(backoffMs(attempt), signal);
    }
  }

  private onPart(headers: Record<string, string>, body: Uint8Array): void {
    const now = performance.timeOrigin + performance.now();
    const seq = Number(headers['x-frame-seq']);
    const ts = Number(headers['x-frame-ts']);
    if (!Number.isFinite(seq)) return;
    videoStats.framesReceived++;
    this.lastFrameAt = performance.now();
    if (Number.isFinite(ts)) this.lag.frame(now, ts);
    this.queue.push({
      seq,
      arrivedAt: performance.now(),
      data: { jpeg: new Blob([body as BlobPart], { type: 'image/jpeg' }), ts, frameWidth: Number(headers['x-frame-width']) || 0, frameHeight: Number(headers['x-frame-height']) || 0 },
    });
    if (this.status !== 'live') this.setStatus('live');
  }
}

async function failure(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: { message?: string } };
    if (body.error?.message) return body.error.message;
  } catch {
    /* not JSON */
  }
  return `video unavailable (HTTP ${res.status})`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}
