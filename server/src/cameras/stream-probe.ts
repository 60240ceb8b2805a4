/** Asks ffprobe for a camera stream's video size and frame rate (before ffmpeg is started with an exact size). */
import { spawn } from 'node:child_process';
import { redactUrlCredentials, type CameraConfig } from './camera-config.js';
import { TextTail } from './child-process.js';
import { buildFfprobeArgs } from './ffmpeg-args.js';

export interface StreamInfo {
  /** Display size: already swapped for a ±90° rotation, which ffmpeg applies when decoding. */
  width: number;
  height: number;
  /** Nominal frame rate, when the stream states a plausible one. */
  fps?: number;
}

export interface ProbeOptions {
  ffprobePath?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Parses `ffprobe -of json` output of buildFfprobeArgs; throws when there is no usable video stream. */
export function parseProbeOutput(json: string): StreamInfo {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error('ffprobe printed no readable JSON');
  }
  const stream = (parsed as { streams?: Record<string, unknown>[] }).streams?.[0];
  const width = stream?.width;
  const height = stream?.height;
  if (typeof width !== 'number' || typeof height !== 'number' || width <= 0 || height <= 0) {
    throw new Error('no video stream with a known size');
  }
  const sideData = Array.isArray(stream?.side_data_list) ? (stream.side_data_list as Record<string, unknown>[]) : [];
  const rotation = sideData.map((d) => d.rotation).find((r): r is number => typeof r === 'number') ?? 0;
  const quarterTurn = Math.abs(Math.round(rotation / 90)) % 2 === 1;
  const info: StreamInfo = quarterTurn ? { width: height, height: width } : { width, height };
  const fps = parseRate(stream?.avg_frame_rate) ?? parseRate(stream?.r_frame_rate);
  if (fps !== undefined) info.fps = fps;
  return info;
}

/** "30000/1001" → 29.97; undefined for 0/0 and for rates no camera has (RTSP streams may report the 90 kHz clock). */
function parseRate(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const [num, den] = value.split('/').map(Number);
  const rate = den === undefined ? num : num / den;
  return rate !== undefined && Number.isFinite(rate) && rate > 0 && rate <= 240 ? rate : undefined;
}

/** Runs ffprobe on the camera; rejects with ffprobe's error text, on timeout, or when `signal` aborts. */
export function probeStream(config: CameraConfig, options: ProbeOptions): Promise<StreamInfo> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.ffprobePath ?? 'ffprobe', buildFfprobeArgs(config), {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs,
      killSignal: 'SIGKILL',
      signal: options.signal,
    });
    let stdout = '';
    const stderr = new TextTail(1000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    let spawnError: Error | undefined;
    child.on('error', (err) => (spawnError = err));
    child.on('close', (code, signal) => {
      if (code === 0) {
        try {
          resolve(parseProbeOutput(stdout));
        } catch (err) {
          reject(new Error(`ffprobe: ${(err as Error).message}`));
        }
        return;
      }
      let reason: string;
      if (options.signal?.aborted) reason = 'aborted';
      else if (spawnError && child.pid === undefined) reason = `cannot run ffprobe (${spawnError.message})`;
      else if (signal === 'SIGKILL') reason = `no answer within ${options.timeoutMs} ms`;
      else reason = stderr.toString() || `exit code ${code}`;
      reject(new Error(`ffprobe: ${redactUrlCredentials(reason)}`));
    });
  });
}
