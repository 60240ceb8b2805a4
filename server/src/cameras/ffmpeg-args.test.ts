import { describe, expect, it } from 'vitest';
import { parseCameraConfig } from './camera-config.js';
import { buildFfmpegArgs, buildFfprobeArgs, ffmpegInputUrl, inputArgs, IO_TIMEOUT_MARGIN_MS } from './ffmpeg-args.js';

const camera = (extra: Record<string, unknown>) => parseCameraConfig({ id: 'c', name: 'c', url: 'rtsp://h/s', ...extra });
const size = { width: 320, height: 180 };

/** The value following `flag` in argv. */
function valueOf(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
}

describe('buildFfmpegArgs', () => {
  it('reads RTSP over TCP by default with a socket timeout just above the stall timeout', () => {
    const args = buildFfmpegArgs(camera({ stallTimeoutMs: 5000 }), size);
    expect(valueOf(args, '-rtsp_transport')).toBe('tcp');
    expect(valueOf(args, '-timeout')).toBe(String((5000 + IO_TIMEOUT_MARGIN_MS) * 1000));
    expect(args.indexOf('-timeout')).toBeLessThan(args.indexOf('-i'));
    expect(valueOf(args, '-i')).toBe('rtsp://h/s');
    expect(valueOf(buildFfmpegArgs(camera({ rtspTransport: 'udp' }), size), '-rtsp_transport')).toBe('udp');
  });

  it('writes quiet, stdin-free raw rgb24 video of the first video stream to stdout', () => {
    const args = buildFfmpegArgs(camera({}), size);
    expect(args.slice(0, 7)).toEqual(['-hide_banner', '-nostdin', '-loglevel', 'error', '-threads', '1', '-rtsp_transport']);
    expect(valueOf(args, '-map')).toBe('0:v:0');
    expect(args).toContain('-an');
    expect(valueOf(args, '-fps_mode')).toBe('passthrough');
    expect(args.slice(-5)).toEqual(['-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
  });

  it('decodes on one thread unless told otherwise, as an input option (before -i)', () => {
    const threadsOf = (args: string[]) => [valueOf(args, '-threads'), args.indexOf('-threads') < args.indexOf('-i')];
    expect(threadsOf(buildFfmpegArgs(camera({}), size))).toEqual(['1', true]);
    expect(threadsOf(buildFfmpegArgs(camera({}), size, 0))).toEqual(['0', true]);
    expect(threadsOf(buildFfmpegArgs(camera({}), size, 4))).toEqual(['4', true]);
  });

  it('always scales to the exact size, after an fps cap when one is set', () => {
    expect(valueOf(buildFfmpegArgs(camera({}), size), '-vf')).toBe('scale=320:180:flags=bilinear');
    expect(valueOf(buildFfmpegArgs(camera({ fps: 7.5 }), size), '-vf')).toBe('fps=7.5,scale=320:180:flags=bilinear');
  });

  it('uses the generic I/O timeout for HTTP and v4l2 for devices', () => {
    const http = buildFfmpegArgs(camera({ url: 'http://h/mjpg', stallTimeoutMs: 1000 }), size);
    expect(valueOf(http, '-rw_timeout')).toBe(String((1000 + IO_TIMEOUT_MARGIN_MS) * 1000));
    expect(http).not.toContain('-rtsp_transport');
    const device = buildFfmpegArgs(camera({ url: '/dev/video2' }), size);
    expect(valueOf(device, '-f')).toBe('v4l2');
    expect(valueOf(device, '-i')).toBe('/dev/video2');
  });

  it('paces files with -re unless offline, and loops them with -stream_loop', () => {
    const realtime = buildFfmpegArgs(camera({ url: '/v/a.mp4' }), size);
    expect(realtime).toContain('-re');
    expect(realtime).not.toContain('-stream_loop');
    const offline = buildFfmpegArgs(camera({ url: '/v/a.mp4', realtime: false, loop: true }), size);
    expect(offline).not.toContain('-re');
    expect(valueOf(offline, '-stream_loop')).toBe('-1');
    expect(offline.indexOf('-stream_loop')).toBeLessThan(offline.indexOf('-i'));
  });

  it('opens files through the file: protocol, from a path or a file URL', () => {
    expect(ffmpegInputUrl({ kind: 'file', url: '/v/12:30 cam.mp4' })).toBe('file:/v/12:30 cam.mp4');
    expect(ffmpegInputUrl({ kind: 'file', url: 'file:///v/a%20b.mp4' })).toBe('file:/v/a b.mp4');
    expect(ffmpegInputUrl({ kind: 'http', url: 'http://h/x' })).toBe('http://h/x');
  });
});

describe('buildFfprobeArgs', () => {
  it('probes the first video stream with the same transport options but without pacing or looping', () => {
    const args = buildFfprobeArgs(camera({ url: '/v/a.mp4', loop: true }));
    expect(args).not.toContain('-re');
    expect(args).not.toContain('-stream_loop');
    expect(valueOf(args, '-select_streams')).toBe('v:0');
    expect(valueOf(args, '-of')).toBe('json');
    expect(args.at(-1)).toBe('file:/v/a.mp4');
    expect(inputArgs(camera({}), true)).toEqual(['-rtsp_transport', 'tcp', '-timeout', String(12_000_000)]);
  });
});
