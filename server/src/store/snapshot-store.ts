/**
 * Best-face snapshots on disk under <snapshot dir>/<camera>/<YYYY-MM-DD>/ (BOOSTFACE_SNAPSHOT_DIR, default
 * <data dir>/snapshots): the aligned face crop and a context crop (the face box widened 2.5x, clipped to the frame,
 * at most 320 px), JPEG. Each file is written to a temporary name and renamed, so a reader never sees half a JPEG
 * (also on a directory that several processes share); a better face of the same track replaces both files.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Box, RgbImage } from '../engine/types.js';

export interface SnapshotPaths {
  /** Relative to the snapshot root. */
  face: string;
  context: string;
}

const CONTEXT_SCALE = 2.5;
const CONTEXT_MAX = 320;
const SAFE = /[^A-Za-z0-9_.-]/g;

export class SnapshotStore {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** Writes (or replaces) a track's snapshots. `crop` is the aligned face (RGB, size x size). */
  async write(cameraId: string, trackId: string, ts: number, crop: Uint8Array, cropSize: number, frame: RgbImage, box: Box): Promise<SnapshotPaths> {
    const day = new Date(ts).toISOString().slice(0, 10);
    const dir = path.join(cameraId.replace(SAFE, '_'), day);
    const base = trackId.replace(SAFE, '_');
    const rel: SnapshotPaths = { face: path.join(dir, `${base}-face.jpg`), context: path.join(dir, `${base}-context.jpg`) };
    await fs.promises.mkdir(path.join(this.root, dir), { recursive: true });
    const faceJpeg = await sharp(crop, { raw: { width: cropSize, height: cropSize, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
    const contextJpeg = await contextCrop(frame, box);
    await Promise.all([atomicWrite(path.join(this.root, rel.face), faceJpeg), atomicWrite(path.join(this.root, rel.context), contextJpeg)]);
    return rel;
  }

  /** Absolute path of a stored snapshot; refuses paths that leave the root. */
  resolve(relative: string): string {
    const abs = path.resolve(this.root, relative);
    if (!abs.startsWith(this.root + path.sep)) throw new Error(`snapshot path outside the snapshot root: ${relative}`);
    return abs;
  }

  /** Removes snapshot files (missing ones are fine). */
  async remove(relatives: (string | null | undefined)[]): Promise<number> {
    let removed = 0;
    for (const rel of relatives) {
      if (!rel) continue;
      try {
        await fs.promises.unlink(this.resolve(rel));
        removed++;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return removed;
  }
}

async function contextCrop(frame: RgbImage, [x1, y1, x2, y2]: Box): Promise<Buffer> {
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2;
  const half = (Math.max(x2 - x1, y2 - y1) * CONTEXT_SCALE) / 2;
  const left = Math.max(0, Math.floor(cx - half));
  const top = Math.max(0, Math.floor(cy - half));
  const right = Math.min(frame.width, Math.ceil(cx + half));
  const bottom = Math.min(frame.height, Math.ceil(cy + half));
  const width = Math.max(1, right - left);
  const height = Math.max(1, bottom - top);
  return sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .extract({ left: Math.min(left, frame.width - 1), top: Math.min(top, frame.height - 1), width, height })
    .resize({ width: CONTEXT_MAX, height: CONTEXT_MAX, fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 85 })
    .toBuffer();
}

async function atomicWrite(file: string, bytes: Buffer): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.promises.writeFile(tmp, bytes);
  await fs.promises.rename(tmp, file);
}
