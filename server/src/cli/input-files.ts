import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff', '.gif', '.avif', '.heic', '.heif']);

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => byCodePoint(a.name, b.name));
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) await walk(full, out);
    else if (e.isFile() && IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase())) out.push(full);
  }
}

/**
 * Expand command-line paths: directories recursively (image files only, sorted by name at each level),
 * files as given (so a bad file named explicitly is reported, not skipped). Missing paths stay in the
 * list and are reported per file by the caller.
 */
export async function expandInputs(inputs: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of inputs) {
    const st = await stat(p).catch(() => undefined);
    if (st?.isDirectory()) await walk(p, out);
    else out.push(p);
  }
  return out;
}
