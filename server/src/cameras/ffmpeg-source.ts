/**
 * One camera decoded by an ffmpeg child process into raw rgb24 frames. Restarts ffmpeg when it dies or stalls, with
 * backoff, for as long as the source runs (see source-health.ts for the states); stop() leaves no process behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { RgbImage } from '../engine/types.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { redactUrlCredentials, type CameraConfig } from './camera-config.js';
import { terminate, TextTail } from './child-process.js';
import { hasFixedSize, resolveDecodeSize, type Size } from './decode-size.js';
import { buildFfmpegArgs } from './ffmpeg-args.js';
import { openFramePipe, type FramePipe } from './frame-pipe.js';
import { FrameSplitter } from './frame-splitter.js';
import { decideAfterRun, retryAttempt, type RunEnd, type SourceHealth, type SourceState } from './source-health.js';
import { probeStream, type StreamInfo } from './stream-probe.js';

export interface CameraFrame {
  cameraId: string;
  /** Per camera, +1 per frame, never reset by reconnects (nor by the manager restarting the source). */
  seq: number;
  /**
   * Capture time, ms since epoch: arrival time for live sources and real-time files; for files decoded as fast as
   * possible, the run's start time plus ptsMs, so offline timelines follow the video, not the decoder's speed.
   */
  ts: number;
  /** Files: position in the video (frame index / frame rate), counting on through loops. */
  ptsMs?: number;
  /**
   * Lent pixels: they stay as they are until the source has delivered its next frame, then may be overwritten
   * (./frame-splitter.ts). Keep a frame past that only through keepFrame().
   */
  image: RgbImage;
}

/** A frame with pixels of its own, to keep past the source's next frame (a lent frame's pixels get overwritten). */
export function keepFrame(frame: CameraFrame): CameraFrame {
  const data = Buffer.allocUnsafeSlow(frame.image.data.length);
  data.set(frame.image.data);
  return { ...frame, image: { ...frame.image, data } };
}

export interface SourceHandlers {
  /** Called for every frame, synchronously from the pipe reader: keep it quick (hand over to a FrameScheduler). */
  onFrame(frame: CameraFrame): void;
  /** Called on every state change and whenever a run ends (lastError, reconnects, nextRetryAt updated). */
  onHealth?(health: SourceHealth): void;
}

export interface FfmpegSourceOptions {
  ffmpegPath?: string;
  /** ffmpeg decoder threads (default DEFAULT_DECODE_THREADS; 0 = ffmpeg's own choice). */
  decodeThreads?: number;
  ffprobePath?: string;
  backoff?: BackoffPolicy;
  /** Runs in a row without a frame before the state is 'failed' (files then stop retrying). */
  maxFailures?: number;
  /** Time between SIGTERM and SIGKILL on stop(). */
  killGraceMs?: number;
  /** ffprobe time limit; defaults to the camera's stallTimeoutMs. */
  probeTimeoutMs?: number;
  /** First sequence number (the manager passes the previous source's nextSeq on restart). */
  firstSeq?: number;
  now?: () => number;
  random?: () => number;
}

/** What the manager needs from a source; FfmpegSource is the real one, tests may use others. */
export interface CameraSource {
  start(): void;
  stop(): Promise<void>;
  health(): SourceHealth;
  readonly nextSeq: number;
}

export class FfmpegSource implements CameraSource {
  private readonly opts: Required<Omit<FfmpegSourceOptions, 'firstSeq' | 'decodeThreads'>> & Pick<FfmpegSourceOptions, 'decodeThreads'>;
  private seq: number;
  private state: SourceState = 'starting';
  private readonly status: Omit<SourceHealth, 'state'>;
  private failures = 0;
  private started = false;
  private stopping = false;
  private child: ChildProcess | undefined;
  private pipe: FramePipe | undefined;
  private probeAbort: AbortController | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private activeRun: Promise<void> | undefined;
  private stopped: Promise<void> | undefined;
  private paused = false;

  constructor(
    readonly config: CameraConfig,
    private readonly handlers: SourceHandlers,
    options: FfmpegSourceOptions = {},
  ) {
    this.opts = {
      ffmpegPath: options.ffmpegPath ?? 'ffmpeg',
      decodeThreads: options.decodeThreads,
      ffprobePath: options.ffprobePath ?? 'ffprobe',
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      maxFailures: options.maxFailures ?? 3,
      killGraceMs: options.killGraceMs ?? 2000,
      probeTimeoutMs: options.probeTimeoutMs ?? config.stallTimeoutMs,
      now: options.now ?? Date.now,
      random: options.random ?? Math.random,
    };
    this.seq = options.firstSeq ?? 0;
    this.status = { since: this.opts.now(), framesReceived: 0, reconnects: 0 };
  }

  get nextSeq(): number {
    return this.seq;
  }

  /** The running ffmpeg's process id, if one runs now. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  health(): SourceHealth {
    return { state: this.state, ...this.status };
  }

  /**
   * Backpressure for offline readers: stop reading ffmpeg's output (ffmpeg then blocks on the full pipe) until
   * resume(). A paused source is not stalled: the watchdog waits.
   */
  pause(): void {
    this.paused = true;
    this.pipe?.pause();
  }

  resume(): void {
    this.paused = false;
    this.pipe?.resume();
  }

  start(): void {
    if (this.started || this.stopping) throw new Error(`camera ${this.config.id}: a source starts once`);
    this.started = true;
    this.attempt();
  }

  /** Kills ffmpeg/ffprobe (SIGTERM, then SIGKILL) and resolves once they have exited. Safe to call again. */
  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    delete this.status.nextRetryAt;
    this.probeAbort?.abort();
    if (this.child) await terminate(this.child, this.opts.killGraceMs);
    await this.activeRun;
    this.setState('stopped');
  }

  private attempt(): void {
    this.activeRun = this.runOnce().catch((err: unknown) => {
      // Not expected (spawn and probe failures are handled as run ends); keep the source alive all the same.
      if (!this.stopping) this.endRun({ reason: 'exit', exitCode: null, frames: 0 }, String(err));
    });
  }

  private async runOnce(): Promise<void> {
    let info: StreamInfo | undefined;
    // Files are probed even at a fixed size: their frame rate gives the frames' presentation times.
    if (!hasFixedSize(this.config) || (this.config.kind === 'file' && this.config.fps === undefined)) {
      const abort = new AbortController();
      this.probeAbort = abort;
      try {
        info = await probeStream(this.config, {
          ffprobePath: this.opts.ffprobePath,
          timeoutMs: this.opts.probeTimeoutMs,
          signal: abort.signal,
        });
      } catch (err) {
        if (!this.stopping) this.endRun({ reason: 'probe', exitCode: null, frames: 0 }, (err as Error).message);
        return;
      } finally {
        this.probeAbort = undefined;
      }
      if (this.stopping) return;
    }
    const size = resolveDecodeSize(this.config, info);
    const fps = this.config.fps ?? info?.fps;
    this.status.width = size.width;
    this.status.height = size.height;
    if (fps !== undefined) this.status.fps = fps;
    else delete this.status.fps;
    const pipe = await openFramePipe();
    if (this.stopping) {
      pipe.close();
      return;
    }
    await this.runFfmpeg(size, fps, pipe);
  }

  private runFfmpeg(size: Size, fps: number | undefined, pipe: FramePipe): Promise<void> {
    const { config } = this;
    return new Promise((resolve) => {
      let child: ChildProcess;
      try {
        child = spawn(this.opts.ffmpegPath, buildFfmpegArgs(config, size, this.opts.decodeThreads), { stdio: ['ignore', pipe.childStdout, 'pipe'] });
      } catch (err) {
        pipe.close(); // spawn refused its arguments outright: the pipe's descriptors are ours to release
        throw err;
      }
      this.child = child;
      this.pipe = pipe;
      const stderr = new TextTail();
      const runStart = this.opts.now();
      const isFile = config.kind === 'file';
      let frames = 0;
      let stalled = false;
      let spawnError: Error | undefined;

      const watchdog = setTimeout(() => {
        if (this.paused) {
          watchdog.refresh();
          return;
        }
        stalled = true;
        // A stalled ffmpeg is of no further use: no grace period.
        child.kill('SIGKILL');
      }, config.stallTimeoutMs);

      const splitter = new FrameSplitter(size.width * size.height * 3, (data) => {
        watchdog.refresh();
        const ptsMs = isFile && fps !== undefined ? (frames * 1000) / fps : undefined;
        frames++;
        const ts = ptsMs !== undefined && !config.realtime ? runStart + ptsMs : this.opts.now();
        const frame: CameraFrame = { cameraId: config.id, seq: this.seq++, ts, image: { data, width: size.width, height: size.height } };
        if (ptsMs !== undefined) frame.ptsMs = ptsMs;
        this.status.framesReceived++;
        this.status.lastFrameAt = ts;
        if (this.state !== 'live') this.setState('live');
        this.handlers.onFrame(frame);
      });

      // The run ends when ffmpeg has exited and everything it wrote has been read (the pipe outlives the process).
      let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      let outputRead = false;
      const finish = () => {
        if (!exit || !outputRead) return;
        clearTimeout(watchdog);
        pipe.close();
        this.child = undefined;
        this.pipe = undefined;
        const { code, signal } = exit;
        if (!this.stopping) {
          const tail = stderr.toString();
          let error: string | undefined;
          if (stalled) error = `no frame for ${config.stallTimeoutMs} ms${tail ? `; ffmpeg: ${tail}` : ''}`;
          else if (child.pid === undefined) error = `cannot run ffmpeg (${spawnError?.message ?? 'spawn failed'})`;
          else if (code !== 0) error = tail || `ffmpeg exited with ${code ?? signal}`;
          else if (!isFile || config.loop) error = 'stream ended';
          if (splitter.pendingBytes > 0) error = `${error ?? 'ended'} (last frame truncated)`;
          this.endRun({ reason: stalled ? 'stall' : 'exit', exitCode: code, frames }, error);
        }
        resolve();
      };
      pipe.attach(
        child,
        (chunk) => {
          // Once stop() began, nothing more is delivered: the manager may already have a successor numbering frames.
          if (!this.stopping) splitter.push(chunk);
        },
        () => {
          outputRead = true;
          finish();
        },
      );
      if (this.paused) pipe.pause();
      child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
      // ffmpeg is gone (or never ran): read what is left up to the end even when paused (as Node does with a child's
      // stdio on exit), or a source stopped while paused would wait forever for an end it never reads.
      child.on('error', (err) => {
        spawnError = err;
        pipe.resume();
      });
      child.on('exit', () => pipe.resume());
      child.on('close', (code, signal) => {
        exit = { code, signal };
        finish();
      });
    });
  }

  private endRun(end: RunEnd, error: string | undefined): void {
    if (error !== undefined) this.status.lastError = redactUrlCredentials(error);
    const decision = decideAfterRun(end, {
      kind: this.config.kind,
      loop: this.config.loop,
      failures: this.failures,
      maxFailures: this.opts.maxFailures,
    });
    this.failures = decision.failures;
    if (decision.retry) {
      const delay = backoffDelay(retryAttempt(decision.failures), this.opts.backoff, this.opts.random);
      this.status.nextRetryAt = this.opts.now() + delay;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        delete this.status.nextRetryAt;
        this.status.reconnects++;
        this.attempt();
      }, delay);
    }
    if (!this.setState(decision.state)) this.handlers.onHealth?.(this.health());
  }

  /** Returns whether the state changed (and health was reported). */
  private setState(state: SourceState): boolean {
    if (state === this.state) return false;
    this.state = state;
    this.status.since = this.opts.now();
    this.handlers.onHealth?.(this.health());
    return true;
  }
}
