import { describe, expect, it } from 'vitest';
import { hasFixedSize, resolveDecodeSize } from './decode-size.js';

describe('resolveDecodeSize', () => {
  it('uses both configured sides as given, without the source', () => {
    expect(resolveDecodeSize({ width: 320, height: 320 }, undefined)).toEqual({ width: 320, height: 320 });
    expect(hasFixedSize({ width: 320, height: 320 })).toBe(true);
    expect(hasFixedSize({ width: 320 })).toBe(false);
  });

  it('keeps the aspect ratio when one side is configured, rounding to even', () => {
    expect(resolveDecodeSize({ width: 320 }, { width: 640, height: 360 })).toEqual({ width: 320, height: 180 });
    expect(resolveDecodeSize({ height: 100 }, { width: 640, height: 360 })).toEqual({ width: 178, height: 100 });
    expect(resolveDecodeSize({ width: 333 }, { width: 1000, height: 1000 })).toEqual({ width: 333, height: 334 });
  });

  it('uses the source size up to the cap and scales larger sources down by their longer side', () => {
    expect(resolveDecodeSize({}, { width: 1920, height: 1080 })).toEqual({ width: 1920, height: 1080 });
    expect(resolveDecodeSize({}, { width: 641, height: 359 })).toEqual({ width: 641, height: 359 });
    expect(resolveDecodeSize({}, { width: 3840, height: 2160 })).toEqual({ width: 1920, height: 1080 });
    expect(resolveDecodeSize({}, { width: 2160, height: 3840 })).toEqual({ width: 1080, height: 1920 });
    expect(resolveDecodeSize({}, { width: 4000, height: 3000 }, 1000)).toEqual({ width: 1000, height: 750 });
  });

  it('needs the source size when a side is missing', () => {
    expect(() => resolveDecodeSize({ width: 320 }, undefined)).toThrow(/source size/);
  });
});
