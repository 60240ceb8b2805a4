import { DEFAULT_MATCH_THRESHOLD } from '../gallery/match-threshold.js';
import type { EnrollmentService } from '../gallery/enrollment-service.js';
import { openCore, type Core } from '../main.js';
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

export type GallerySession = Core & {
  /** The enrollment service (alias kept for the commands). */
  service: EnrollmentService;
};

/** Start the engine and open the configured gallery and store of the data directory. */
export async function openGallerySession(values: { 'data-dir'?: string; gallery?: string; threshold?: string }): Promise<GallerySession> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...(values['data-dir'] ? { BOOSTFACE_DATA_DIR: values['data-dir'] } : {}) };
  const threshold = unitFloat('--threshold', values.threshold ?? env.BOOSTFACE_MATCH_THRESHOLD);
  const core = await openCore(env, { gallery: values.gallery, threshold });
  return { ...core, service: core.enrollment };
}
