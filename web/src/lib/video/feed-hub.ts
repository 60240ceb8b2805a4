/**
 * The page's live feeds, one per camera whatever the number of views showing it, and the one animation-frame loop
 * that advances them and lets each view draw. Track events from any subscription are routed to their camera's feed.
 * requestAnimationFrame pauses in hidden tabs, and feeds stop streaming there (visibilitychange).
 */
import { LiveFeed } from './live-feed.js';
import type { BoxEvent } from './track-buffer.js';

export type Renderer = (now: number) => void;

export class FeedHub {
  private readonly feeds = new Map<string, LiveFeed>();
  private readonly renderers = new Set<Renderer>();
  private raf = 0;
  private token = '';
  private readonly onVisibility = () => {
    for (const f of this.feeds.values()) f.setPageVisible(!document.hidden);
  };

  /** Use this token for video requests; forgets every feed of the previous one. */
  configure(token: string): void {
    if (token === this.token) return;
    this.reset();
    this.token = token;
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  reset(): void {
    for (const f of this.feeds.values()) f.dispose();
    this.feeds.clear();
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.token = '';
  }

  acquire(cameraId: string, streamUrl: string, fps: number | null): LiveFeed {
    let f = this.feeds.get(cameraId);
    if (!f) {
      f = new LiveFeed(cameraId, streamUrl, this.token, fps);
      f.setPageVisible(!document.hidden);
      this.feeds.set(cameraId, f);
    } else f.setUrl(streamUrl);
    f.views++;
    return f;
  }

  release(f: LiveFeed): void {
    if (--f.views > 0) return;
    f.dispose();
    if (this.feeds.get(f.cameraId) === f) this.feeds.delete(f.cameraId);
  }

  /** A track event arrived (epoch ms `arrivedAt`): boxes for the camera's frames. */
  pushEvent(e: BoxEvent & { cameraId: string; ts: string }, arrivedAt = Date.now()): void {
    this.feeds.get(e.cameraId)?.pushEvent(e, arrivedAt);
  }

  addRenderer(r: Renderer): () => void {
    this.renderers.add(r);
    if (!this.raf) this.raf = requestAnimationFrame(this.loop);
    return () => {
      this.renderers.delete(r);
      if (this.renderers.size === 0 && this.raf) {
        cancelAnimationFrame(this.raf);
        this.raf = 0;
      }
    };
  }

  /** Frames waiting in all feeds (a growing number would mean a backlog). */
  backlog(): number {
    let n = 0;
    for (const f of this.feeds.values()) n += f.queued;
    return n;
  }

  /** Per-camera state, for diagnostics and the end-to-end performance test. */
  describe(): { cameraId: string; status: string; views: number; queued: number; delayMs: number; seq: number | null }[] {
    return [...this.feeds.values()].map((f) => ({ cameraId: f.cameraId, status: f.status, views: f.views, queued: f.queued, delayMs: Math.round(f.delayMs), seq: f.current?.seq ?? null }));
  }

  streaming(): number {
    let n = 0;
    for (const f of this.feeds.values()) n += f.streaming ? 1 : 0;
    return n;
  }

  private readonly loop = (now: number) => {
    for (const f of this.feeds.values()) f.tick(now);
    for (const r of this.renderers) r(now);
    this.raf = this.renderers.size ? requestAnimationFrame(this.loop) : 0;
  };
}

export const feedHub = new FeedHub();
