import sharp from 'sharp';
import { readFile } from 'node:fs/promises';
import { EngineError, type RgbImage } from './types.js';

/** Image error codes, stable for CLI and API clients. */
export type ImageErrorCode = 'NOT_FOUND' | 'EMPTY_FILE' | 'NOT_AN_IMAGE' | 'UNSUPPORTED_FORMAT' | 'CORRUPT_IMAGE' | 'TOO_LARGE';

export const DEFAULT_MAX_PIXELS = 50_000_000;
const SUPPORTED_FORMATS = new Set(['jpeg', 'png', 'webp', 'tiff', 'gif', 'heif', 'avif']);

/** Recognise a format by its leading bytes, so that a damaged file of a known format reads as corrupt, not foreign. */
export function sniffFormat(b: Uint8Array): string | undefined {
  const ascii = (o: number, n: number) => String.fromCharCode(...b.subarray(o, o + n));
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b[0] === 0x89 && ascii(1, 3) === 'PNG') return 'png';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WEBP') return 'webp';
  if (ascii(0, 4) === 'GIF8') return 'gif';
  if (ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*') return 'tiff';
  return undefined;
}

function imageError(code: ImageErrorCode, message: string): EngineError {
  return new EngineError(code, message);
}

/**
 * Decode an encoded image to 8-bit RGB: EXIF orientation applied, grey expanded to RGB,
 * alpha dropped (as OpenCV's IMREAD_COLOR does), 16-bit reduced to 8-bit.
 */
export async function decodeImage(input: Uint8Array, maxPixels = DEFAULT_MAX_PIXELS): Promise<RgbImage> {
  if (input.length === 0) throw imageError('EMPTY_FILE', 'file is empty');
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>["metadata"]>>;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch {
    const sniffed = sniffFormat(input);
    if (sniffed) throw imageError('CORRUPT_IMAGE', `${sniffed.toUpperCase()} header is damaged or truncated`);
    throw imageError('NOT_AN_IMAGE', 'not a recognised image format');
  }
  if (!meta.format || !SUPPORTED_FORMATS.has(meta.format)) {
    throw imageError('UNSUPPORTED_FORMAT', `unsupported image format "${meta.format ?? 'unknown'}" (use JPEG, PNG or WebP)`);
  }
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  if (w <= 0 || h <= 0) throw imageError('CORRUPT_IMAGE', 'image has no pixels');
  if (w * h > maxPixels) {
    throw imageError('TOO_LARGE', `image is ${w}x${h} (${w * h} pixels), over the limit of ${maxPixels} pixels`);
  }
  try {
    const { data, info } = await sharp(input, { failOn: 'error', limitInputPixels: false, ignoreIcc: true })
      .rotate()
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded ${info.channels} channels`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (err) {
    throw imageError('CORRUPT_IMAGE', `image data is corrupt or truncated: ${(err as Error).message.split('\n')[0]}`);
  }
}

export async function readImageFile(file: string, maxPixels = DEFAULT_MAX_PIXELS): Promise<RgbImage> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw imageError('NOT_FOUND', `no such file: ${file}`);
    if (code === 'EISDIR') throw imageError('NOT_AN_IMAGE', `is a directory: ${file}`);
    throw imageError('NOT_FOUND', `cannot read ${file}: ${(err as Error).message}`);
  }
  return decodeImage(bytes, maxPixels);
}
