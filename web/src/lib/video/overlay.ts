/** Drawing a frame and its face boxes on a canvas: the whole frame (wall tile) or a crop around one track. */
import type { Box, DrawnBox } from './track-buffer.js';
import type { ShownFrame } from './live-feed.js';
import type { Region } from './crop.js';

const IDENTIFIED = '#3ddc97';
const UNKNOWN = '#ffb347';
const HIGHLIGHT = '#5ab0ff';

export interface OverlayOptions {
  /** Draw this track in the highlight colour. */
  highlight?: string | null;
  /** Show the track id under the name. */
  showTrackIds?: boolean;
}

/** Size the canvas backing store to the bitmap (full view) or a fixed size (crop). */
function fit(canvas: HTMLCanvasElement, w: number, h: number): void {
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
}

/** CSS pixels → canvas pixels, so labels read the same on a small tile and on a 4K wall. */
function cssScale(canvas: HTMLCanvasElement): number {
  const shown = canvas.clientWidth || canvas.width;
  const objectFitScale = Math.min(shown / canvas.width, (canvas.clientHeight || canvas.height) / canvas.height) || 1;
  return 1 / objectFitScale;
}

/** The root font size (rem) in CSS px; it follows the viewport, read at most once a second (style reads cost). */
let remPx = 16;
let remReadAt = -Infinity;
function rootRem(): number {
  const now = performance.now();
  if (now - remReadAt > 1000) {
    remPx = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    remReadAt = now;
  }
  return remPx;
}

const shortId = (trackId: string) => trackId.split('-').pop() ?? trackId;

function drawBoxes(ctx: CanvasRenderingContext2D, boxes: DrawnBox[], map: (b: Box) => Box, px: number, o: OverlayOptions): void {
  const rem = rootRem();
  // Small tiles show names only: track ids would cover the faces in a crowd.
  const compact = (ctx.canvas.clientWidth || ctx.canvas.width) < 40 * rem;
  const font = Math.round(0.8 * rem * px);
  ctx.lineWidth = Math.max(1, 2 * px);
  ctx.font = `600 ${font}px system-ui, sans-serif`;
  ctx.textBaseline = 'top';
  for (const d of boxes) {
    const [x1, y1, x2, y2] = map(d.box);
    const colour = d.trackId === o.highlight ? HIGHLIGHT : d.identified ? IDENTIFIED : UNKNOWN;
    ctx.strokeStyle = colour;
    ctx.strokeRect(x1, y1, x2 - x1, y2 - y1);
    const text = o.showTrackIds && !compact ? `${d.label} · #${shortId(d.trackId)}` : d.label;
    const tw = ctx.measureText(text).width + font * 0.6;
    const th = font * 1.35;
    const ty = y1 - th >= 0 ? y1 - th : y2;
    // Keep the tag inside the frame: a face at the right edge gets its tag shifted left.
    const tx = Math.max(0, Math.min(x1 - ctx.lineWidth / 2, ctx.canvas.width - tw));
    ctx.fillStyle = colour;
    ctx.fillRect(tx, ty, tw, th);
    ctx.fillStyle = '#0b0f14';
    ctx.fillText(text, tx + font * 0.3, ty + font * 0.18);
  }
}

export function drawFull(canvas: HTMLCanvasElement, f: ShownFrame, boxes: DrawnBox[], o: OverlayOptions = {}): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  fit(canvas, f.bitmap.width, f.bitmap.height);
  ctx.drawImage(f.bitmap, 0, 0);
  const sx = f.bitmap.width / f.frameWidth;
  const sy = f.bitmap.height / f.frameHeight;
  drawBoxes(ctx, boxes, (b) => [b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy], cssScale(canvas), o);
}

export function drawCrop(canvas: HTMLCanvasElement, f: ShownFrame, boxes: DrawnBox[], region: Region, size: number, o: OverlayOptions = {}): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  fit(canvas, size, size);
  const bx = f.bitmap.width / f.frameWidth;
  const by = f.bitmap.height / f.frameHeight;
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, size, size);
  ctx.drawImage(f.bitmap, region.x * bx, region.y * by, region.w * bx, region.h * by, 0, 0, size, size);
  const s = size / region.w;
  drawBoxes(ctx, boxes, (b) => [(b[0] - region.x) * s, (b[1] - region.y) * s, (b[2] - region.x) * s, (b[3] - region.y) * s], cssScale(canvas), o);
}
