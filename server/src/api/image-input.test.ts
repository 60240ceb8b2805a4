import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { decodeImageArg, decodeImageArgs, DEFAULT_IMAGE_LIMITS, parseImage } from './image-input.js';

const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
const b64 = jpeg.toString('base64');

function errorOf(run: () => unknown): GraphQLError {
  try {
    run();
  } catch (err) {
    return err as GraphQLError;
  }
  throw new Error('expected an error');
}

describe('image arguments', () => {
  it('decodes plain base64, URL-safe base64, wrapped base64 and data URLs', () => {
    expect(decodeImageArg(b64, 'image')).toEqual(jpeg);
    expect(decodeImageArg(jpeg.toString('base64url'), 'image')).toEqual(jpeg);
    expect(decodeImageArg(`${b64.slice(0, 8)}\r\n${b64.slice(8)}\n`, 'image')).toEqual(jpeg);
    expect(decodeImageArg(`data:image/jpeg;base64,${b64}`, 'image')).toEqual(jpeg);
    expect(decodeImageArg(`data:IMAGE/PNG;name=face.png;base64,${b64}`, 'image')).toEqual(jpeg);
    expect(parseImage(`data:image/webp;base64,${b64}`)).toMatchObject({ ok: true, mediaType: 'image/webp' });
  });

  it('refuses empty, non-base64 and non-image data URLs with BAD_USER_INPUT naming the argument and index', () => {
    const cases: [string, string, RegExp][] = [
      ['', 'EMPTY', /^images\[1\] is empty$/],
      ['  \n', 'EMPTY', /is empty/],
      ['data:image/jpeg;base64,', 'EMPTY', /is empty/],
      ['not base64 at all!', 'NOT_BASE64', /^images\[1\] is not base64/],
      ['abc=def', 'NOT_BASE64', /is not base64/],
      ['=', 'NOT_BASE64', /holds no data/],
      [`data:image/jpeg,${b64}`, 'NOT_BASE64', /without ";base64"/],
      ['data:image/jpeg;base64', 'NOT_BASE64', /not a valid data URL/],
      [`data:text/plain;base64,${b64}`, 'UNSUPPORTED_MEDIA_TYPE', /^images\[1\] declares media type "text\/plain"/],
      [`data:image/svg+xml;base64,${b64}`, 'UNSUPPORTED_MEDIA_TYPE', /image\/svg\+xml/],
      [`data:;base64,${b64}`, 'UNSUPPORTED_MEDIA_TYPE', /"text\/plain"/],
    ];
    for (const [value, reason, message] of cases) {
      const err = errorOf(() => decodeImageArgs([b64, value], 'images'));
      expect(err, value).toBeInstanceOf(GraphQLError);
      expect(err.message, value).toMatch(message);
      expect(err.extensions, value).toEqual({ code: 'BAD_USER_INPUT', argument: 'images', index: 1, reason });
    }
    expect(errorOf(() => decodeImageArg('%%%', 'image'))).toMatchObject({ message: 'image is not base64 (or a data URL)', extensions: { argument: 'image', reason: 'NOT_BASE64' } });
  });

  it('limits the decoded size, judged from the string length before decoding', () => {
    const limits = { maxBytes: 3000, maxImages: 5 };
    const exact = Buffer.alloc(3000, 7).toString('base64');
    expect(decodeImageArgs([exact], 'images', limits)[0]).toHaveLength(3000);
    const over = Buffer.alloc(3003, 7).toString('base64');
    expect(errorOf(() => decodeImageArgs([over], 'images', limits)).extensions).toMatchObject({ reason: 'TOO_LARGE', index: 0 });
    // Line breaks every 76 characters still fit at the exact limit.
    expect(decodeImageArg(exact.replace(/.{76}/g, '$&\r\n'), 'image', limits)).toHaveLength(3000);
    // A 64 MiB payload is refused in constant time: its length alone rules it out.
    const huge = Buffer.alloc(64 * 1024 * 1024, 'A').toString('latin1'); // a flat string, as JSON.parse makes
    const started = performance.now();
    const err = errorOf(() => decodeImageArg(huge, 'image'));
    expect(performance.now() - started).toBeLessThan(5);
    expect(err.message).toBe('image is about 48.0 MiB, over the limit of 8.0 MiB');
  });

  it('limits the number of images and checks every image before decoding any', () => {
    expect(errorOf(() => decodeImageArgs(Array(21).fill(b64), 'images')).message).toBe('images lists 21 images; at most 20 per request');
    expect(errorOf(() => decodeImageArgs([], 'images')).extensions).toMatchObject({ reason: 'EMPTY' });
    expect(decodeImageArgs(Array(20).fill(b64), 'images')).toHaveLength(20);
    expect(errorOf(() => decodeImageArgs([b64, b64, 'data:text/html;base64,AAAA'], 'images')).extensions).toMatchObject({ index: 2 });
    expect(DEFAULT_IMAGE_LIMITS).toEqual({ maxBytes: 8 * 1024 * 1024, maxImages: 20 });
  });

  it('handles a full-size image quickly', () => {
    const big = Buffer.alloc(DEFAULT_IMAGE_LIMITS.maxBytes, 0x5a);
    const started = performance.now();
    expect(decodeImageArg(`data:image/jpeg;base64,${big.toString('base64')}`, 'image').equals(big)).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
