/**
 * A small POSIX tar (ustar + pax extended headers) writer and reader: just what backups need, so that an archive is
 * one streamable file that standard `tar` also reads.
 *
 * Written: regular files only, mode 0644, owner 0. A name longer than the 100-byte ustar field, or a size beyond its
 * 11 octal digits (8 GiB), travels in a pax `x` header ("path=", "size=") before the entry.
 * Read: regular files ('0' or NUL) and directories ('5'); pax `x` headers apply to the next entry, global `g` headers
 * are skipped; any other type (links, devices) is refused, as is a path that is absolute or climbs out with "..".
 * Every header's checksum is verified.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import type { Writable } from 'node:stream';

const BLOCK = 512;
const MAX_OCTAL_SIZE = 0o77777777777;

export class TarError extends Error {
  readonly code = 'BAD_ARCHIVE';
}

export interface WrittenEntry {
  path: string;
  size: number;
  sha256: string;
}

/** Writes entries into a stream (for example a gzip stream), honouring backpressure; sha256 of every entry's data. */
export class TarWriter {
  private finished = false;

  constructor(private readonly out: Writable) {}

  /** An entry from memory. */
  async add(name: string, data: Uint8Array, mtimeMs = Date.now()): Promise<WrittenEntry> {
    await this.header(name, data.byteLength, mtimeMs);
    await this.write(data);
    await this.pad(data.byteLength);
    return { path: name, size: data.byteLength, sha256: createHash('sha256').update(data).digest('hex') };
  }

  /** An entry streamed from a file that must not change while it is read (a staged copy). */
  async addFile(name: string, file: string): Promise<WrittenEntry> {
    const { size, mtimeMs } = await fs.promises.stat(file);
    await this.header(name, size, mtimeMs);
    const hash = createHash('sha256');
    let written = 0;
    for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      written += chunk.byteLength;
      if (written > size) throw new TarError(`${file} grew while it was archived`);
      hash.update(chunk);
      await this.write(chunk);
    }
    if (written !== size) throw new TarError(`${file} shrank while it was archived`);
    await this.pad(size);
    return { path: name, size, sha256: hash.digest('hex') };
  }

  /** The end-of-archive marker (two zero blocks). */
  async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.write(Buffer.alloc(2 * BLOCK));
  }

  private async header(name: string, size: number, mtimeMs: number): Promise<void> {
    if (this.finished) throw new TarError('the archive is finished');
    checkEntryPath(name);
    const nameBytes = Buffer.from(name, 'utf8');
    const records: string[] = [];
    if (nameBytes.byteLength > 100) records.push(paxRecord('path', name));
    if (size > MAX_OCTAL_SIZE) records.push(paxRecord('size', String(size)));
    const mtime = Math.floor(mtimeMs / 1000);
    if (records.length > 0) {
      const body = Buffer.from(records.join(''), 'utf8');
      await this.write(ustarHeader(Buffer.from('PaxHeader', 'utf8'), body.byteLength, mtime, 'x'));
      await this.write(body);
      await this.pad(body.byteLength);
    }
    await this.write(ustarHeader(nameBytes.subarray(0, 100), size > MAX_OCTAL_SIZE ? 0 : size, mtime, '0'));
  }

  private async pad(size: number): Promise<void> {
    const rest = size % BLOCK;
    if (rest) await this.write(Buffer.alloc(BLOCK - rest));
  }

  private async write(data: Uint8Array): Promise<void> {
    if (!this.out.write(data)) await once(this.out, 'drain');
  }
}

/** "<length> key=value\n", where the length counts the whole record, itself included. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bytes = Buffer.byteLength(body);
  let len = bytes + String(bytes).length;
  if (String(len).length !== String(bytes).length) len = bytes + String(len).length;
  return `${len}${body}`;
}

function ustarHeader(name: Buffer, size: number, mtime: number, type: string): Buffer {
  const b = Buffer.alloc(BLOCK);
  name.copy(b, 0, 0, Math.min(100, name.byteLength));
  octal(b, 100, 8, 0o644);
  octal(b, 108, 8, 0);
  octal(b, 116, 8, 0);
  octal(b, 124, 12, size);
  octal(b, 136, 12, mtime);
  b.write(type, 156, 1, 'latin1');
  b.write('ustar\0', 257, 6, 'latin1');
  b.write('00', 263, 2, 'latin1');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return b;
}

function octal(b: Buffer, offset: number, length: number, value: number): void {
  b.write(value.toString(8).padStart(length - 1, '0') + '\0', offset, length, 'latin1');
}

/** Entry paths are relative and stay inside the extraction root. */
export function checkEntryPath(name: string): void {
  if (!name || name.startsWith('/') || name.includes('\\') || name.includes('\0') || name.split('/').some((p) => p === '..')) {
    throw new TarError(`unsafe entry path in archive: ${JSON.stringify(name)}`);
  }
}

export interface TarEntry {
  path: string;
  size: number;
  type: 'file' | 'directory';
  /** The entry's data; must be consumed (or left alone: the reader skips what is left) before the next entry. */
  body: AsyncIterable<Buffer>;
}

/** Reads exact byte counts from an async stream of chunks. */
class ByteSource {
  private buf: Buffer = Buffer.alloc(0);
  private readonly it: AsyncIterator<Buffer | Uint8Array>;
  private ended = false;

  constructor(source: AsyncIterable<Buffer | Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** Up to `max` bytes (at least one unless the stream ended). */
  async some(max: number): Promise<Buffer> {
    if (this.buf.byteLength === 0 && !(await this.more())) return Buffer.alloc(0);
    const out = this.buf.subarray(0, max);
    this.buf = this.buf.subarray(out.byteLength);
    return out;
  }

  async exactly(n: number, what: string): Promise<Buffer> {
    while (this.buf.byteLength < n) {
      if (!(await this.more())) throw new TarError(`the archive ends in the middle of ${what} (truncated?)`);
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  async skip(n: number, what: string): Promise<void> {
    let left = n;
    while (left > 0) {
      const got = await this.some(left);
      if (got.byteLength === 0) throw new TarError(`the archive ends in the middle of ${what} (truncated?)`);
      left -= got.byteLength;
    }
  }

  private async more(): Promise<boolean> {
    if (this.ended) return false;
    const r = await this.it.next();
    if (r.done) {
      this.ended = true;
      return false;
    }
    const chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    this.buf = this.buf.byteLength === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    return true;
  }
}

/** The entries of a tar stream, in order. */
export async function* readTar(source: AsyncIterable<Buffer | Uint8Array>): AsyncGenerator<TarEntry> {
  const src = new ByteSource(source);
  let pax: Record<string, string> = {};
  for (;;) {
    const h = await src.exactly(BLOCK, 'a header');
    if (h.every((byte) => byte === 0)) return; // end-of-archive marker; what follows is padding
    verifyChecksum(h);
    const type = String.fromCharCode(h[156] || 0x30);
    const size = parseSize(h);
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x' || type === 'g') {
      const body = (await src.exactly(padded, 'a pax header')).subarray(0, size);
      if (type === 'x') pax = parsePax(body);
      continue;
    }
    const entrySize = pax.size !== undefined ? Number(pax.size) : size;
    if (!Number.isSafeInteger(entrySize) || entrySize < 0) throw new TarError(`bad entry size ${pax.size}`);
    const name = pax.path ?? ustarName(h);
    pax = {};
    if (type !== '0' && type !== '5') throw new TarError(`unsupported entry type "${type}" for ${name} (only files and directories)`);
    const clean = name.replace(/\/+$/, '');
    checkEntryPath(clean);
    let left = entrySize;
    const what = `entry ${clean}`;
    const body = (async function* () {
      while (left > 0) {
        const chunk = await src.some(Math.min(left, 1 << 20));
        if (chunk.byteLength === 0) throw new TarError(`the archive ends in the middle of ${what} (truncated?)`);
        left -= chunk.byteLength;
        yield chunk;
      }
    })();
    yield { path: clean, size: entrySize, type: type === '5' ? 'directory' : 'file', body };
    await src.skip(left, what);
    await src.skip(Math.ceil(entrySize / BLOCK) * BLOCK - entrySize, what);
  }
}

function verifyChecksum(h: Buffer): void {
  const stored = parseInt(h.toString('latin1', 148, 156).replace(/[\0 ]+$/, '').trim(), 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
  if (!Number.isFinite(stored) || stored !== sum) throw new TarError('a tar header is damaged (header checksum mismatch), or this is not a tar archive');
}

function parseSize(h: Buffer): number {
  if (h[124] & 0x80) {
    // base-256 (GNU) for sizes beyond the octal field
    let v = 0;
    for (let i = 125; i < 136; i++) v = v * 256 + h[i];
    return v;
  }
  const v = parseInt(h.toString('latin1', 124, 136).replace(/\0.*$/, '').trim() || '0', 8);
  if (!Number.isSafeInteger(v)) throw new TarError('a tar header has an unreadable size');
  return v;
}

function field(h: Buffer, offset: number, length: number): string {
  const end = h.indexOf(0, offset);
  return h.toString('utf8', offset, end === -1 || end > offset + length ? offset + length : end);
}

function ustarName(h: Buffer): string {
  const name = field(h, 0, 100);
  const prefix = h.toString('latin1', 257, 262) === 'ustar' ? field(h, 345, 155) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function parsePax(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < body.byteLength) {
    const space = body.indexOf(0x20, pos);
    const len = Number(body.toString('latin1', pos, space));
    if (space === -1 || !Number.isInteger(len) || len <= 0 || pos + len > body.byteLength) throw new TarError('a pax header is damaged');
    const record = body.toString('utf8', space + 1, pos + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += len;
  }
  return out;
}
