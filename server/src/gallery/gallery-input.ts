/** Validation and cursors shared by the gallery adapters, so both refuse the same input the same way. */
import { GalleryError, type EmbeddingSpace } from './gallery.js';

export function checkSpace(space: EmbeddingSpace, maxDim = 65_536): EmbeddingSpace {
  if (!space || typeof space.model !== 'string' || space.model.trim() === '') throw bad('the embedding space needs a model name');
  if (!Number.isInteger(space.dim) || space.dim < 1 || space.dim > maxDim) throw bad(`bad embedding dimension ${space.dim}`);
  return { model: space.model, dim: space.dim };
}

export function encodeCursor(name: string, id: string): string {
  return Buffer.from(JSON.stringify([name, id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): [string, string] {
  if (typeof cursor === 'string') {
    try {
      const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') return [parsed[0], parsed[1]];
    } catch {
      // fall through
    }
  }
  throw bad(`invalid cursor ${JSON.stringify(cursor)}`);
}

export function checkId(id: unknown, what: string): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > 200) throw bad(`${what} must be a string of 1 to 200 characters`);
  return id;
}

export function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') throw bad('an identity needs a non-empty name');
  if (name.length > 500) throw bad('identity name is longer than 500 characters');
  return name.trim();
}

export function checkNotes(notes: unknown): string {
  if (typeof notes !== 'string') throw bad('notes must be a string');
  if (Buffer.byteLength(notes) > 65_535) throw bad('notes are longer than 64 KiB');
  return notes;
}

export function checkTags(tags: unknown): string[] {
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string')) throw bad('tags must be a list of strings');
  const out: string[] = [];
  for (const t of tags as string[]) {
    const tag = t.trim();
    if (tag !== '' && !out.includes(tag)) out.push(tag);
  }
  if (Buffer.byteLength(JSON.stringify(out)) > 65_535) throw bad('tags are longer than 64 KiB in all');
  return out;
}

export function bad(message: string): GalleryError {
  return new GalleryError('BAD_INPUT', message);
}

export function notFound(what: string, id: string): GalleryError {
  return new GalleryError('NOT_FOUND', `no ${what} ${id}`);
}
