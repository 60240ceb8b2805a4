/**
 * Camera configuration: the one validated shape every camera module works from. `parseCameraConfig` turns untrusted
 * input (GraphQL, config files, the store) into a `CameraConfig` with defaults applied, or throws a
 * `CameraConfigError` that names the field.
 */
import { fileURLToPath } from 'node:url';

export type CameraKind = 'file' | 'rtsp' | 'http' | 'device';
export type RtspTransport = 'tcp' | 'udp';

export interface CameraConfig {
  /** Stable identifier: letters, digits, '.', '_', '-' (used in URLs, logs and track events). */
  id: string;
  name: string;
  /** rtsp(s)://, http(s)://, /dev/video*, an absolute file path or a file:// URL. */
  url: string;
  kind: CameraKind;
  /** Decode size. Only one given: the other follows the source's aspect ratio. Neither: the source size, capped. */
  width?: number;
  height?: number;
  /** Decode frame-rate cap (ffmpeg drops frames above it). */
  fps?: number;
  /** Detection rate cap, applied by the frame scheduler, not by ffmpeg. */
  detectFps?: number;
  /** Files only: start again at the end. */
  loop: boolean;
  /** Files only: pace at the native frame rate (true) or decode as fast as possible (false, offline processing). */
  realtime: boolean;
  /** RTSP only. */
  rtspTransport: RtspTransport;
  enabled: boolean;
  /** A source that delivers no frame for this long is restarted. */
  stallTimeoutMs: number;
}

/** Error codes shared with the API layer (GraphQL extensions.code). */
export type CameraErrorCode = 'BAD_USER_INPUT' | 'NOT_FOUND' | 'CONFLICT';

export class CameraError extends Error {
  constructor(
    readonly code: CameraErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CameraError';
  }
}

export class CameraConfigError extends CameraError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('BAD_USER_INPUT', `camera ${field}: ${message}`);
    this.name = 'CameraConfigError';
  }
}

export const DEFAULT_STALL_TIMEOUT_MS = 10_000;
/** Longest decoded side when the size is left to the source: larger frames only cost memory and detector time. */
export const MAX_AUTO_DECODE_SIDE = 1920;
const MIN_SIDE = 16;
const MAX_SIDE = 4096;
const MAX_FPS = 240;
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const FIELDS = new Set([
  'id', 'name', 'url', 'kind', 'width', 'height', 'fps', 'detectFps', 'loop', 'realtime', 'rtspTransport', 'enabled',
  'stallTimeoutMs',
]);

/** The kind a URL implies; throws for schemes we do not ingest. */
export function inferCameraKind(url: string): CameraKind {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'rtsp' || scheme === 'rtsps') return 'rtsp';
  if (scheme === 'http' || scheme === 'https') return 'http';
  if (scheme === 'file') return 'file';
  if (scheme !== undefined) throw new CameraConfigError('url', `unsupported scheme '${scheme}://' (rtsp, http, file)`);
  if (/^\/dev\/video\d+$/.test(url) || url.startsWith('/dev/v4l/')) return 'device';
  return 'file';
}

/** The filesystem path of a file camera's url (a path or a file:// URL). */
export function cameraFilePath(url: string): string {
  return url.toLowerCase().startsWith('file://') ? fileURLToPath(url) : url;
}

/** Replaces the user:password part of every URL in `text` (ffmpeg quotes URLs in its errors). */
export function redactUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, '$1***@');
}

/** The fields two configurations disagree on (fields are primitives; an absent optional field differs from a set one). */
export function differingFields(a: CameraConfig, b: CameraConfig): (keyof CameraConfig)[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as (keyof CameraConfig)[]);
  return [...keys].filter((k) => a[k] !== b[k]);
}

/**
 * Validates untrusted input and applies defaults. Options that apply to one kind only (loop, realtime: files;
 * rtspTransport: RTSP) are refused with a non-default value on another kind rather than silently ignored.
 */
export function parseCameraConfig(input: unknown): CameraConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new CameraConfigError('config', 'expected an object');
  }
  const raw = input as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!FIELDS.has(key)) throw new CameraConfigError(key, 'unknown field');
  }

  const id = requireString(raw, 'id');
  if (!ID_PATTERN.test(id)) {
    throw new CameraConfigError('id', `'${id}' must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  }
  const name = requireString(raw, 'name').trim();
  if (name.length === 0 || name.length > 200) throw new CameraConfigError('name', 'must be 1-200 characters');
  const url = requireString(raw, 'url').trim();
  if (url.length === 0) throw new CameraConfigError('url', 'must not be empty');

  const inferred = inferCameraKind(url);
  const kind = optionalEnum(raw, 'kind', ['file', 'rtsp', 'http', 'device'] as const) ?? inferred;
  // A device may sit at any /dev path (udev symlinks); otherwise the scheme decides.
  const compatible = kind === inferred || (kind === 'device' && inferred === 'file' && url.startsWith('/dev/'));
  if (!compatible) throw new CameraConfigError('kind', `'${kind}' does not match url (looks like ${inferred})`);
  if (kind === 'file') checkFileUrl(url);

  const config: CameraConfig = {
    id,
    name,
    url,
    kind,
    loop: optionalBoolean(raw, 'loop') ?? false,
    realtime: optionalBoolean(raw, 'realtime') ?? true,
    rtspTransport: optionalEnum(raw, 'rtspTransport', ['tcp', 'udp'] as const) ?? 'tcp',
    enabled: optionalBoolean(raw, 'enabled') ?? true,
    stallTimeoutMs: optionalNumber(raw, 'stallTimeoutMs', 500, 600_000, true) ?? DEFAULT_STALL_TIMEOUT_MS,
  };
  const width = optionalNumber(raw, 'width', MIN_SIDE, MAX_SIDE, true);
  const height = optionalNumber(raw, 'height', MIN_SIDE, MAX_SIDE, true);
  const fps = optionalNumber(raw, 'fps', 0.01, MAX_FPS, false);
  const detectFps = optionalNumber(raw, 'detectFps', 0.01, MAX_FPS, false);
  if (width !== undefined) config.width = width;
  if (height !== undefined) config.height = height;
  if (fps !== undefined) config.fps = fps;
  if (detectFps !== undefined) config.detectFps = detectFps;

  if (kind !== 'file' && config.loop) throw new CameraConfigError('loop', 'applies to file cameras only');
  if (kind !== 'file' && !config.realtime) {
    throw new CameraConfigError('realtime', 'false applies to file cameras only (live sources run in real time)');
  }
  if (kind !== 'rtsp' && raw.rtspTransport !== undefined && config.rtspTransport !== 'tcp') {
    throw new CameraConfigError('rtspTransport', 'applies to rtsp cameras only');
  }
  return config;
}

function checkFileUrl(url: string): void {
  let file: string;
  try {
    file = cameraFilePath(url);
  } catch (err) {
    throw new CameraConfigError('url', `invalid file URL (${(err as Error).message})`);
  }
  // Relative paths would depend on the server's working directory.
  if (!file.startsWith('/')) throw new CameraConfigError('url', `a file path must be absolute, got '${url}'`);
}

function requireString(raw: Record<string, unknown>, field: string): string {
  const value = raw[field];
  if (typeof value !== 'string') throw new CameraConfigError(field, value === undefined ? 'is required' : 'must be a string');
  return value;
}

function optionalBoolean(raw: Record<string, unknown>, field: string): boolean | undefined {
  const value = raw[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new CameraConfigError(field, 'must be true or false');
  return value;
}

function optionalEnum<T extends string>(raw: Record<string, unknown>, field: string, allowed: readonly T[]): T | undefined {
  const value = raw[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new CameraConfigError(field, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  }
  return value as T;
}

function optionalNumber(
  raw: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
  integer: boolean,
): number | undefined {
  const value = raw[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new CameraConfigError(field, `must be ${integer ? 'an integer' : 'a number'}`);
  }
  if (value < min || value > max) throw new CameraConfigError(field, `must be between ${min} and ${max}, got ${value}`);
  return value;
}
