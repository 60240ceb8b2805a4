/**
 * A partial camera update applied to a stored configuration: given fields replace the stored ones, `null` removes an
 * optional one (e.g. width); a new url without a kind has its kind inferred again. The result is validated.
 */
import { CameraConfigError, parseCameraConfig, type CameraConfig } from './camera-config.js';

export function applyCameraPatch(current: CameraConfig, patch: unknown): CameraConfig {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw new CameraConfigError('config', 'expected an object');
  const changes = patch as Record<string, unknown>;
  if (changes.id !== undefined && changes.id !== current.id) throw new CameraConfigError('id', 'cannot be changed');
  const merged: Record<string, unknown> = { ...current };
  if (changes.url !== undefined && changes.url !== current.url && changes.kind === undefined) delete merged.kind;
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return parseCameraConfig(merged);
}

/** The patch that turns `from` into `to` (fields of `to`, and null for optional fields `to` leaves out). */
export function patchBetween(from: CameraConfig, to: CameraConfig): Record<string, unknown> {
  const patch: Record<string, unknown> = { ...to };
  for (const key of Object.keys(from)) if (!(key in to)) patch[key] = null;
  return patch;
}
