/**
 * The pipe ffmpeg writes raw frames into, read back into one reusable buffer.
 *
 * Why not the child's stdout pipe: Node reads a child's stdout into a fresh buffer per read (64 KiB), 38 MB/s for one
 * 960×540 camera at 25 fps, 150 MB/s at 1080p. V8 counts those buffers as external memory and answered with a full
 * garbage collection two or three times a second, whose pauses (up to 35 ms) held up everything on the event loop:
 * subscription delivery above all (docs/performance.md). A named pipe (FIFO) opened here as a socket reads into a
 * buffer of ours instead (net.Socket's `onread`), so reading frames allocates nothing.
 *
 * Where no FIFO can be made (no `mkfifo`, not POSIX), frames come through stdout as before.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Socket, type OnReadOpts, type SocketConstructorOpts } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export interface FramePipe {
  /** What goes in spawn's stdio[1]: the FIFO's write end, or 'pipe'. */
  readonly childStdout: number | 'pipe';
  /**
   * After spawn: read what the child writes. A chunk is valid only during `onChunk` (its memory is reused).
   * `onEnd` is called once, when the child's end is closed and everything written was read (or reading failed).
   */
  attach(child: ChildProcess, onChunk: (chunk: Uint8Array) => void, onEnd: () => void): void;
  /** Backpressure: the child blocks on the full pipe until resume(). */
  pause(): void;
  resume(): void;
  /** Stops reading and releases the pipe (idempotent). */
  close(): void;
}

const READ_BUFFER_BYTES = 256 * 1024;
const execFileAsync = promisify(execFile);

let fifoUnavailable = false;

/** A pipe for one ffmpeg run: a FIFO where possible, else the child's stdout. */
export async function openFramePipe(): Promise<FramePipe> {
  if (!fifoUnavailable && process.platform !== 'win32') {
    try {
      return await openFifo();
    } catch {
      fifoUnavailable = true; // no mkfifo here: stdout from now on
    }
  }
  return stdoutFramePipe();
}

async function openFifo(): Promise<FramePipe> {
  // Made without blocking the event loop (mkfifo is a process): cameras (re)start while subscribers are served.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'boostface-frames-'));
  let readFd: number | undefined;
  let writeFd: number | undefined;
  try {
    const fifo = path.join(dir, 'frames');
    await execFileAsync('mkfifo', ['-m', '600', fifo]);
    // The read end first, non-blocking (opening either end alone would wait for the other); then the write end.
    readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    writeFd = openSync(fifo, constants.O_WRONLY);
  } catch (err) {
    if (readFd !== undefined) closeSync(readFd);
    throw err;
  } finally {
    await rm(dir, { recursive: true, force: true }); // both ends are open: the name is no longer needed
  }
  const fds: { read: number | undefined; write: number | undefined } = { read: readFd, write: writeFd };
  let reader: Socket | undefined;
  const closeWriteEnd = () => {
    if (fds.write !== undefined) closeSync(fds.write);
    fds.write = undefined;
  };
  return {
    childStdout: writeFd,
    attach(_child, onChunk, onEnd) {
      // The child has its own copy of the write end now; ours would keep the reader from ever seeing the end.
      closeWriteEnd();
      const buffer = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
      const end = once(onEnd);
      // `onread` in the constructor is documented (Node ≥ 12) but missing from @types/node's constructor options.
      const onread: OnReadOpts = {
        buffer,
        callback: (bytes, buf) => {
          onChunk(buf.subarray(0, bytes));
          return true;
        },
      };
      reader = new Socket({ fd: fds.read, readable: true, writable: false, onread } as SocketConstructorOpts);
      reader.on('error', end);
      reader.on('close', end);
      reader.on('end', () => reader?.destroy());
    },
    pause: () => reader?.pause(),
    resume: () => reader?.resume(),
    close() {
      closeWriteEnd();
      if (reader) reader.destroy();
      else if (fds.read !== undefined) closeSync(fds.read);
      fds.read = undefined;
    },
  };
}

/** The fallback: the child's stdout, a fresh buffer per read. */
export function stdoutFramePipe(): FramePipe {
  let child: ChildProcess | undefined;
  return {
    childStdout: 'pipe',
    attach(c, onChunk, onEnd) {
      child = c;
      const out = c.stdout!;
      out.on('data', onChunk);
      const end = once(onEnd);
      out.on('close', end);
      out.on('error', end);
    },
    pause: () => child?.stdout?.pause(),
    resume: () => child?.stdout?.resume(),
    close: () => child?.stdout?.destroy(),
  };
}

function once(fn: () => void): () => void {
  let called = false;
  return () => {
    if (called) return;
    called = true;
    fn();
  };
}
