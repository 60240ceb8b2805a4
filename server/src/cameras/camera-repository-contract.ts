/**
 * The contract every CameraRepository adapter passes, and an in-memory adapter for tests. Call it from the adapter's
 * test file:
 *
 *   cameraRepositoryContract('sqlite', async () => ({ repository, reopen, cleanup }));
 *
 * `make` is called once per test and hands back an empty repository; `reopen`, when given, closes it and opens the
 * same storage again; `cleanup` closes whatever is open and removes the storage.
 *
 * What it pins down: list() orders by id; put() inserts or replaces; delete() says whether something was deleted;
 * every field round-trips, optional fields that were absent stay absent (not null); returned objects are copies.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseCameraConfig, type CameraConfig } from './camera-config.js';
import type { CameraRepository } from './camera-repository.js';

export interface RepositorySubject {
  repository: CameraRepository;
  reopen?: () => Promise<CameraRepository>;
  cleanup: () => Promise<void>;
}

/** Test-only adapter: keeps copies in a Map. */
export class MemoryCameraRepository implements CameraRepository {
  private readonly cameras = new Map<string, CameraConfig>();

  async list(): Promise<CameraConfig[]> {
    return [...this.cameras.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((c) => ({ ...c }));
  }

  async get(id: string): Promise<CameraConfig | undefined> {
    const camera = this.cameras.get(id);
    return camera && { ...camera };
  }

  async put(camera: CameraConfig): Promise<void> {
    this.cameras.set(camera.id, { ...camera });
  }

  async delete(id: string): Promise<boolean> {
    return this.cameras.delete(id);
  }
}

export function cameraRepositoryContract(name: string, make: () => Promise<RepositorySubject>): void {
  describe(`CameraRepository contract: ${name}`, () => {
    let subject: RepositorySubject | undefined;
    afterEach(async () => {
      await subject?.cleanup();
      subject = undefined;
    });

    const full = parseCameraConfig({
      id: 'lobby',
      name: 'Lobby',
      url: '/videos/lobby.mp4',
      width: 640,
      height: 360,
      fps: 12.5,
      detectFps: 4,
      loop: true,
      realtime: false,
      enabled: false,
      stallTimeoutMs: 2500,
    });
    const minimal = parseCameraConfig({ id: 'gate', name: 'Gate', url: 'rtsp://10.0.0.9/h264', rtspTransport: 'udp' });

    it('round-trips every field and keeps absent optional fields absent', async () => {
      subject = await make();
      let repo = subject.repository;
      await repo.put(full);
      await repo.put(minimal);
      if (subject.reopen) repo = await subject.reopen();
      expect(await repo.get('lobby')).toEqual(full);
      const gate = await repo.get('gate');
      expect(gate).toEqual(minimal);
      expect(Object.keys(gate!).sort()).toEqual(Object.keys(minimal).sort());
      expect(await repo.get('nope')).toBeUndefined();
    });

    it('lists by id and replaces on put', async () => {
      subject = await make();
      const repo = subject.repository;
      expect(await repo.list()).toEqual([]);
      await repo.put(full);
      await repo.put(minimal);
      await repo.put({ ...minimal, name: 'Main gate', enabled: false });
      const listed = await repo.list();
      expect(listed.map((c) => c.id)).toEqual(['gate', 'lobby']);
      expect(listed[0]).toMatchObject({ name: 'Main gate', enabled: false });
    });

    it('deletes and says whether it did', async () => {
      subject = await make();
      const repo = subject.repository;
      await repo.put(minimal);
      expect(await repo.delete('gate')).toBe(true);
      expect(await repo.delete('gate')).toBe(false);
      expect(await repo.list()).toEqual([]);
    });

    it('hands out copies', async () => {
      subject = await make();
      const repo = subject.repository;
      const camera = { ...minimal };
      await repo.put(camera);
      camera.name = 'changed after put';
      const got = await repo.get('gate');
      got!.name = 'changed after get';
      expect((await repo.get('gate'))!.name).toBe('Gate');
    });
  });
}
