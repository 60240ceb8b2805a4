/**
 * The Redis adapters of the scale-out roles against a real redis-server: the shared camera repository (the
 * CameraRepository contract, insert-if-free, change notifications across connections) and the lease table (the
 * LeaseStore contract).
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { parseCameraConfig } from '../src/cameras/camera-config.js';
import { cameraRepositoryContract } from '../src/cameras/camera-repository-contract.js';
import { leaseStoreContract } from '../src/cameras/lease-store-contract.js';
import { RedisLeaseStore } from '../src/store/redis-camera-leases.js';
import { RedisCameraRepository } from '../src/store/redis-camera-repository.js';
import { freshPrefix, redisForSuite } from './redis-server.js';

const { server, skipReason, connect } = await redisForSuite('redis camera store tests');

if (server) {
  cameraRepositoryContract('redis', async () => {
    const redis = await connect();
    const prefix = freshPrefix();
    let repository = new RedisCameraRepository(redis, prefix);
    return {
      repository,
      reopen: async () => {
        await repository.close();
        repository = new RedisCameraRepository(redis, prefix);
        return repository;
      },
      cleanup: async () => {
        await repository.close();
        redis.disconnect();
      },
    };
  });

  leaseStoreContract('redis', async () => {
    const redis = await connect();
    return { store: new RedisLeaseStore(redis, freshPrefix()), cleanup: async () => void redis.disconnect() };
  });
} else {
  describe.skip(`redis camera store (${skipReason})`, () => {
    it('needs redis-server', () => {});
  });
}

const run = server ? describe : describe.skip;

run('RedisCameraRepository across processes', () => {
  const camera = parseCameraConfig({ id: 'door', name: 'Door', url: 'rtsp://10.0.0.5/stream' });

  it('inserts only when the id is free, and announces every change to other connections', async () => {
    const prefix = freshPrefix();
    const [a, b] = [await connect(), await connect()];
    const writer = new RedisCameraRepository(a, prefix);
    const reader = new RedisCameraRepository(b, prefix);
    const seen: string[] = [];
    let subscribed = false;
    reader.onChange((id) => (id === 'probe' ? (subscribed = true) : seen.push(id)));
    // the subscription is live once a change published to it arrives
    const since = Date.now();
    while (!subscribed && Date.now() - since < 5000) {
      await writer.put({ ...camera, id: 'probe' });
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(subscribed).toBe(true);

    expect(await writer.insert(camera)).toBe(true);
    expect(await reader.insert({ ...camera, name: 'Other door' })).toBe(false);
    expect((await reader.get('door'))?.name).toBe('Door');
    await writer.put({ ...camera, name: 'Front door' });
    expect(await writer.delete('door')).toBe(true);
    expect(await writer.delete('door')).toBe(false);
    const deadline = Date.now() + 5000;
    while (seen.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual(['door', 'door', 'door']);
    await Promise.all([writer.close(), reader.close()]);
    a.disconnect();
    b.disconnect();
  });

  it('reports Redis trouble as StoreError UNAVAILABLE', async () => {
    const redis = await connect();
    const repository = new RedisCameraRepository(redis, freshPrefix());
    redis.disconnect();
    await expect(repository.list()).rejects.toMatchObject({ name: 'StoreError', code: 'UNAVAILABLE', message: expect.stringMatching(/shared camera store \(Redis\) unavailable/) });
  });
});
