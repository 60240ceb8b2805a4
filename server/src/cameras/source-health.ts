/** The health state machine of a camera source, as pure functions (the FfmpegSource applies them). */
import type { CameraKind } from './camera-config.js';

/**
 * starting → live → (reconnecting → live)* → stopped | ended | failed.
 * - ended: a non-looping file reached its end (final).
 * - failed: `maxFailures` runs in a row delivered no frame. Final for files (a broken file stays broken); a live
 *   source keeps retrying with backoff and goes back to live when frames arrive.
 * - stopped: stop() was called (final).
 */
export type SourceState = 'starting' | 'live' | 'reconnecting' | 'ended' | 'stopped' | 'failed';

export interface SourceHealth {
  state: SourceState;
  /** When the current state was entered, ms since epoch. */
  since: number;
  /** Why the last run ended (ffmpeg's stderr tail, a stall, a probe error), credentials redacted. */
  lastError?: string;
  framesReceived: number;
  /** Restarts after the first run. */
  reconnects: number;
  lastFrameAt?: number;
  /** When the next restart is due, while one is scheduled. */
  nextRetryAt?: number;
  /** Decoded frame size and nominal frame rate of the current run, once known. */
  width?: number;
  height?: number;
  fps?: number;
}

/** How one ffmpeg run ended. */
export interface RunEnd {
  /** exit: the process ended by itself; stall: killed by the watchdog; probe: ffprobe failed (ffmpeg never ran). */
  reason: 'exit' | 'stall' | 'probe';
  exitCode: number | null;
  /** Frames this run delivered. */
  frames: number;
}

export interface RunContext {
  kind: CameraKind;
  loop: boolean;
  /** Runs in a row that delivered no frame, before this one. */
  failures: number;
  maxFailures: number;
}

export interface RunDecision {
  state: SourceState;
  retry: boolean;
  /** Runs in a row without a frame, this one included. */
  failures: number;
}

export function decideAfterRun(end: RunEnd, ctx: RunContext): RunDecision {
  if (ctx.kind === 'file' && !ctx.loop && end.reason === 'exit' && end.exitCode === 0) {
    return { state: 'ended', retry: false, failures: 0 };
  }
  const failures = end.frames > 0 ? 0 : ctx.failures + 1;
  if (failures >= ctx.maxFailures) return { state: 'failed', retry: ctx.kind !== 'file', failures };
  return { state: 'reconnecting', retry: true, failures };
}

/** Backoff attempt index for the retry after a run: the first retry after frames (or the first failure) waits least. */
export function retryAttempt(failures: number): number {
  return Math.max(0, failures - 1);
}

export function isFinalState(state: SourceState, kind: CameraKind): boolean {
  return state === 'ended' || state === 'stopped' || (state === 'failed' && kind === 'file');
}
