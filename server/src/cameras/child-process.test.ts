import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { hasExited, terminate, TextTail, waitForExit } from './child-process.js';

describe('terminate', () => {
  it('ends a process with SIGTERM when it obeys', async () => {
    const child = spawn('sleep', ['30']);
    await terminate(child, 5000);
    expect(child.signalCode).toBe('SIGTERM');
    expect(hasExited(child)).toBe(true);
  });

  it('escalates to SIGKILL after the grace time', async () => {
    const child = spawn('bash', ['-c', "trap '' TERM; echo ready; exec sleep 30"]);
    await new Promise((resolve) => child.stdout.once('data', resolve));
    const started = Date.now();
    await terminate(child, 200);
    expect(child.signalCode).toBe('SIGKILL');
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('returns at once for a process that never started or already exited', async () => {
    const missing = spawn('/nonexistent/tool');
    missing.on('error', () => {});
    await terminate(missing, 5000);
    const done = spawn('true');
    await waitForExit(done);
    await terminate(done, 5000);
    expect(done.exitCode).toBe(0);
  });
});

describe('TextTail', () => {
  it('keeps the whole text while short', () => {
    const tail = new TextTail(100);
    tail.push('a\n');
    tail.push(Buffer.from('b\n'));
    expect(tail.toString()).toBe('a\nb');
  });

  it('keeps the last characters of long text, starting at a line', () => {
    const tail = new TextTail(20);
    for (let i = 0; i < 50; i++) tail.push(`line ${i}\n`);
    expect(tail.toString()).toBe('line 48\nline 49');
    tail.clear();
    expect(tail.toString()).toBe('');
  });
});
