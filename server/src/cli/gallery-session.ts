import path from 'node:path';
import { ConfigError, engineSettings, liveSettings, type EngineSettings } from '../config.js';
import { IdentityAdmin } from '../recognition/identity-admin.js';
import { SightingRetention } from '../recognition/sighting-retention.js';
import { SightingStore } from '../store/sighting-store.js';
import { SnapshotStore } from '../store/snapshot-store.js';
import { openStoreDb } from '../store/store-db.js';
import { DEFAULT_MATCH_THRESHOLD } from '../gallery/match-threshold.js';
import type { InferencePool } from '../engine/worker-pool.js';
import { EmbeddedGallery } from '../gallery/embedded-gallery.js';
import { MilvusGallery } from '../gallery/milvus-gallery.js';
import { EnrollmentService } from '../gallery/enrollment-service.js';
import type { Gallery } from '../gallery/gallery.js';
import { startEngine } from './engine-session.js';
import { unitFloat } from './usage.js';

export const GALLERY_OPTIONS_HELP = `Gallery options (every gallery command):
  --data-dir DIR           data directory (default BOOSTFACE_DATA_DIR or ./data)
  --gallery embedded|milvus  gallery backend (default BOOSTFACE_GALLERY or embedded); milvus reads
                           BOOSTFACE_MILVUS_ADDRESS (host:port), BOOSTFACE_MILVUS_TOKEN, BOOSTFACE_MILVUS_DATABASE,
                           BOOSTFACE_MILVUS_SSL=1, BOOSTFACE_MILVUS_PREFIX (collection name prefix)
  --threshold T            open-set match threshold (default BOOSTFACE_MATCH_THRESHOLD or ${DEFAULT_MATCH_THRESHOLD})`;

export const galleryParseOptions = {
  'data-dir': { type: 'string' },
  gallery: { type: 'string' },
  threshold: { type: 'string' },
} as const;

export interface GallerySession {
  pool: InferencePool;
  gallery: Gallery;
  service: EnrollmentService;
  settings: EngineSettings;
  /** Sightings of the data directory (local store, also with a Milvus gallery). */
  sightings: SightingStore;
  snapshots: SnapshotStore;
  retention: SightingRetention;
  /** Identity delete / rename / merge, sightings included. */
  admin: IdentityAdmin;
  close(): Promise<void>;
}

/** Start the engine and open the configured gallery in the recognizer's embedding space. */
export async function openGallerySession(values: { 'data-dir'?: string; gallery?: string; threshold?: string }): Promise<GallerySession> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...(values['data-dir'] ? { BOOSTFACE_DATA_DIR: values['data-dir'] } : {}) };
  const backend = values.gallery ?? env.BOOSTFACE_GALLERY ?? 'embedded';
  if (backend !== 'embedded' && backend !== 'milvus') throw new ConfigError(`unknown gallery backend "${backend}" (embedded or milvus)`);
  if (backend === 'milvus' && !env.BOOSTFACE_MILVUS_ADDRESS) throw new ConfigError('--gallery milvus needs BOOSTFACE_MILVUS_ADDRESS (host:port)');
  const threshold = unitFloat('--threshold', values.threshold ?? env.BOOSTFACE_MATCH_THRESHOLD) ?? DEFAULT_MATCH_THRESHOLD;
  const settings = engineSettings(env);
  const { pool } = await startEngine({ recognizer: true, settings });
  try {
    const rec = pool.info.recognizer!;
    const space = { model: path.basename(rec.file, '.onnx'), dim: rec.dim };
    const gallery =
      backend === 'milvus'
        ? await MilvusGallery.open({
            address: env.BOOSTFACE_MILVUS_ADDRESS!,
            token: env.BOOSTFACE_MILVUS_TOKEN || undefined,
            database: env.BOOSTFACE_MILVUS_DATABASE || undefined,
            ssl: env.BOOSTFACE_MILVUS_SSL === '1',
            collectionPrefix: env.BOOSTFACE_MILVUS_PREFIX || undefined,
            space,
          })
        : await EmbeddedGallery.open({ dataDir: settings.dataDir, space });
    const service = new EnrollmentService(pool, gallery, { matchThreshold: threshold, detSize: settings.detSize, maxPixels: settings.maxPixels });
    let db: ReturnType<typeof openStoreDb>;
    try {
      db = openStoreDb(settings.dataDir);
    } catch (err) {
      await gallery.close();
      throw err;
    }
    const sightings = new SightingStore(db);
    const snapshots = new SnapshotStore(settings.dataDir);
    const retention = new SightingRetention(sightings, snapshots, liveSettings(env).retentionDays);
    return {
      pool,
      gallery,
      service,
      settings,
      sightings,
      snapshots,
      retention,
      admin: new IdentityAdmin(gallery, retention),
      async close() {
        retention.stop();
        db.close();
        await gallery.close();
        await pool.close();
      },
    };
  } catch (err) {
    await pool.close();
    throw err;
  }
}
