import { describe, expect, it } from 'vitest';
import { CameraConfigError, CameraError, parseCameraConfig, type CameraConfig } from './camera-config.js';
import { CameraManager } from './camera-manager.js';
import { MemoryCameraRepository } from './camera-repository-contract.js';
import type { CameraFrame, CameraSource, SourceHandlers } from './ffmpeg-source.js';
import type { SourceHealth } from './source-health.js';

/** A source the test drives by hand. */
class FakeSource implements CameraSource {
  running = false;
  stopped = false;
  private seq: number;
  private state: SourceHealth['state'] = 'starting';

  constructor(
    readonly config: CameraConfig,
    readonly handlers: SourceHandlers,
    readonly firstSeq: number,
  ) {
    this.seq = firstSeq;
  }

  get nextSeq() {
    return this.seq;
  }

  start() {
    this.running = true;
  }

  async stop() {
    this.running = false;
    this.stopped = true;
    this.report('stopped');
  }

  health(): SourceHealth {
    return { state: this.state, since: 1, framesReceived: this.seq - this.firstSeq, reconnects: 0 };
  }

  report(state: SourceHealth['state']) {
    this.state = state;
    this.handlers.onHealth?.(this.health());
  }

  emit() {
    const frame: CameraFrame = {
      cameraId: this.config.id,
      seq: this.seq++,
      ts: Date.now(),
      image: { data: new Uint8Array(3), width: 1, height: 1 },
    };
    this.handlers.onFrame(frame);
  }
}

async function setup(stored: unknown[] = []) {
  const repository = new MemoryCameraRepository();
  for (const s of stored) await repository.put(s as CameraConfig);
  const sources: FakeSource[] = [];
  const frames: { frame: CameraFrame; camera: CameraConfig }[] = [];
  const healths: { id: string; health: SourceHealth }[] = [];
  const stoppedIds: string[] = [];
  const manager = new CameraManager({
    repository,
    onFrame: (frame, camera) => frames.push({ frame, camera }),
    onHealth: (id, health) => healths.push({ id, health }),
    onSourceStopped: (id) => stoppedIds.push(id),
    createSource: (config, handlers, firstSeq) => {
      const source = new FakeSource(config, handlers, firstSeq);
      sources.push(source);
      return source;
    },
  });
  await manager.start();
  /** The newest source of a camera. */
  const sourceOf = (id: string) => sources.filter((s) => s.config.id === id).at(-1);
  return { repository, manager, sources, sourceOf, frames, healths, stoppedIds };
}

const cam = (id: string, extra: Record<string, unknown> = {}) => ({ id, name: `Camera ${id}`, url: `rtsp://h/${id}`, ...extra });

describe('CameraManager', () => {
  it('starts the stored enabled cameras and lists all with health, by id', async () => {
    const { manager, sources } = await setup([
      parseCameraConfig(cam('b')),
      parseCameraConfig(cam('a', { enabled: false })),
      { ...parseCameraConfig(cam('c')), url: 'gopher://old' },
    ]);
    expect(sources.map((s) => s.config.id)).toEqual(['b']);
    const list = manager.list();
    expect(list.map((s) => [s.camera.id, s.health.state])).toEqual([
      ['a', 'stopped'],
      ['b', 'starting'],
      ['c', 'failed'],
    ]);
    expect(list[2]!.health.lastError).toMatch(/camera url: unsupported scheme/);
    await expect(manager.start()).rejects.toThrow(/already started/);
  });

  it('adds a camera: validated, stored, started; a taken id is CONFLICT and bad input stores nothing', async () => {
    const { manager, repository, sourceOf } = await setup();
    const status = await manager.add(cam('door', { detectFps: 5 }));
    expect(status.camera).toMatchObject({ id: 'door', kind: 'rtsp', detectFps: 5 });
    expect(status.health.state).toBe('starting');
    expect(sourceOf('door')?.running).toBe(true);
    expect(await repository.get('door')).toEqual(status.camera);

    await expect(manager.add(cam('door'))).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(manager.add(cam('bad', { fps: -1 }))).rejects.toBeInstanceOf(CameraConfigError);
    expect((await repository.list()).map((c) => c.id)).toEqual(['door']);
    expect(manager.get('bad')).toBeUndefined();
  });

  it('serializes concurrent changes of one camera', async () => {
    const { manager } = await setup();
    const results = await Promise.allSettled([manager.add(cam('x')), manager.add(cam('x'))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
  });

  it('hands every frame to the consumer with the current config; consumer-only changes do not restart', async () => {
    const { manager, sourceOf, frames, sources } = await setup();
    await manager.add(cam('door', { detectFps: 5 }));
    sourceOf('door')!.emit();
    await manager.update('door', { detectFps: 2, name: 'Front door' });
    sourceOf('door')!.emit();
    expect(sources.length).toBe(1);
    expect(frames.map((f) => [f.frame.seq, f.camera.detectFps, f.camera.name])).toEqual([
      [0, 5, 'Camera door'],
      [1, 2, 'Front door'],
    ]);
  });

  it('restarts only the updated camera when a decoding option changes, carrying seq on', async () => {
    const { manager, sourceOf, stoppedIds, repository } = await setup();
    await manager.add(cam('a'));
    await manager.add(cam('b'));
    const oldA = sourceOf('a')!;
    const b = sourceOf('b')!;
    oldA.emit();
    oldA.emit();
    const status = await manager.update('a', { url: '/videos/a.mp4', width: 320 });
    expect(oldA.stopped).toBe(true);
    expect(b.stopped).toBe(false);
    const newA = sourceOf('a')!;
    expect(newA).not.toBe(oldA);
    expect(newA.firstSeq).toBe(2);
    // The url changed without a kind: inferred again.
    expect(newA.config).toMatchObject({ kind: 'file', url: '/videos/a.mp4', width: 320 });
    expect(status.camera.kind).toBe('file');
    expect(stoppedIds).toEqual(['a']);
    expect((await repository.get('a'))!.width).toBe(320);

    await manager.update('a', { width: null });
    expect(sourceOf('a')!.config.width).toBeUndefined();
    expect(sourceOf('a')!.firstSeq).toBe(2);
  });

  it('stops and starts a camera through enabled', async () => {
    const { manager, sourceOf, sources } = await setup();
    await manager.add(cam('a'));
    const first = sourceOf('a')!;
    const disabled = await manager.update('a', { enabled: false });
    expect(first.stopped).toBe(true);
    expect(disabled.health.state).toBe('stopped');
    expect(sources.length).toBe(1);
    await manager.update('a', { enabled: true });
    expect(sources.length).toBe(2);
    expect(sourceOf('a')!.running).toBe(true);
  });

  it('passes on health of the current source only', async () => {
    const { manager, sourceOf, healths } = await setup();
    await manager.add(cam('a'));
    const old = sourceOf('a')!;
    old.report('live');
    await manager.update('a', { fps: 5 });
    old.report('reconnecting');
    sourceOf('a')!.report('live');
    expect(healths.map((h) => [h.id, h.health.state])).toEqual([
      ['a', 'live'],
      ['a', 'live'],
    ]);
  });

  it('refuses bad updates with the field or NOT_FOUND, changing nothing', async () => {
    const { manager, sources } = await setup();
    await manager.add(cam('a'));
    await expect(manager.update('zz', { fps: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(manager.update('a', { id: 'b' })).rejects.toMatchObject({ field: 'id' });
    await expect(manager.update('a', { loop: true })).rejects.toMatchObject({ field: 'loop' });
    await expect(manager.update('a', 'x')).rejects.toMatchObject({ field: 'config' });
    expect(manager.get('a')!.camera.loop).toBe(false);
    expect(sources.length).toBe(1);
  });

  it('repairs a stored camera that did not validate', async () => {
    const { manager, sourceOf } = await setup([{ ...parseCameraConfig(cam('c')), url: 'gopher://old' }]);
    await manager.update('c', { url: 'rtsp://h/new' });
    expect(sourceOf('c')!.running).toBe(true);
    expect(manager.get('c')!.health.lastError).toBeUndefined();
  });

  it('removes a camera: source stopped, store entry deleted; NOT_FOUND after', async () => {
    const { manager, sourceOf, repository } = await setup();
    await manager.add(cam('a'));
    await manager.remove('a');
    expect(sourceOf('a')!.stopped).toBe(true);
    expect(await repository.get('a')).toBeUndefined();
    expect(manager.list()).toEqual([]);
    const err = await manager.remove('a').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CameraError);
    expect((err as CameraError).code).toBe('NOT_FOUND');
  });

  it('stops every source on stop() and accepts no changes after', async () => {
    const { manager, sources } = await setup();
    await manager.add(cam('a'));
    await manager.add(cam('b'));
    await manager.stop();
    expect(sources.every((s) => s.stopped)).toBe(true);
    await expect(manager.add(cam('c'))).rejects.toThrow(/stopped/);
  });
});
