import { describe, expect, it } from 'vitest';
import {
  CameraConfigError,
  cameraFilePath,
  DEFAULT_STALL_TIMEOUT_MS,
  inferCameraKind,
  parseCameraConfig,
  redactUrlCredentials,
} from './camera-config.js';

const base = { id: 'cam-1', name: 'Front door', url: 'rtsp://10.0.0.5/stream1' };

function errorOf(input: unknown): CameraConfigError {
  try {
    parseCameraConfig(input);
  } catch (err) {
    if (err instanceof CameraConfigError) return err;
    throw err;
  }
  throw new Error('expected a CameraConfigError');
}

describe('inferCameraKind', () => {
  it('reads the kind from the scheme or path', () => {
    expect(inferCameraKind('rtsp://h/s')).toBe('rtsp');
    expect(inferCameraKind('RTSPS://h/s')).toBe('rtsp');
    expect(inferCameraKind('http://h/mjpg')).toBe('http');
    expect(inferCameraKind('https://h/x.m3u8')).toBe('http');
    expect(inferCameraKind('/dev/video0')).toBe('device');
    expect(inferCameraKind('/dev/v4l/by-id/usb-cam-video-index0')).toBe('device');
    expect(inferCameraKind('/videos/a.mp4')).toBe('file');
    expect(inferCameraKind('file:///videos/a.mp4')).toBe('file');
  });

  it('refuses schemes it cannot ingest', () => {
    expect(() => inferCameraKind('srt://h:9000')).toThrow(/unsupported scheme 'srt:\/\/'/);
  });
});

describe('parseCameraConfig', () => {
  it('applies defaults', () => {
    expect(parseCameraConfig(base)).toEqual({
      ...base,
      kind: 'rtsp',
      loop: false,
      realtime: true,
      rtspTransport: 'tcp',
      enabled: true,
      stallTimeoutMs: DEFAULT_STALL_TIMEOUT_MS,
    });
  });

  it('keeps every option given', () => {
    const config = parseCameraConfig({
      id: 'lobby.2',
      name: '  Lobby  ',
      url: 'file:///data/lobby%20cam.mp4',
      width: 640,
      fps: 12.5,
      detectFps: 5,
      loop: true,
      realtime: false,
      enabled: false,
      stallTimeoutMs: 3000,
    });
    expect(config).toMatchObject({ name: 'Lobby', kind: 'file', width: 640, fps: 12.5, detectFps: 5, loop: true, realtime: false });
    expect(config.height).toBeUndefined();
    expect(cameraFilePath(config.url)).toBe('/data/lobby cam.mp4');
  });

  it('names the field in every error, with the BAD_USER_INPUT code', () => {
    const cases: [unknown, string, RegExp][] = [
      [null, 'config', /expected an object/],
      [{ ...base, colour: 'red' }, 'colour', /unknown field/],
      [{ name: 'x', url: 'rtsp://h/s' }, 'id', /is required/],
      [{ ...base, id: 'has space' }, 'id', /letters, digits/],
      [{ ...base, name: '   ' }, 'name', /1-200/],
      [{ ...base, name: 7 }, 'name', /must be a string/],
      [{ ...base, url: '' }, 'url', /must not be empty/],
      [{ ...base, url: 'udp://239.0.0.1:1234' }, 'url', /unsupported scheme/],
      [{ ...base, url: 'videos/a.mp4' }, 'url', /must be absolute/],
      [{ ...base, url: 'file://host/a.mp4' }, 'url', /invalid file URL/],
      [{ ...base, kind: 'file' }, 'kind', /does not match url \(looks like rtsp\)/],
      [{ ...base, kind: 'camera' }, 'kind', /one of 'file', 'rtsp', 'http', 'device'/],
      [{ ...base, width: 8 }, 'width', /between 16 and 4096/],
      [{ ...base, height: 300.5 }, 'height', /an integer/],
      [{ ...base, fps: 0 }, 'fps', /between/],
      [{ ...base, detectFps: '5' }, 'detectFps', /a number/],
      [{ ...base, fps: Number.NaN }, 'fps', /a number/],
      [{ ...base, loop: true }, 'loop', /file cameras only/],
      [{ ...base, realtime: false }, 'realtime', /file cameras only/],
      [{ ...base, enabled: 'yes' }, 'enabled', /true or false/],
      [{ ...base, rtspTransport: 'http' }, 'rtspTransport', /'tcp', 'udp'/],
      [{ ...base, url: 'http://h/m', rtspTransport: 'udp' }, 'rtspTransport', /rtsp cameras only/],
      [{ ...base, stallTimeoutMs: 100 }, 'stallTimeoutMs', /between 500/],
    ];
    for (const [input, field, message] of cases) {
      const err = errorOf(input);
      expect(err.field, JSON.stringify(input)).toBe(field);
      expect(err.code).toBe('BAD_USER_INPUT');
      expect(err.message).toMatch(message);
      expect(err.message.startsWith(`camera ${field}: `)).toBe(true);
    }
  });

  it('accepts options that only restate a default on another kind, and devices at any /dev path', () => {
    expect(parseCameraConfig({ ...base, url: 'http://h/m', rtspTransport: 'tcp', loop: false, realtime: true }).kind).toBe('http');
    expect(parseCameraConfig({ ...base, url: '/dev/v4l/by-path/pci-0', kind: 'device' }).kind).toBe('device');
    expect(errorOf({ ...base, url: '/srv/a.mp4', kind: 'device' }).field).toBe('kind');
  });
});

describe('redactUrlCredentials', () => {
  it('hides user and password in every URL of a text', () => {
    expect(redactUrlCredentials('rtsp://admin:s3cr%40t@10.0.0.5:554/s: 401 Unauthorized; http://u@h/x')).toBe(
      'rtsp://***@10.0.0.5:554/s: 401 Unauthorized; http://***@h/x',
    );
    expect(redactUrlCredentials('rtsp://10.0.0.5/s')).toBe('rtsp://10.0.0.5/s');
  });
});
