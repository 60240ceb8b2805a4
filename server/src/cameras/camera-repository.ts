/**
 * Persistence port for camera configurations. The server's adapter lives in store/ (SQLite); every adapter passes
 * camera-repository-contract.ts. Adapters store and return CameraConfig as given (validated by the manager).
 */
import type { CameraConfig } from './camera-config.js';

export interface CameraRepository {
  /** Every stored camera, ordered by id. */
  list(): Promise<CameraConfig[]>;
  get(id: string): Promise<CameraConfig | undefined>;
  /** Inserts or replaces the camera with this id. */
  put(camera: CameraConfig): Promise<void>;
  /** Whether a camera was deleted. */
  delete(id: string): Promise<boolean>;
}
