import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { checkEntryPath, readTar, TarError, TarWriter } from './tar.js';

async function writeTar(entries: [string, Buffer][]): Promise<{ bytes: Buffer; written: { path: string; size: number; sha256: string }[] }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const tar = new TarWriter(out);
  const written = [];
  for (const [name, data] of entries) written.push(await tar.add(name, data, 1_700_000_000_000));
  await tar.finish();
  out.end();
  return { bytes: Buffer.concat(chunks), written };
}

async function readAll(bytes: Buffer, chunk = 777): Promise<{ path: string; type: string; data: Buffer }[]> {
  const pieces = (async function* () {
    for (let i = 0; i < bytes.byteLength; i += chunk) yield bytes.subarray(i, i + chunk);
  })();
  const out = [];
  for await (const e of readTar(pieces)) {
    const parts: Buffer[] = [];
    for await (const c of e.body) parts.push(c);
    out.push({ path: e.path, type: e.type, data: Buffer.concat(parts) });
  }
  return out;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const longName = `snapshots/${'camera-with-a-very-long-identifier-'.repeat(4)}/2026-01-01/track-ä-face.jpg`;

describe('tar writer and reader', () => {
  const entries: [string, Buffer][] = [
    ['backup.json', Buffer.from('{"a":1}\n')],
    ['empty', Buffer.alloc(0)],
    ['exactly-one-block', Buffer.alloc(512, 7)],
    [longName, Buffer.from('jpeg bytes')],
    ['big', Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251))],
  ];

  it('round-trips names (a long one through a pax header), sizes and bytes, and hashes what it writes', async () => {
    const { bytes, written } = await writeTar(entries);
    expect(bytes.byteLength % 512).toBe(0);
    expect(written.map((w) => [w.path, w.size, w.sha256])).toEqual(entries.map(([n, d]) => [n, d.byteLength, sha(d)]));
    const back = await readAll(bytes);
    expect(back.map((e) => [e.path, e.type, sha(e.data)])).toEqual(entries.map(([n, d]) => [n, 'file', sha(d)]));
    // Fed one byte at a time too.
    expect((await readAll(bytes, 1)).map((e) => e.data.byteLength)).toEqual(entries.map(([, d]) => d.byteLength));
  });

  it('skips the bodies a reader does not consume', async () => {
    const { bytes } = await writeTar(entries);
    const names = [];
    for await (const e of readTar((async function* () {
      yield bytes;
    })())) names.push(e.path);
    expect(names).toEqual(entries.map(([n]) => n));
  });

  it('writes archives that the system tar lists and extracts, and reads what it writes (ustar prefix, pax, directories)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-tar-'));
    try {
      const { bytes } = await writeTar(entries);
      fs.writeFileSync(path.join(dir, 'ours.tar'), bytes);
      expect(execFileSync('tar', ['-tf', path.join(dir, 'ours.tar')], { encoding: 'utf8' }).trim().split('\n')).toEqual(entries.map(([n]) => n));
      fs.mkdirSync(path.join(dir, 'x'));
      execFileSync('tar', ['-xf', path.join(dir, 'ours.tar'), '-C', path.join(dir, 'x')]);
      expect(fs.readFileSync(path.join(dir, 'x', longName)).toString()).toBe('jpeg bytes');

      const src = path.join(dir, 'src');
      const deep = path.join('a'.repeat(60), 'b'.repeat(60));
      fs.mkdirSync(path.join(src, deep), { recursive: true });
      fs.writeFileSync(path.join(src, deep, 'file.txt'), 'ustar prefix');
      for (const format of ['ustar', 'pax']) {
        const file = path.join(dir, `${format}.tar`);
        execFileSync('tar', [`--format=${format}`, '-cf', file, '-C', src, '.']);
        const got = await readAll(fs.readFileSync(file));
        const f = got.find((e) => e.type === 'file');
        expect(f?.path).toBe(`./${deep}/file.txt`);
        expect(f?.data.toString()).toBe('ustar prefix');
        expect(got.some((e) => e.type === 'directory')).toBe(true);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses damaged headers, truncation, links and paths that leave the root', async () => {
    const { bytes } = await writeTar(entries);
    const damaged = Buffer.from(bytes);
    damaged[10] ^= 1; // inside the first header's name
    await expect(readAll(damaged)).rejects.toThrow(/header checksum/);
    await expect(readAll(bytes.subarray(0, 600))).rejects.toThrow(/truncated/);
    await expect(readAll(bytes.subarray(0, 1024 + 100))).rejects.toThrow(TarError);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-tar-'));
    try {
      fs.writeFileSync(path.join(dir, 'target'), 'x');
      fs.symlinkSync('target', path.join(dir, 'link'));
      execFileSync('tar', ['--format=pax', '-cf', path.join(dir, 'links.tar'), '-C', dir, 'link']);
      await expect(readAll(fs.readFileSync(path.join(dir, 'links.tar')))).rejects.toThrow(/unsupported entry type "2"/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    for (const bad of ['../x', 'a/../../x', '/etc/passwd', '']) expect(() => checkEntryPath(bad)).toThrow(TarError);
    await expect(writeTar([['../escape', Buffer.alloc(1)]])).rejects.toThrow(/unsafe entry path/);
  });
});
