/** Camera configurations in the store (the cameras table, one JSON document per camera). */
import type Database from 'better-sqlite3';
import type { CameraConfig } from '../cameras/camera-config.js';
import type { CameraRepository } from '../cameras/camera-repository.js';

export class SqliteCameraRepository implements CameraRepository {
  constructor(private readonly db: Database.Database) {}

  async list(): Promise<CameraConfig[]> {
    const rows = this.db.prepare('SELECT config FROM cameras ORDER BY id').all() as { config: string }[];
    return rows.map((r) => JSON.parse(r.config) as CameraConfig);
  }

  async get(id: string): Promise<CameraConfig | undefined> {
    const row = this.db.prepare('SELECT config FROM cameras WHERE id = ?').get(id) as { config: string } | undefined;
    return row && (JSON.parse(row.config) as CameraConfig);
  }

  async put(camera: CameraConfig): Promise<void> {
    const now = Date.now();
    this.db
      .prepare(
        `INSERT INTO cameras (id, config, created_at, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at`,
      )
      .run(camera.id, JSON.stringify(camera), now, now);
  }

  async delete(id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM cameras WHERE id = ?').run(id).changes > 0;
  }
}
