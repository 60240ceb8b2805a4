import { describe, expect, it } from 'vitest';
import { decideAfterRun, isFinalState, retryAttempt } from './source-health.js';

const live = { kind: 'rtsp' as const, loop: false, failures: 0, maxFailures: 3 };
const file = { kind: 'file' as const, loop: false, failures: 0, maxFailures: 3 };

describe('decideAfterRun', () => {
  it('ends a non-looping file that exits cleanly, and retries one that breaks', () => {
    expect(decideAfterRun({ reason: 'exit', exitCode: 0, frames: 275 }, file)).toEqual({ state: 'ended', retry: false, failures: 0 });
    expect(decideAfterRun({ reason: 'exit', exitCode: 1, frames: 40 }, file)).toEqual({ state: 'reconnecting', retry: true, failures: 0 });
    expect(decideAfterRun({ reason: 'stall', exitCode: null, frames: 40 }, file).retry).toBe(true);
  });

  it('restarts a looping file or a live source whatever its exit code', () => {
    expect(decideAfterRun({ reason: 'exit', exitCode: 0, frames: 10 }, { ...file, loop: true }).state).toBe('reconnecting');
    expect(decideAfterRun({ reason: 'exit', exitCode: 0, frames: 10 }, live)).toEqual({ state: 'reconnecting', retry: true, failures: 0 });
  });

  it('counts runs without frames and fails after maxFailures: files stop, live sources keep retrying', () => {
    const noFrames = { reason: 'exit' as const, exitCode: 1, frames: 0 };
    expect(decideAfterRun(noFrames, { ...file, failures: 1 })).toEqual({ state: 'reconnecting', retry: true, failures: 2 });
    expect(decideAfterRun(noFrames, { ...file, failures: 2 })).toEqual({ state: 'failed', retry: false, failures: 3 });
    expect(decideAfterRun({ reason: 'probe', exitCode: null, frames: 0 }, { ...live, failures: 2 })).toEqual({
      state: 'failed',
      retry: true,
      failures: 3,
    });
    expect(decideAfterRun({ reason: 'stall', exitCode: null, frames: 0 }, { ...live, failures: 7 }).failures).toBe(8);
  });

  it('forgives earlier failures once a run delivers frames', () => {
    expect(decideAfterRun({ reason: 'stall', exitCode: null, frames: 1 }, { ...live, failures: 9 })).toEqual({
      state: 'reconnecting',
      retry: true,
      failures: 0,
    });
  });
});

describe('retryAttempt / isFinalState', () => {
  it('waits least after frames or a first failure, longer after each further failure', () => {
    expect([0, 1, 2, 3, 10].map(retryAttempt)).toEqual([0, 0, 1, 2, 9]);
  });

  it('treats failed as final for files only', () => {
    expect(isFinalState('failed', 'file')).toBe(true);
    expect(isFinalState('failed', 'rtsp')).toBe(false);
    expect(isFinalState('ended', 'file')).toBe(true);
    expect(isFinalState('stopped', 'http')).toBe(true);
    expect(isFinalState('reconnecting', 'file')).toBe(false);
  });
});
