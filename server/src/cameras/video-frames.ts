/**
 * Every frame of a recorded video, in order, as an async iterable (offline processing: `boostface track`, tests,
 * benchmarks). Unlike the live path nothing is dropped: the reader pauses ffmpeg while `highWater` frames wait.
 */
import { parseCameraConfig } from './camera-config.js';
import { FfmpegSource, keepFrame, type CameraFrame, type FfmpegSourceOptions } from './ffmpeg-source.js';
import type { SourceHealth } from './source-health.js';

export interface VideoFramesOptions {
  cameraId?: string;
  width?: number;
  height?: number;
  fps?: number;
  /** Frames queued before ffmpeg is paused. */
  highWater?: number;
  /** Called with the source's health once its size and frame rate are known, and on every change. */
  onHealth?: (health: SourceHealth) => void;
  sourceOptions?: FfmpegSourceOptions;
}

export class VideoReadError extends Error {
  readonly code = 'VIDEO_UNREADABLE';
}

export async function* videoFrames(file: string, options: VideoFramesOptions = {}): AsyncGenerator<CameraFrame> {
  const highWater = options.highWater ?? 4;
  const config = parseCameraConfig({
    id: options.cameraId ?? 'video',
    name: options.cameraId ?? 'video',
    url: file,
    realtime: false,
    ...(options.width ? { width: options.width } : {}),
    ...(options.height ? { height: options.height } : {}),
    ...(options.fps ? { fps: options.fps } : {}),
  });
  const queue: CameraFrame[] = [];
  let done: SourceHealth | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const source = new FfmpegSource(
    config,
    {
      onFrame: (frame) => {
        queue.push(keepFrame(frame)); // the source lends its frames' pixels only until its next frame
        if (queue.length >= highWater) source.pause();
        notify();
      },
      onHealth: (health) => {
        options.onHealth?.(health);
        if (health.state === 'ended' || health.state === 'failed' || health.state === 'stopped') {
          done = health;
          notify();
        }
      },
    },
    { maxFailures: 1, ...options.sourceOptions },
  );
  source.start();
  try {
    for (;;) {
      if (queue.length) {
        const frame = queue.shift()!;
        if (queue.length < highWater / 2) source.resume();
        yield frame;
        continue;
      }
      if (done) {
        if (done.state === 'failed') throw new VideoReadError(`cannot read ${file}: ${done.lastError ?? 'ffmpeg failed'}`);
        return;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    await source.stop();
  }
}
