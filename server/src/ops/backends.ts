/**
 * What the operations commands need to know about the configured backends without starting the whole core:
 * the gallery backend and its Milvus options, and the recognizer's embedding space.
 */
import path from 'node:path';
import { ConfigError, poolConfig, type EngineSettings } from '../config.js';
import { Recognizer } from '../engine/recognizer.js';
import type { EmbeddingSpace } from '../gallery/gallery.js';
import type { MilvusGalleryOptions } from '../gallery/milvus-gallery.js';
import type { ResolvedModel } from '../models/manifest.js';

export type GalleryBackend = 'embedded' | 'milvus';

/** The backend from --gallery or BOOSTFACE_GALLERY (default embedded), as openCore chooses it. */
export function galleryBackend(env: NodeJS.ProcessEnv, flag?: string): GalleryBackend {
  const backend = flag ?? env.BOOSTFACE_GALLERY ?? 'embedded';
  if (backend !== 'embedded' && backend !== 'milvus') throw new ConfigError(`unknown gallery backend "${backend}" (embedded or milvus)`);
  if (backend === 'milvus' && !env.BOOSTFACE_MILVUS_ADDRESS) throw new ConfigError('the milvus gallery needs BOOSTFACE_MILVUS_ADDRESS (host:port)');
  return backend;
}

/** Milvus connection settings from BOOSTFACE_MILVUS_* (the variables openCore reads). */
export function milvusOptions(env: NodeJS.ProcessEnv, space: EmbeddingSpace): MilvusGalleryOptions {
  return {
    address: env.BOOSTFACE_MILVUS_ADDRESS!,
    token: env.BOOSTFACE_MILVUS_TOKEN || undefined,
    database: env.BOOSTFACE_MILVUS_DATABASE || undefined,
    ssl: env.BOOSTFACE_MILVUS_SSL === '1',
    collectionPrefix: env.BOOSTFACE_MILVUS_PREFIX || undefined,
    space,
  };
}

/** The configured recognizer file (throws ConfigError / ModelConfigError with the reason when there is none). */
export function configuredRecognizer(settings: EngineSettings): ResolvedModel {
  return poolConfig(settings, { recognizer: true }).recognizer!;
}

/**
 * The embedding space galleries are created for: the recognizer file's name and its output size. The size comes from
 * the manifest; a file the manifest does not know is opened once (on the CPU) to read it.
 */
export async function recognizerSpace(settings: EngineSettings, model = configuredRecognizer(settings)): Promise<EmbeddingSpace> {
  const name = path.basename(model.spec.file, '.onnx');
  if (model.spec.embeddingSize) return { model: name, dim: model.spec.embeddingSize };
  const r = await Recognizer.open(model, { providers: ['cpu'], threads: 1 });
  try {
    return { model: name, dim: r.dim };
  } finally {
    await r.release();
  }
}
