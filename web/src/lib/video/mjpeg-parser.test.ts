import { describe, expect, it } from 'vitest';
import { MultipartParser, boundaryOf } from './mjpeg-parser.js';

const enc = new TextEncoder();

function part(seq: number, body: Uint8Array, withLength = true): Uint8Array {
  const head = [`--frame`, 'Content-Type: image/jpeg', ...(withLength ? [`Content-Length: ${body.length}`] : []), `X-Frame-Seq: ${seq}`, `X-Frame-Width: 640`].join('\r\n');
  const out = new Uint8Array(head.length + 4 + body.length + 2);
  out.set(enc.encode(head + '\r\n\r\n'));
  out.set(body, head.length + 4);
  out.set(enc.encode('\r\n'), head.length + 4 + body.length);
  return out;
}

/** A JPEG-like body that contains CRLF and even the boundary text, to prove lengths are honoured. */
function body(n: number, fill: number): Uint8Array {
  const b = new Uint8Array(n).fill(fill);
  b.set(enc.encode('\r\n--frame\r\n'), Math.floor(n / 2));
  return b;
}

function concat(...arrays: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(arrays.reduce((s, a) => s + a.length, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

describe('boundaryOf', () => {
  it('reads plain and quoted boundaries', () => {
    expect(boundaryOf('multipart/x-mixed-replace; boundary=boostface-frame')).toBe('boostface-frame');
    expect(boundaryOf('multipart/x-mixed-replace;boundary="a b"')).toBe('a b');
    expect(boundaryOf('image/jpeg')).toBeNull();
    expect(boundaryOf(null)).toBeNull();
  });
});

describe('MultipartParser', () => {
  it('splits parts with their headers, whatever the chunking', () => {
    const stream = concat(part(7, body(3000, 1)), part(8, body(100, 2)), part(9, body(70_000, 3)));
    for (const chunk of [1, 7, 512, 4096, stream.length]) {
      const p = new MultipartParser('frame');
      const got = [];
      for (let i = 0; i < stream.length; i += chunk) got.push(...p.push(stream.subarray(i, i + chunk)));
      expect(got.map((g) => g.headers['x-frame-seq'])).toEqual(['7', '8', '9']);
      expect(got.map((g) => g.body.length)).toEqual([3000, 100, 70_000]);
      expect(got[2].body[0]).toBe(3);
      expect(got[0].headers['content-type']).toBe('image/jpeg');
      expect(p.buffered).toBeLessThan(10);
    }
  });

  it('hands out copies that stay valid after later pushes', () => {
    const p = new MultipartParser('frame');
    const [first] = p.push(part(1, body(50, 9)));
    p.push(part(2, body(50, 4)));
    expect(first.body[0]).toBe(9);
  });

  it('falls back to the next boundary when Content-Length is missing', () => {
    const p = new MultipartParser('frame');
    const plain = new Uint8Array(40).fill(5);
    const got = p.push(concat(part(1, plain, false), part(2, plain, false)));
    expect(got).toHaveLength(1); // the last part is complete only once the next boundary shows up
    expect(got[0].body).toEqual(plain);
    expect(p.push(enc.encode('--frame'))).toHaveLength(1);
  });

  it('skips junk before the first boundary without holding on to it', () => {
    const p = new MultipartParser('frame');
    expect(p.push(new Uint8Array(100_000).fill(65))).toEqual([]);
    expect(p.buffered).toBeLessThan(10);
    const got = p.push(part(3, body(40, 1)));
    expect(got.map((g) => g.headers['x-frame-seq'])).toEqual(['3']);
  });
});
