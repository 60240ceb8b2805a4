import sharp from 'sharp';
import { readFile } from 'node:fs/promises';
import { EngineError, type RgbImage } from './types.js';

/** Image error codes, stable for CLI and API clients. */
export type ImageErrorCode = 'NOT_FOUND' | 'EMPTY_FILE' | 'NOT_AN_IMAGE' | 'UNSUPPORTED_FORMAT' | 'CORRUPT_IMAGE' | 'TOO_LARGE';

export const DEFAULT_MAX_PIXELS = 50_000_000;

// Every image is decoded once and never reused: libvips' operation cache would only hold memory.
sharp.cache(false);

/** Recognise a format by its leading bytes, so that a damaged file of a known format reads as corrupt, not foreign. */
export function sniffFormat(b: Uint8Array): string | undefined {
  const ascii = (o: number, n: number) => String.fromCharCode(...b.subarray(o, o + n));
  if (ascii(4, 4) === 'ftyp' && /^(heic|heix|mif1|msf1|avif|avis)$/.test(ascii(8, 4))) return 'heif';
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
 * Decode an encoded image to 8-bit RGB: EXIF orientation applied, grey expanded to RGB, alpha dropped and embedded
 * ICC profiles ignored (as OpenCV's IMREAD_COLOR does, so pixels match the reference pipeline), 16-bit reduced to 8-bit.
 * The format is recognised from the leading bytes, so the happy path parses the file once.
 */
export async function decodeImage(input: Uint8Array, maxPixels = DEFAULT_MAX_PIXELS): Promise<RgbImage> {
  if (input.length === 0) throw imageError('EMPTY_FILE', 'file is empty');
  const format = sniffFormat(input);
  if (!format) {
    const meta = await sharp(input).metadata().catch(() => undefined);
    if (meta?.format) throw imageError('UNSUPPORTED_FORMAT', `unsupported image format "${meta.format}" (use JPEG, PNG or WebP)`);
    throw imageError('NOT_AN_IMAGE', 'not a recognised image format');
  }
  try {
    const { data, info } = await sharp(input, { failOn: 'error', limitInputPixels: maxPixels, ignoreIcc: true })
      .rotate()
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded ${info.channels} channels`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (err) {
    const message = (err as Error).message.split('\n')[0];
    if (/pixel limit/i.test(message)) {
      const meta = await sharp(input, { limitInputPixels: false }).metadata().catch(() => undefined);
      const size = meta?.width && meta.height ? `${meta.width}x${meta.height} (${meta.width * meta.height} pixels)` : 'larger';
      throw imageError('TOO_LARGE', `image is ${size}, over the limit of ${maxPixels} pixels`);
    }
    throw imageError('CORRUPT_IMAGE', `${format.toUpperCase()} data is corrupt or truncated: ${message}`);
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
