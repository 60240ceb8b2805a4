import { describe, expect, it } from 'vitest';
import { parseCameraConfig } from './camera-config.js';
import { applyCameraPatch, patchBetween } from './camera-patch.js';

const base = parseCameraConfig({ id: 'door', name: 'Door', url: 'rtsp://10.0.0.5/s', width: 640, detectFps: 4 });

describe('applyCameraPatch', () => {
  it('replaces given fields, removes null ones, validates the result', () => {
    const c = applyCameraPatch(base, { name: 'Front door', width: null });
    expect(c.name).toBe('Front door');
    expect('width' in c).toBe(false);
    expect(c.detectFps).toBe(4);
    expect(() => applyCameraPatch(base, { detectFps: -1 })).toThrow(/detectFps/);
  });

  it('infers the kind again when the url changes without one', () => {
    expect(applyCameraPatch(base, { url: '/videos/a.mp4' }).kind).toBe('file');
    expect(applyCameraPatch(base, { name: 'x' }).kind).toBe('rtsp');
  });

  it('refuses a changed id and a non-object', () => {
    expect(() => applyCameraPatch(base, { id: 'gate' })).toThrow(/id: cannot be changed/);
    expect(() => applyCameraPatch(base, [])).toThrow(/expected an object/);
  });
});

describe('patchBetween', () => {
  it('is the patch that applyCameraPatch turns into the target', () => {
    const to = parseCameraConfig({ id: 'door', name: 'Door', url: '/videos/a.mp4', loop: true, height: 360 });
    const patch = patchBetween(base, to);
    expect(patch.width).toBeNull();
    expect(applyCameraPatch(base, patch)).toEqual(to);
  });
});
