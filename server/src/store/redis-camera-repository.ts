/**
 * Camera configurations shared by the processes of a deployment (`serve --role api|worker`), in Redis: the hash
 * `{prefix}:cameras` (camera id → the configuration as JSON). Every change is announced on the channel
 * `{prefix}:cameras:changed` (message: the camera id), so that workers and API replicas re-read at once; a
 * notification lost in a reconnect is made up by their periodic re-read.
 *
 * Beyond the CameraRepository port: `insert` (only if the id is free, atomic: HSETNX), so that two API replicas
 * adding the same id do not both succeed. Redis failures surface as StoreError UNAVAILABLE.
 */
import type { Redis } from 'ioredis';
import type { CameraConfig } from '../cameras/camera-config.js';
import type { CameraRepository } from '../cameras/camera-repository.js';
import { RedisChannel, redisCall } from './redis-channel.js';

export class RedisCameraRepository implements CameraRepository {
  private readonly key: string;
  private readonly changes: RedisChannel;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.key = `${prefix}:cameras`;
    this.changes = new RedisChannel(redis, `${prefix}:cameras:changed`);
  }

  async list(): Promise<CameraConfig[]> {
    const all = await this.call(() => this.redis.hgetall(this.key));
    return Object.keys(all)
      .sort()
      .map((id) => JSON.parse(all[id]) as CameraConfig);
  }

  async get(id: string): Promise<CameraConfig | undefined> {
    const json = await this.call(() => this.redis.hget(this.key, id));
    return json === null ? undefined : (JSON.parse(json) as CameraConfig);
  }

  async put(camera: CameraConfig): Promise<void> {
    await this.call(() => this.redis.hset(this.key, camera.id, JSON.stringify(camera)));
    await this.announce(camera.id);
  }

  /** Stores a camera only if no camera has its id; whether it did. */
  async insert(camera: CameraConfig): Promise<boolean> {
    const added = (await this.call(() => this.redis.hsetnx(this.key, camera.id, JSON.stringify(camera)))) === 1;
    if (added) await this.announce(camera.id);
    return added;
  }

  async delete(id: string): Promise<boolean> {
    const deleted = (await this.call(() => this.redis.hdel(this.key, id))) > 0;
    if (deleted) await this.announce(id);
    return deleted;
  }

  /** Calls `handler(cameraId)` on every change, by any process (this one included). Returns the unsubscribe. */
  onChange(handler: (cameraId: string) => void): () => void {
    return this.changes.subscribe(handler);
  }

  /** Closes the notification connection (the command connection belongs to the caller). */
  async close(): Promise<void> {
    await this.changes.close();
  }

  private async announce(cameraId: string): Promise<void> {
    // The change is stored: a lost notification only delays the others until their next re-read.
    await this.changes.publish(cameraId);
  }

  private call<T>(command: () => Promise<T>): Promise<T> {
    return redisCall('shared camera store', command);
  }
}
