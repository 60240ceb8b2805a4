/**
 * Images passed as GraphQL string arguments: plain base64 (standard or URL-safe alphabet, line breaks allowed) or a
 * data URL (`data:image/jpeg;base64,…`). Limits: images per request and decoded bytes per image. The size is judged
 * from the string length before anything is decoded, so an oversized payload is refused without allocating it.
 * Failures are BAD_USER_INPUT errors naming the argument (and index) with a `reason`: EMPTY, NOT_BASE64,
 * UNSUPPORTED_MEDIA_TYPE, TOO_LARGE, TOO_MANY. Whether the bytes are an image is the decoder's call
 * (engine/image-decode.ts answers NOT_AN_IMAGE per image), so one bad picture fails alone in an enrollment.
 */
import { apiError } from './errors.js';

export interface ImageLimits {
  /** Decoded bytes per image. */
  maxBytes: number;
  /** Images per request. */
  maxImages: number;
}

export const DEFAULT_IMAGE_LIMITS: Readonly<ImageLimits> = { maxBytes: 8 * 1024 * 1024, maxImages: 20 };

export type ImageInputReason = 'EMPTY' | 'NOT_BASE64' | 'UNSUPPORTED_MEDIA_TYPE' | 'TOO_LARGE' | 'TOO_MANY';

/** Media types a data URL may declare: the formats the decoder reads. */
const MEDIA_TYPES = new Set(['image/jpeg', 'image/jpg', 'image/pjpeg', 'image/png', 'image/webp', 'image/gif', 'image/tiff', 'image/heic', 'image/heif', 'image/avif']);
const DATA_URL = /^data:([^,;]*)((?:;[^,;]*)*),/i;
/** Standard or URL-safe base64, ASCII whitespace between characters, at most two '=' at the end. */
const BASE64 = /^[A-Za-z0-9+/_\-\s]*(?:=\s*){0,2}$/;

type Failure = { ok: false; reason: ImageInputReason; message: string };
type Checked = { ok: true; payload: string; mediaType: string | undefined } | Failure;
export type ParsedImage = { ok: true; bytes: Buffer; mediaType: string | undefined } | Failure;

/** Everything that can be judged without decoding: format, declared media type, size, alphabet. */
function check(value: string, maxBytes: number): Checked {
  let start = 0;
  let mediaType: string | undefined;
  if (value.startsWith('data:')) {
    const m = DATA_URL.exec(value.slice(0, 256));
    if (!m) return { ok: false, reason: 'NOT_BASE64', message: 'is not a valid data URL' };
    mediaType = m[1].trim().toLowerCase();
    if (!MEDIA_TYPES.has(mediaType)) return { ok: false, reason: 'UNSUPPORTED_MEDIA_TYPE', message: `declares media type "${mediaType || 'text/plain'}" (use a JPEG, PNG or WebP image)` };
    if (!m[2].toLowerCase().split(';').includes('base64')) return { ok: false, reason: 'NOT_BASE64', message: 'is a data URL without ";base64"' };
    start = m[0].length;
  }
  const encoded = value.length - start;
  // The longest encoding of maxBytes, plus room for line breaks every 64 to 76 characters.
  const maxEncoded = Math.ceil(maxBytes / 3) * 4 * 1.04 + 8;
  if (encoded > maxEncoded) return { ok: false, reason: 'TOO_LARGE', message: `is about ${mib(encoded * 0.75)} MiB, over the limit of ${mib(maxBytes)} MiB` };
  const payload = value.slice(start);
  if (payload.trim() === '') return { ok: false, reason: 'EMPTY', message: 'is empty' };
  if (!BASE64.test(payload)) return { ok: false, reason: 'NOT_BASE64', message: 'is not base64 (or a data URL)' };
  return { ok: true, payload, mediaType };
}

function decode(c: { payload: string; mediaType: string | undefined }, maxBytes: number): ParsedImage {
  const bytes = Buffer.from(c.payload, 'base64');
  // Exact now; bounded by the estimate above (line breaks only made the string longer).
  if (bytes.length > maxBytes) return { ok: false, reason: 'TOO_LARGE', message: `is ${mib(bytes.length)} MiB, over the limit of ${mib(maxBytes)} MiB` };
  if (bytes.length === 0) return { ok: false, reason: 'NOT_BASE64', message: 'holds no data' };
  return { ok: true, bytes, mediaType: c.mediaType };
}

/** One image string to bytes, or why not (for callers that report per-image results). */
export function parseImage(value: string, maxBytes: number = DEFAULT_IMAGE_LIMITS.maxBytes): ParsedImage {
  const c = check(value, maxBytes);
  return c.ok ? decode(c, maxBytes) : c;
}

const mib = (n: number) => (n / 1024 / 1024).toFixed(n < 1024 * 1024 ? 2 : 1);

function refuse(argument: string, reason: ImageInputReason, message: string, index?: number): never {
  const name = index === undefined ? argument : `${argument}[${index}]`;
  throw apiError('BAD_USER_INPUT', `${name} ${message}`, { argument, ...(index === undefined ? {} : { index }), reason });
}

/** A single image argument (e.g. searchFaces' `image`). */
export function decodeImageArg(value: string, argument: string, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): Buffer {
  const r = parseImage(value, limits.maxBytes);
  if (!r.ok) refuse(argument, r.reason, r.message);
  return r.bytes;
}

/** A list argument (e.g. enrollIdentity's `images`): the count first, then each image; errors name the index. */
export function decodeImageArgs(values: readonly string[], argument: string, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): Buffer[] {
  if (values.length === 0) refuse(argument, 'EMPTY', 'lists no image');
  if (values.length > limits.maxImages) refuse(argument, 'TOO_MANY', `lists ${values.length} images; at most ${limits.maxImages} per request`);
  // Every image is checked before any is decoded: a bad last image costs no decoding of the others.
  const checked = values.map((v, i) => {
    const c = check(v, limits.maxBytes);
    if (!c.ok) refuse(argument, c.reason, c.message, i);
    return c;
  });
  return checked.map((c, i) => {
    const r = decode(c, limits.maxBytes);
    if (!r.ok) refuse(argument, r.reason, r.message, i);
    return r.bytes;
  });
}
