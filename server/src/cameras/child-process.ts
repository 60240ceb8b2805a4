/** Ending child processes for sure: every ffmpeg/ffprobe we start is gone once its owner says it stopped. */
import type { ChildProcess } from 'node:child_process';

export function hasExited(child: ChildProcess): boolean {
  // pid undefined: spawning failed (ENOENT, ...), there is no process to wait for.
  return child.pid === undefined || child.exitCode !== null || child.signalCode !== null;
}

/** Resolves once the process has exited (at once if it already has). */
export function waitForExit(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
export async function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (hasExited(child)) return;
  const exited = waitForExit(child);
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const escalate = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), graceMs);
  });
  const first = await Promise.race([exited.then(() => 'exited' as const), escalate]);
  clearTimeout(timer);
  if (first === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

/** Keeps the last `maxChars` characters of a stream of text (ffmpeg's stderr), cut at a line start when possible. */
export class TextTail {
  private text = '';

  constructor(private readonly maxChars = 2000) {}

  push(chunk: string | Buffer): void {
    this.text += chunk.toString();
    if (this.text.length > this.maxChars * 2) this.text = this.text.slice(-this.maxChars);
  }

  toString(): string {
    let tail = this.text.length > this.maxChars ? this.text.slice(-this.maxChars) : this.text;
    const newline = tail.indexOf('\n');
    if (this.text.length > this.maxChars && newline >= 0 && newline < tail.length - 1) tail = tail.slice(newline + 1);
    return tail.trim();
  }

  clear(): void {
    this.text = '';
  }
}
