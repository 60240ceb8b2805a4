import sharp from 'sharp';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImage, readImageFile } from './image-decode.js';

/** A 6x4 image whose left half is red and right half blue. */
const raw = () => {
  const data = Buffer.alloc(6 * 4 * 3);
  for (let y = 0; y < 4; y++) for (let x = 0; x < 6; x++) data.set(x < 3 ? [255, 0, 0] : [0, 0, 255], (y * 6 + x) * 3);
  return sharp(data, { raw: { width: 6, height: 4, channels: 3 } });
};
const px = (img: { data: Uint8Array; width: number }, x: number, y: number) => Array.from(img.data.slice((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

describe('decodeImage', () => {
  it.each(['png', 'webp'] as const)('decodes lossless %s exactly', async (fmt) => {
    const buf = await raw().toFormat(fmt, fmt === 'webp' ? { lossless: true } : {}).toBuffer();
    const img = await decodeImage(buf);
    expect([img.width, img.height]).toEqual([6, 4]);
    expect(px(img, 0, 0)).toEqual([255, 0, 0]);
    expect(px(img, 5, 3)).toEqual([0, 0, 255]);
  });

  it('decodes JPEG', async () => {
    const img = await decodeImage(await raw().jpeg({ quality: 95 }).toBuffer());
    expect([img.width, img.height, img.data.length]).toEqual([6, 4, 72]);
  });

  it('applies EXIF orientation', async () => {
    // Orientation 6 = rotate 90° clockwise to display: 6x4 stored becomes 4x6, red on top.
    const buf = await raw().withMetadata({ orientation: 6 }).jpeg({ quality: 100 }).toBuffer();
    const img = await decodeImage(buf);
    expect([img.width, img.height]).toEqual([4, 6]);
    expect(px(img, 1, 0)[0]).toBeGreaterThan(200);
    expect(px(img, 1, 5)[2]).toBeGreaterThan(200);
  });

  it('expands grayscale to RGB and drops alpha', async () => {
    const grey = await sharp(Buffer.alloc(16, 77), { raw: { width: 4, height: 4, channels: 1 } }).png().toBuffer();
    const g = await decodeImage(grey);
    expect(px(g, 2, 2)).toEqual([77, 77, 77]);
    const rgba = await sharp(Buffer.from(new Array(16).fill([10, 20, 30, 0]).flat()), { raw: { width: 4, height: 4, channels: 4 } }).png().toBuffer();
    const a = await decodeImage(rgba);
    expect(a.data.length).toBe(48);
    expect(px(a, 0, 0)).toEqual([10, 20, 30]);
  });

  it('refuses empty, non-image, truncated and oversized input with a code', async () => {
    await expect(decodeImage(new Uint8Array(0))).rejects.toMatchObject({ code: 'EMPTY_FILE' });
    await expect(decodeImage(Buffer.from('hello, not an image'))).rejects.toMatchObject({ code: 'NOT_AN_IMAGE' });
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).jpeg().toBuffer();
    await expect(decodeImage(jpeg.subarray(0, 40))).rejects.toMatchObject({ code: 'CORRUPT_IMAGE' });
    const noisy = await sharp(Buffer.from(Array.from({ length: 256 * 256 * 3 }, (_, i) => (i * 7919) % 251)), { raw: { width: 256, height: 256, channels: 3 } }).jpeg().toBuffer();
    await expect(decodeImage(noisy.subarray(0, Math.floor(noisy.length * 0.6)))).rejects.toMatchObject({ code: 'CORRUPT_IMAGE' });
    await expect(decodeImage(jpeg, 1000)).rejects.toMatchObject({ code: 'TOO_LARGE' });
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>');
    await expect(decodeImage(svg)).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT' });
  });

  it('reports missing files and directories by code', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bf-decode-'));
    await expect(readImageFile(path.join(dir, 'nope.jpg'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(readImageFile(dir)).rejects.toMatchObject({ code: 'NOT_AN_IMAGE' });
    writeFileSync(path.join(dir, 'zero.jpg'), '');
    await expect(readImageFile(path.join(dir, 'zero.jpg'))).rejects.toMatchObject({ code: 'EMPTY_FILE' });
  });
});
