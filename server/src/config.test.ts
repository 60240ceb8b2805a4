import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, engineSettings } from './config.js';

describe('engineSettings', () => {
  it('derives defaults from the data directory and the core count', () => {
    const s = engineSettings({ BOOSTFACE_DATA_DIR: '/srv/bf' });
    const cores = os.availableParallelism();
    expect(s.modelsDir).toBe(path.resolve('/srv/bf/models'));
    expect(s.providers).toEqual(['cpu']);
    expect(s.workers).toBe(Math.min(cores, 4));
    expect(s.threads).toBe(Math.max(1, Math.floor(cores / s.workers)));
    expect(s.detSize).toBe(640);
  });

  it('refuses malformed values with the variable named', () => {
    expect(() => engineSettings({ BOOSTFACE_THREADS: 'two' })).toThrow(ConfigError);
    expect(() => engineSettings({ BOOSTFACE_WORKERS: '0' })).toThrow(/BOOSTFACE_WORKERS must be an integer between 1 and 64/);
    expect(() => engineSettings({ BOOSTFACE_PROVIDERS: 'cuda,metal' })).toThrow(/BOOSTFACE_PROVIDERS: unknown execution provider "metal"/);
  });

  it('runs one worker with WebGPU, whose sessions crash onnxruntime when several threads open them', () => {
    expect(engineSettings({ BOOSTFACE_PROVIDERS: 'webgpu,cpu' }).workers).toBe(1);
    expect(() => engineSettings({ BOOSTFACE_PROVIDERS: 'webgpu', BOOSTFACE_WORKERS: '2' })).toThrow(/must be 1 with the webgpu provider/);
    expect(engineSettings({ BOOSTFACE_PROVIDERS: 'cuda,cpu', BOOSTFACE_WORKERS: '2' }).workers).toBe(2);
  });
});
