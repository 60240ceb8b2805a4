/** The size frames are decoded to, from the camera's width/height options and the source's size. */
import { MAX_AUTO_DECODE_SIDE, type CameraConfig } from './camera-config.js';

export interface Size {
  width: number;
  height: number;
}

/** Whether the decode size is fully configured, so the source need not be probed for it. */
export function hasFixedSize(config: Pick<CameraConfig, 'width' | 'height'>): boolean {
  return config.width !== undefined && config.height !== undefined;
}

/**
 * Both sides configured: exactly that. One side: the other keeps the source's aspect ratio. Neither: the source size,
 * scaled down so its longer side is at most `maxSide`. Derived sides are rounded to even numbers, which video encoders
 * downstream (live view) need.
 */
export function resolveDecodeSize(
  config: Pick<CameraConfig, 'width' | 'height'>,
  source: Size | undefined,
  maxSide = MAX_AUTO_DECODE_SIDE,
): Size {
  const { width, height } = config;
  if (width !== undefined && height !== undefined) return { width, height };
  if (!source) throw new Error('resolveDecodeSize: the source size is needed when width or height is not configured');
  if (width !== undefined) return { width, height: evenRound((width * source.height) / source.width) };
  if (height !== undefined) return { width: evenRound((height * source.width) / source.height), height };
  const longer = Math.max(source.width, source.height);
  if (longer <= maxSide) return { width: source.width, height: source.height };
  const scale = maxSide / longer;
  return { width: evenRound(source.width * scale), height: evenRound(source.height * scale) };
}

function evenRound(value: number): number {
  return Math.max(2, 2 * Math.round(value / 2));
}
