import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openFramePipe, stdoutFramePipe, type FramePipe } from './frame-pipe.js';

const openFds = () => readdirSync('/proc/self/fd').length;

/** Runs `node -e script` writing into the pipe; resolves with what was read, the chunks' memory and the end. */
function run(pipe: FramePipe, script: string, onChunk?: (chunk: Uint8Array, pipe: FramePipe) => void) {
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', pipe.childStdout, 'ignore'] });
  const parts: Buffer[] = [];
  const memory = new Set<ArrayBufferLike>();
  let ends = 0;
  const done = new Promise<void>((resolve) => {
    pipe.attach(
      child,
      (chunk) => {
        parts.push(Buffer.from(chunk)); // a copy: the chunk's memory is reused
        memory.add(chunk.buffer);
        onChunk?.(chunk, pipe);
      },
      () => {
        ends++;
        resolve();
      },
    );
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { done, exited, read: () => Buffer.concat(parts), memory, ends: () => ends };
}

/** 3 MB of counting bytes, written in pieces, so that the reader sees many chunks. */
const WRITER = `const b = Buffer.alloc(3 << 20); for (let i = 0; i < b.length; i++) b[i] = i % 251;
let at = 0; const next = () => { if (at >= b.length) return; const end = Math.min(b.length, at + 100000); process.stdout.write(b.subarray(at, end), next); at = end; }; next();`;
const expected = () => {
  const b = Buffer.alloc(3 << 20);
  for (let i = 0; i < b.length; i++) b[i] = i % 251;
  return b;
};

describe.runIf(process.platform === 'linux')('openFramePipe (a FIFO read into one buffer)', () => {
  it('reads everything the child wrote, into the same memory every time, ends once after the child, leaks no descriptor', async () => {
    const before = openFds();
    const pipe = await openFramePipe();
    expect(typeof pipe.childStdout).toBe('number');
    const r = run(pipe, WRITER);
    expect(await r.exited).toBe(0);
    await r.done;
    expect(r.read().equals(expected())).toBe(true);
    expect(r.memory.size).toBe(1);
    expect(r.ends()).toBe(1);
    pipe.close();
    pipe.close(); // idempotent
    await new Promise((resolve) => setImmediate(resolve));
    expect(openFds()).toBe(before);
  });

  it('pauses (the writer blocks on the full pipe) and resumes without losing a byte', async () => {
    const pipe = await openFramePipe();
    let paused = false;
    const r = run(pipe, WRITER, (_chunk, p) => {
      if (paused) return;
      paused = true;
      p.pause();
      setTimeout(() => p.resume(), 300);
    });
    await r.done;
    expect(r.read().equals(expected())).toBe(true);
    pipe.close();
  });

  it('ends at once when the child cannot be started', async () => {
    const pipe = await openFramePipe();
    const child = spawn('/nonexistent/ffmpeg', [], { stdio: ['ignore', pipe.childStdout, 'ignore'] });
    child.on('error', () => undefined);
    let ended = false;
    await new Promise<void>((resolve) =>
      pipe.attach(
        child,
        () => undefined,
        () => {
          ended = true;
          resolve();
        },
      ),
    );
    expect(ended).toBe(true);
    pipe.close();
  });
});

describe('stdoutFramePipe (the fallback)', () => {
  it('reads everything the child wrote and ends once', async () => {
    const pipe = stdoutFramePipe();
    expect(pipe.childStdout).toBe('pipe');
    const r = run(pipe, WRITER);
    await r.done;
    expect(r.read().equals(expected())).toBe(true);
    expect(r.ends()).toBe(1);
    pipe.close();
  });
});
