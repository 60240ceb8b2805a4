import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** ../shared beside the checkout (models and evaluation data); never copied into the repository. */
export const SHARED_DIR = path.resolve(process.env.BOOSTFACE_SHARED ?? path.join(REPO_ROOT, '../shared'));
export const SHARED_MODELS = path.join(SHARED_DIR, 'models');
export const SHARED_DATA = path.join(SHARED_DIR, 'data');

const available = existsSync(path.join(SHARED_MODELS, 'scrfd_2.5g_bnkps.onnx')) && existsSync(SHARED_DATA);

/**
 * True when ../shared is present. Missing under CI=true is an error (the suite fails); elsewhere the suite
 * is skipped with the reason printed.
 */
export function sharedAvailable(suite: string): boolean {
  if (available) return true;
  const reason = `${suite}: needs the shared models and data at ${SHARED_DIR} (set BOOSTFACE_SHARED)`;
  if (process.env.CI === 'true') throw new Error(reason);
  console.warn(`skipped ${reason}`);
  return false;
}

export const sharedData = (...parts: string[]) => path.join(SHARED_DATA, ...parts);
