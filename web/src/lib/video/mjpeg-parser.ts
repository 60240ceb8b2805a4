/**
 * Incremental parser for a multipart/x-mixed-replace (MJPEG) body read with fetch(). An <img> shows such a stream but
 * hides each part's headers; we need X-Frame-Seq to draw every face box on the frame it belongs to, so the app reads
 * the stream itself. Parts are `--boundary CRLF headers CRLF CRLF body CRLF`; the body length comes from
 * Content-Length, or (when absent) from the next boundary.
 */
export interface MultipartPart {
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: Uint8Array;
}

const CRLF2 = [13, 10, 13, 10];

/** The boundary of a `multipart/...; boundary=xyz` content type, or null. */
export function boundaryOf(contentType: string | null): string | null {
  const m = /boundary="?([^";]+)"?/i.exec(contentType ?? '');
  return m ? m[1] : null;
}

function indexOf(hay: Uint8Array, needle: ArrayLike<number>, from: number, to: number): number {
  const n = needle.length;
  outer: for (let i = from; i <= to - n; i++) {
    for (let j = 0; j < n; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

export class MultipartParser {
  private buf = new Uint8Array(64 * 1024);
  private start = 0;
  private end = 0;
  private readonly dash: Uint8Array;
  private readonly nextDash: Uint8Array;
  private readonly decoder = new TextDecoder();
  /** Longest header block accepted before the stream is considered broken. */
  private readonly maxHeaderBytes = 16 * 1024;

  constructor(boundary: string) {
    const enc = new TextEncoder();
    this.dash = enc.encode(`--${boundary}`);
    this.nextDash = enc.encode(`\r\n--${boundary}`);
  }

  /** Bytes held back, waiting for the rest of a part. */
  get buffered(): number {
    return this.end - this.start;
  }

  /** Feed a chunk; returns the parts it completed. */
  push(chunk: Uint8Array): MultipartPart[] {
    this.append(chunk);
    const parts: MultipartPart[] = [];
    for (;;) {
      const part = this.next();
      if (!part) break;
      parts.push(part);
    }
    if (this.start === this.end) this.start = this.end = 0;
    return parts;
  }

  private append(chunk: Uint8Array): void {
    const need = this.end - this.start + chunk.length;
    if (this.end + chunk.length > this.buf.length) {
      // Compact, and grow only when the live bytes do not fit.
      const target = need > this.buf.length ? new Uint8Array(Math.max(need, this.buf.length * 2)) : this.buf;
      if (target === this.buf) this.buf.copyWithin(0, this.start, this.end);
      else target.set(this.buf.subarray(this.start, this.end));
      this.buf = target;
      this.end -= this.start;
      this.start = 0;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  private next(): MultipartPart | null {
    const b = this.buf;
    const at = indexOf(b, this.dash, this.start, this.end);
    if (at < 0) {
      // Keep only a tail that could still begin a boundary.
      this.start = Math.max(this.start, this.end - this.dash.length);
      return null;
    }
    const headStart = at + this.dash.length;
    const headEnd = indexOf(b, CRLF2, headStart, this.end);
    if (headEnd < 0) {
      if (this.end - headStart > this.maxHeaderBytes) this.start = headStart; // junk: look for the next boundary
      return null;
    }
    const headers: Record<string, string> = {};
    for (const line of this.decoder.decode(b.subarray(headStart, headEnd)).split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const bodyStart = headEnd + 4;
    const length = Number(headers['content-length']);
    let bodyEnd: number;
    if (Number.isInteger(length) && length >= 0) {
      bodyEnd = bodyStart + length;
      if (bodyEnd > this.end) return null;
    } else {
      bodyEnd = indexOf(b, this.nextDash, bodyStart, this.end);
      if (bodyEnd < 0) return null;
    }
    const body = b.slice(bodyStart, bodyEnd); // a copy: the buffer is reused
    this.start = bodyEnd;
    return { headers, body };
  }
}
