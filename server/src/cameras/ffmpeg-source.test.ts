/**
 * FfmpegSource against stand-in ffmpeg/ffprobe scripts, so every path (frames, exits, stalls, failures, stop) runs
 * fast and deterministically. Real ffmpeg and real streams: server/test/cameras.test.ts.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseCameraConfig } from './camera-config.js';
import { FfmpegSource, keepFrame, type CameraFrame, type FfmpegSourceOptions } from './ffmpeg-source.js';
import type { SourceHealth, SourceState } from './source-health.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bf-ffmpeg-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let scriptCount = 0;
/** A bash script standing in for ffmpeg or ffprobe; it records its arguments, one per line, in `<script>.args`. */
function fakeTool(body: string): string {
  const file = path.join(dir, `tool-${++scriptCount}.sh`);
  writeFileSync(file, `#!/bin/bash\nprintf '%s\\n' "$@" > "${file}.args"\necho run >> "${file}.runs"\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}
const runsOf = (tool: string) => readFileSync(`${tool}.runs`, 'utf8').trim().split('\n').length;
const argsOf = (tool: string) => readFileSync(`${tool}.args`, 'utf8').trim().split('\n');

const fastBackoff = { initialMs: 30, maxMs: 120, factor: 2, jitter: 0 };
const sources: FfmpegSource[] = [];
afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
});

function startSource(config: Record<string, unknown>, options: FfmpegSourceOptions) {
  const frames: CameraFrame[] = [];
  const states: SourceState[] = [];
  const healths: SourceHealth[] = [];
  const source = new FfmpegSource(
    parseCameraConfig({ id: 'cam', name: 'Cam', ...config }),
    {
      onFrame: (f) => frames.push(keepFrame(f)),
      onHealth: (h) => {
        healths.push(h);
        if (states.at(-1) !== h.state) states.push(h.state);
      },
    },
    { backoff: fastBackoff, killGraceMs: 300, ...options },
  );
  sources.push(source);
  source.start();
  return { source, frames, states, healths };
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const W = 16;
const H = 16;
const FRAME = W * H * 3;

describe('FfmpegSource', () => {
  it('splits stdout into frames and times an offline file by its frame rate, then ends', async () => {
    const ffmpeg = fakeTool(`head -c ${FRAME * 3 + 5} /dev/zero`);
    const { source, frames, states } = startSource(
      { url: '/videos/clip.mp4', width: W, height: H, fps: 10, realtime: false },
      { ffmpegPath: ffmpeg, firstSeq: 40 },
    );
    await waitFor('ended', () => source.health().state === 'ended');
    expect(frames.map((f) => f.seq)).toEqual([40, 41, 42]);
    expect(frames.map((f) => f.ptsMs)).toEqual([0, 100, 200]);
    expect(frames.map((f) => f.ts - frames[0]!.ts)).toEqual([0, 100, 200]);
    expect(frames.every((f) => f.image.width === W && f.image.height === H && f.image.data.length === FRAME)).toBe(true);
    expect(frames[0]!.cameraId).toBe('cam');
    expect(states).toEqual(['live', 'ended']);
    expect(source.health()).toMatchObject({ framesReceived: 3, reconnects: 0, width: W, height: H, fps: 10 });
    expect(source.health().lastError).toMatch(/last frame truncated/);
    expect(source.nextSeq).toBe(43);
    expect(argsOf(ffmpeg)).toContain(`fps=10,scale=${W}:${H}:flags=bilinear`);
  });

  it('stamps live frames with the arrival time and no pts', async () => {
    const ffmpeg = fakeTool(`head -c ${FRAME * 2} /dev/zero; exec sleep 5`);
    const before = Date.now();
    const { frames } = startSource({ url: 'rtsp://cam/s', width: W, height: H }, { ffmpegPath: ffmpeg });
    await waitFor('2 frames', () => frames.length === 2);
    for (const f of frames) {
      expect(f.ptsMs).toBeUndefined();
      expect(f.ts).toBeGreaterThanOrEqual(before);
      expect(f.ts).toBeLessThanOrEqual(Date.now());
    }
  });

  it('sizes frames from ffprobe when only one side is configured', async () => {
    const ffprobe = fakeTool(`echo '{"streams":[{"width":640,"height":360,"avg_frame_rate":"25/1"}]}'`);
    const frameBytes = 32 * 18 * 3;
    const ffmpeg = fakeTool(`head -c ${frameBytes * 2} /dev/zero`);
    const { source, frames } = startSource(
      { url: '/videos/clip.mp4', width: 32, realtime: false },
      { ffmpegPath: ffmpeg, ffprobePath: ffprobe },
    );
    await waitFor('ended', () => source.health().state === 'ended');
    expect(frames.map((f) => [f.image.width, f.image.height, f.ptsMs])).toEqual([
      [32, 18, 0],
      [32, 18, 40],
    ]);
    expect(argsOf(ffprobe).at(-1)).toBe('file:/videos/clip.mp4');
  });

  it('restarts a live source whose ffmpeg exits, keeping seq rising and counting reconnects', async () => {
    const ffmpeg = fakeTool(`head -c ${FRAME * 2} /dev/zero; echo 'Connection reset by peer' >&2; exit 1`);
    const { source, frames, states } = startSource({ url: 'rtsp://cam/s', width: W, height: H }, { ffmpegPath: ffmpeg });
    await waitFor('6 frames', () => frames.length >= 6);
    expect(frames.slice(0, 6).map((f) => f.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(states.slice(0, 4)).toEqual(['live', 'reconnecting', 'live', 'reconnecting']);
    expect(source.health().reconnects).toBeGreaterThanOrEqual(2);
    expect(source.health().lastError).toBe('Connection reset by peer');
  });

  it('kills a stalled ffmpeg and retries forever for live sources, reporting failed after maxFailures', async () => {
    const ffmpeg = fakeTool('exec sleep 30');
    const { source, states, healths } = startSource(
      { url: 'http://cam/mjpg', width: W, height: H, stallTimeoutMs: 500 },
      { ffmpegPath: ffmpeg, maxFailures: 2 },
    );
    await waitFor('first run', () => source.pid !== undefined);
    const firstPid = source.pid!;
    await waitFor('failed', () => source.health().state === 'failed', 4000);
    expect(processExists(firstPid)).toBe(false);
    expect(states).toEqual(['reconnecting', 'failed']);
    expect(source.health().lastError).toBe('no frame for 500 ms');
    // Still retrying: a third run starts.
    await waitFor('third run', () => runsOf(ffmpeg) >= 3, 3000);
    expect(healths.some((h) => h.nextRetryAt !== undefined)).toBe(true);
  });

  it('gives up on a file that fails maxFailures times in a row and keeps its error', async () => {
    const ffmpeg = fakeTool(`echo 'file:/videos/missing.mp4: No such file or directory' >&2; exit 1`);
    const { source, states } = startSource({ url: '/videos/missing.mp4', width: W, height: H, fps: 5 }, { ffmpegPath: ffmpeg });
    await waitFor('failed', () => source.health().state === 'failed');
    expect(states).toEqual(['reconnecting', 'failed']);
    expect(source.health()).toMatchObject({ reconnects: 2, lastError: 'file:/videos/missing.mp4: No such file or directory' });
    expect(source.health().nextRetryAt).toBeUndefined();
    await new Promise((r) => setTimeout(r, 300));
    expect(runsOf(ffmpeg)).toBe(3);
  });

  it('reports a probe failure like a failed run', async () => {
    const ffprobe = fakeTool(`echo 'rtsp://admin:hunter2@cam/s: Connection refused' >&2; exit 1`);
    const { source } = startSource({ url: 'rtsp://admin:hunter2@cam/s' }, { ffprobePath: ffprobe, ffmpegPath: '/bin/false' });
    await waitFor('reconnecting', () => source.health().lastError !== undefined);
    expect(source.health().state).toBe('reconnecting');
    expect(source.health().lastError).toBe('ffprobe: rtsp://***@cam/s: Connection refused');
  });

  it('says so when ffmpeg cannot be run at all', async () => {
    const { source } = startSource({ url: 'rtsp://cam/s', width: W, height: H }, { ffmpegPath: path.join(dir, 'no-such-ffmpeg') });
    await waitFor('error', () => source.health().lastError !== undefined);
    expect(source.health().lastError).toMatch(/^cannot run ffmpeg \(spawn .*no-such-ffmpeg ENOENT\)$/);
  });

  it('stop() escalates to SIGKILL, waits for the exit and leaves no process', async () => {
    const ffmpeg = fakeTool(`head -c ${FRAME} /dev/zero; trap '' TERM; exec sleep 30`);
    const { source, frames, states } = startSource({ url: 'rtsp://cam/s', width: W, height: H }, { ffmpegPath: ffmpeg });
    await waitFor('a frame', () => frames.length === 1);
    const pid = source.pid!;
    const started = Date.now();
    const stopping = source.stop();
    expect(source.stop()).toBe(stopping);
    await stopping;
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(processExists(pid)).toBe(false);
    expect(source.pid).toBeUndefined();
    expect(states).toEqual(['live', 'stopped']);
    expect(source.health().state).toBe('stopped');
  });

  it('stop() while paused (an offline reader behind) ends the run: what is left in the pipe is read to its end', async () => {
    // Far more than the pipe holds, so that ffmpeg is blocked writing when the source is paused and stopped.
    const ffmpeg = fakeTool(`head -c ${FRAME * 2000} /dev/zero`);
    const { source, frames } = startSource({ url: '/videos/clip.mp4', width: W, height: H, fps: 10, realtime: false }, { ffmpegPath: ffmpeg });
    await waitFor('a frame', () => frames.length > 0);
    source.pause();
    await new Promise((r) => setTimeout(r, 50));
    const pid = source.pid!;
    await source.stop();
    expect(processExists(pid)).toBe(false);
    expect(source.health().state).toBe('stopped');
    expect(frames.length).toBeLessThan(2000);
  });

  it('stop() during a backoff wait cancels the restart', async () => {
    const ffmpeg = fakeTool('exit 1');
    const { source } = startSource(
      { url: 'rtsp://cam/s', width: W, height: H },
      { ffmpegPath: ffmpeg, backoff: { ...fastBackoff, initialMs: 5000, maxMs: 5000 } },
    );
    await waitFor('scheduled retry', () => source.health().nextRetryAt !== undefined);
    await source.stop();
    expect(source.health()).toMatchObject({ state: 'stopped', reconnects: 0 });
    expect(source.health().nextRetryAt).toBeUndefined();
    expect(runsOf(ffmpeg)).toBe(1);
    expect(() => source.start()).toThrow(/starts once/);
    const neverStarted = new FfmpegSource(parseCameraConfig({ id: 'x', name: 'x', url: 'rtsp://h/s' }), { onFrame: () => {} });
    await neverStarted.stop();
    expect(() => neverStarted.start()).toThrow(/starts once/);
  });
});
