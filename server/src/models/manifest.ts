import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type ModelRole = 'detector' | 'recognizer' | 'landmarks' | 'attributes';
export type ColorOrder = 'RGB' | 'BGR';

export interface ModelPreprocess {
  colorOrder: ColorOrder;
  mean: number;
  std: number;
}

export interface ModelInputSpec {
  layout: 'NCHW';
  /** null: dynamic. */
  height: number | null;
  width: number | null;
  batch: number | null;
  defaultSize?: number;
}

export interface ModelSpec {
  id: string;
  file: string;
  role: ModelRole;
  family: string;
  sha256: string;
  size: number;
  input: ModelInputSpec;
  preprocess: ModelPreprocess;
  embeddingSize?: number;
  license: string;
  source: string;
}

export interface ModelPack {
  description: string;
  /** Download address of the official archive; absent for packs that cannot be downloaded. */
  url?: string;
  sha256?: string;
  size?: number;
  detector: string;
  recognizer: string;
  files: string[];
}

export interface ModelManifest {
  version: number;
  models: Record<string, ModelSpec>;
  packs: Record<string, ModelPack>;
}

export class ModelConfigError extends Error {
  readonly code = 'MODEL_CONFIG';
}

/** The manifest sits at the repository root (models/manifest.json), three levels above this file in src/ and dist/. */
export const DEFAULT_MANIFEST_PATH = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../models/manifest.json',
);

let cached: ModelManifest | undefined;

export function loadManifest(file = DEFAULT_MANIFEST_PATH): ModelManifest {
  if (file === DEFAULT_MANIFEST_PATH && cached) return cached;
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Omit<ModelManifest, 'models'> & {
    models: Record<string, Omit<ModelSpec, 'id'>>;
  };
  const models: Record<string, ModelSpec> = {};
  for (const [id, spec] of Object.entries(raw.models)) models[id] = { id, ...spec };
  const manifest = { ...raw, models };
  if (file === DEFAULT_MANIFEST_PATH) cached = manifest;
  return manifest;
}

/** Find a model by manifest id or by file name. */
export function findModel(manifest: ModelManifest, ref: string): ModelSpec | undefined {
  if (manifest.models[ref]) return manifest.models[ref];
  const base = path.basename(ref);
  return Object.values(manifest.models).find((m) => m.file === base);
}

/** Preprocessing assumed for files the manifest does not know (insightface conventions). */
const UNKNOWN_FILE_DEFAULTS: Record<'detector' | 'recognizer', ModelPreprocess> = {
  detector: { colorOrder: 'RGB', mean: 127.5, std: 128 },
  recognizer: { colorOrder: 'RGB', mean: 127.5, std: 127.5 },
};

export interface ResolvedModel {
  path: string;
  spec: ModelSpec;
  /** false when the file is not in the manifest and preprocessing defaults were assumed. */
  known: boolean;
}

/**
 * Resolve a detector/recognizer reference (manifest id, file name, or path) inside a models directory.
 * Throws ModelConfigError naming the file and the directory when it is missing or has the wrong role.
 */
export function resolveModel(
  modelsDir: string,
  ref: string,
  role: 'detector' | 'recognizer',
  manifest = loadManifest(),
): ResolvedModel {
  const spec = findModel(manifest, ref);
  if (spec && spec.role !== role) {
    throw new ModelConfigError(`model "${ref}" is a ${spec.role}, not a ${role} (${spec.file})`);
  }
  const file = spec ? spec.file : ref;
  const candidates = path.isAbsolute(file) ? [file] : [path.join(modelsDir, file), path.resolve(file)];
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    throw new ModelConfigError(
      `${role} model "${ref}" not found (looked for ${candidates.join(', ')}). ` +
        `Set BOOSTFACE_MODELS to the directory holding it, or run "boostface models fetch <pack>".`,
    );
  }
  if (spec) return { path: found, spec, known: true };
  return {
    path: found,
    known: false,
    spec: {
      id: path.basename(found, '.onnx'),
      file: path.basename(found),
      role,
      family: role === 'detector' ? 'scrfd' : 'arcface',
      sha256: '',
      size: 0,
      input: { layout: 'NCHW', height: null, width: null, batch: null },
      preprocess: UNKNOWN_FILE_DEFAULTS[role],
      license: 'unknown',
      source: 'not in manifest',
    },
  };
}

/** The first reference in `preferences` whose file exists in modelsDir. */
export function firstAvailable(modelsDir: string, preferences: string[], manifest = loadManifest()): string | undefined {
  return preferences.find((ref) => {
    const spec = findModel(manifest, ref);
    return spec !== undefined && existsSync(path.join(modelsDir, spec.file));
  });
}
