/**
 * The ffmpeg / ffprobe command lines for a camera (Debian's ffmpeg 5.1: `-timeout` is the RTSP socket timeout,
 * `-rw_timeout` the generic protocol one, `-fps_mode` replaced `-vsync`). Pure: no I/O, so every option is unit-tested.
 */
import { cameraFilePath, type CameraConfig } from './camera-config.js';
import type { Size } from './decode-size.js';

/**
 * ffmpeg's own I/O timeout sits a little above the stall watchdog, so the watchdog (which says why) normally acts first
 * and ffmpeg still gives up by itself should its parent stop watching (ffprobe has no watchdog but a kill timer).
 */
export const IO_TIMEOUT_MARGIN_MS = 2_000;

/** What ffmpeg opens: files go through the `file:` protocol so a ':' in a file name is never read as a protocol. */
export function ffmpegInputUrl(config: Pick<CameraConfig, 'kind' | 'url'>): string {
  return config.kind === 'file' ? `file:${cameraFilePath(config.url)}` : config.url;
}

/** Demuxer/protocol options placed before `-i`; `forProbe` leaves out pacing and looping. */
export function inputArgs(config: CameraConfig, forProbe = false): string[] {
  const timeoutUs = String((config.stallTimeoutMs + IO_TIMEOUT_MARGIN_MS) * 1000);
  switch (config.kind) {
    case 'rtsp':
      return ['-rtsp_transport', config.rtspTransport, '-timeout', timeoutUs];
    case 'http':
      return ['-rw_timeout', timeoutUs];
    case 'device':
      return ['-f', 'v4l2'];
    case 'file': {
      if (forProbe) return [];
      const args: string[] = [];
      if (config.realtime) args.push('-re');
      if (config.loop) args.push('-stream_loop', '-1');
      return args;
    }
  }
}

/** The video filter chain: frame-rate cap first (so dropped frames are never scaled), then the exact output size. */
export function videoFilter(config: Pick<CameraConfig, 'fps'>, size: Size): string {
  const filters: string[] = [];
  if (config.fps !== undefined) filters.push(`fps=${config.fps}`);
  // Always scale: the output size stays fixed even if a camera changes resolution mid-stream, so frame splitting
  // on the pipe never goes out of step.
  filters.push(`scale=${size.width}:${size.height}:flags=bilinear`);
  return filters.join(',');
}

/**
 * Decoder threads per camera. One: a live stream decoded at its own pace needs at most one core (1080p H.264 decodes
 * several times faster than real time on one), while ffmpeg's default frame threading starts a thread per core plus
 * one, holds every frame back by the frames in flight (40 ms each at 25 fps) and decodes in bursts across all cores.
 * On the 2-core VM the detect rate and the fan-out latency did not change measurably either way (docs/performance.md).
 */
export const DEFAULT_DECODE_THREADS = 1;

/**
 * ffmpeg decoding the camera's first video stream to raw rgb24 frames of exactly `size` on stdout, with
 * `decodeThreads` decoder threads (0: ffmpeg's own choice).
 */
export function buildFfmpegArgs(config: CameraConfig, size: Size, decodeThreads = DEFAULT_DECODE_THREADS): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-threads', String(decodeThreads),
    ...inputArgs(config),
    '-i', ffmpegInputUrl(config),
    '-map', '0:v:0', '-an', '-sn', '-dn',
    '-vf', videoFilter(config, size),
    // One output frame per decoded (or fps-filtered) frame: never duplicated to fill timestamp gaps.
    '-fps_mode', 'passthrough',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
  ];
}

/** ffprobe printing the first video stream's size, frame rates and rotation as JSON. */
export function buildFfprobeArgs(config: CameraConfig): string[] {
  return [
    '-hide_banner', '-loglevel', 'error',
    ...inputArgs(config, true),
    '-select_streams', 'v:0',
    '-show_entries', 'stream=width,height,avg_frame_rate,r_frame_rate:stream_side_data=rotation',
    '-of', 'json',
    ffmpegInputUrl(config),
  ];
}
