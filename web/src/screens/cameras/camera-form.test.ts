import { describe, expect, it } from 'vitest';
import { cameraInput, cameraPatch, emptyCamera, formFromCamera, validateCamera } from './camera-form.js';

const cam = { id: 'gate', name: 'Gate', url: 'rtsp://***@10.0.0.5/stream', kind: 'rtsp', detectFps: 5, realtime: true, loop: false, enabled: true };

describe('camera form', () => {
  it('validates a new camera', () => {
    expect(validateCamera({ ...emptyCamera(), id: 'bad id', name: 'x', url: 'y' }, true)).toMatch(/id/);
    expect(validateCamera({ ...emptyCamera(), id: 'ok', name: ' ', url: 'y' }, true)).toMatch(/name/);
    expect(validateCamera({ ...emptyCamera(), id: 'ok', name: 'x', url: '' }, true)).toMatch(/URL/);
    expect(validateCamera({ ...emptyCamera(), id: 'ok', name: 'x', url: 'y', detectFps: 'fast' }, true)).toMatch(/fps/);
    expect(validateCamera({ ...emptyCamera(), id: 'ok', name: 'x', url: 'y', detectFps: '10' }, true)).toBeNull();
  });

  it('builds the input, leaving blank settings to the server', () => {
    expect(cameraInput({ ...emptyCamera(), id: ' cam1 ', name: 'One', url: '/v.mp4' })).toEqual({
      id: 'cam1',
      name: 'One',
      url: '/v.mp4',
      kind: null,
      detectFps: null,
      rtspTransport: null,
      realtime: true,
      loop: false,
      enabled: true,
    });
  });

  it('sends only what an edit changed, never the masked URL back', () => {
    expect(cameraPatch(cam, formFromCamera(cam))).toEqual({});
    expect(cameraPatch(cam, { ...formFromCamera(cam), name: 'Front gate', detectFps: '', enabled: false })).toEqual({ name: 'Front gate', detectFps: null, enabled: false });
    expect(cameraPatch(cam, { ...formFromCamera(cam), url: 'rtsp://u:p@10.0.0.6/s' })).toEqual({ url: 'rtsp://u:p@10.0.0.6/s' });
  });
});
