/** The camera form's values and what to send: the whole input for a new camera, only the changes for an edit. */
export interface CameraFormValues {
  id: string;
  name: string;
  url: string;
  /** '' = let the server infer it from the URL. */
  kind: string;
  /** '' = server default. */
  detectFps: string;
  rtspTransport: string;
  realtime: boolean;
  loop: boolean;
  enabled: boolean;
}

export interface CameraLike {
  id: string;
  name: string;
  url: string;
  kind: string;
  detectFps?: number | null;
  realtime: boolean;
  loop: boolean;
  enabled: boolean;
}

export const emptyCamera = (): CameraFormValues => ({ id: '', name: '', url: '', kind: '', detectFps: '', rtspTransport: '', realtime: true, loop: false, enabled: true });

export function formFromCamera(c: CameraLike): CameraFormValues {
  return { id: c.id, name: c.name, url: c.url, kind: c.kind, detectFps: c.detectFps == null ? '' : String(c.detectFps), rtspTransport: '', realtime: c.realtime, loop: c.loop, enabled: c.enabled };
}

const num = (s: string): number | null => (s.trim() === '' ? null : Number(s));

/** A problem to show before sending, or null. */
export function validateCamera(v: CameraFormValues, isNew: boolean): string | null {
  if (isNew && !/^[A-Za-z0-9_.-]{1,64}$/.test(v.id.trim())) return 'The id may use letters, digits, "-", "_" and "." (up to 64).';
  if (!v.name.trim()) return 'Give the camera a name.';
  if (!v.url.trim()) return 'Give the camera a source URL or file path.';
  const fps = num(v.detectFps);
  if (fps !== null && !(Number.isFinite(fps) && fps > 0 && fps <= 60)) return 'Detect fps must be a number between 0 and 60.';
  return null;
}

export function cameraInput(v: CameraFormValues) {
  return {
    id: v.id.trim(),
    name: v.name.trim(),
    url: v.url.trim(),
    kind: v.kind || null,
    detectFps: num(v.detectFps),
    rtspTransport: v.rtspTransport || null,
    realtime: v.realtime,
    loop: v.loop,
    enabled: v.enabled,
  };
}

/**
 * The fields an edit changed. A URL shown by the API has its credentials hidden: unless the user typed a new one, it is
 * not sent back (that would overwrite the real credentials with the mask).
 */
export function cameraPatch(before: CameraLike, v: CameraFormValues): Record<string, unknown> {
  const after = cameraInput(v);
  const patch: Record<string, unknown> = {};
  if (after.name !== before.name) patch.name = after.name;
  if (after.url !== before.url) patch.url = after.url;
  if (v.kind && v.kind !== before.kind) patch.kind = v.kind;
  if (after.detectFps !== (before.detectFps ?? null)) patch.detectFps = after.detectFps;
  if (after.rtspTransport) patch.rtspTransport = after.rtspTransport;
  for (const k of ['realtime', 'loop', 'enabled'] as const) if (after[k] !== before[k]) patch[k] = after[k];
  return patch;
}
