import { afterEach, describe, expect, it } from 'vitest';
import { InProcessBus } from '../bus/in-process-bus.js';
import type { BusTopics } from '../recognition/track-event.js';
import type { CameraConfig } from './camera-config.js';
import { MemoryCameraRepository } from './camera-repository-contract.js';
import { MemoryLeaseStore } from './lease-store-contract.js';
import { SharedCameras, WAITING_FOR_WORKER, type SharedCameraRepository } from './shared-cameras.js';
import type { SourceHealth } from './source-health.js';

/** The memory repository plus what the shared one adds: insert-if-free and change notifications. */
class SharedMemoryRepository extends MemoryCameraRepository implements SharedCameraRepository {
  readonly handlers = new Set<(id: string) => void>();
  async insert(camera: CameraConfig): Promise<boolean> {
    if (await this.get(camera.id)) return false;
    await this.put(camera);
    return true;
  }
  override async put(camera: CameraConfig): Promise<void> {
    await super.put(camera);
    for (const h of this.handlers) h(camera.id);
  }
  onChange(handler: (id: string) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }
}

const live: SourceHealth = { state: 'live', since: 5, framesReceived: 100, reconnects: 0, width: 640, height: 360 };
const tick = () => new Promise((r) => setTimeout(r, 10));

describe('SharedCameras', () => {
  const views: SharedCameras[] = [];
  afterEach(() => {
    for (const v of views.splice(0)) v.stop();
  });

  async function setup() {
    const repository = new SharedMemoryRepository();
    const leases = new MemoryLeaseStore();
    const bus = new InProcessBus<BusTopics>();
    const make = async () => {
      const v = new SharedCameras({ repository, health: leases, bus, refreshMs: 60_000 });
      await v.start();
      views.push(v);
      return v;
    };
    return { repository, leases, bus, make };
  }

  it('adds to the shared repository; another replica sees the camera after the change notification', async () => {
    const { make } = await setup();
    const [a, b] = [await make(), await make()];
    const added = await a.add({ id: 'door', name: 'Door', url: 'rtsp://10.0.0.5/s' });
    expect(added.health).toMatchObject({ state: 'starting', lastError: WAITING_FOR_WORKER });
    await tick();
    expect(b.list().map((c) => c.camera.id)).toEqual(['door']);
    await expect(b.add({ id: 'door', name: 'Again', url: 'rtsp://10.0.0.6/s' })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('shows the health a worker wrote, and bus status events between re-reads; disabled cameras are stopped', async () => {
    const { make, leases, bus } = await setup();
    const a = await make();
    await a.add({ id: 'door', name: 'Door', url: 'rtsp://10.0.0.5/s' });
    await a.add({ id: 'gate', name: 'Gate', url: 'rtsp://10.0.0.6/s', enabled: false });
    await leases.putHealth(new Map([['door', live]]), 60_000);
    const b = await make();
    expect(b.get('door')?.health).toEqual(live);
    expect(b.get('gate')?.health.state).toBe('stopped');
    bus.publish('cameraStatus', { cameraId: 'door', health: { ...live, state: 'reconnecting' } });
    expect(b.get('door')?.health.state).toBe('reconnecting');
  });

  it('updates from the stored configuration (not a stale cache) and removes', async () => {
    const { make, repository } = await setup();
    const a = await make();
    await a.add({ id: 'door', name: 'Door', url: 'rtsp://10.0.0.5/s', width: 640 });
    await repository.put({ ...(await repository.get('door'))!, detectFps: 3 }); // another replica's change
    const updated = await a.update('door', { name: 'Front', width: null });
    expect(updated.camera).toMatchObject({ name: 'Front', detectFps: 3 });
    expect('width' in updated.camera).toBe(false);
    await expect(a.update('nope', { name: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await a.remove('door');
    expect(a.list()).toEqual([]);
    await expect(a.remove('door')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('shows an invalid stored configuration as failed, with the reason', async () => {
    const { make, repository } = await setup();
    await repository.put({ id: 'bad', name: 'Bad', url: 'rtsp://x', detectFps: -1 } as unknown as CameraConfig);
    const a = await make();
    expect(a.get('bad')?.health).toMatchObject({ state: 'failed', lastError: expect.stringMatching(/detectFps/) });
  });
});
