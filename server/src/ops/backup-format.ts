/**
 * The backup archive format (a gzip-compressed tar, version 2), shared by backup and restore.
 *
 *   backup.json                     first: what this is (format, versions, embedding space, source backends)
 *   gallery/identities-NNNNN.jsonl  one identity per line with all its templates, embeddings as base64 float32 (LE)
 *   stores/<store>-NNNNN.jsonl      one record per line of each store: tokens, audit, wall, cameras, sightings, alerts
 *                                   (store-records.ts)
 *   snapshots/<camera>/<day>/...    best-face JPEGs, only with --with-snapshots
 *   manifest.json                   last: size and sha256 of every entry above, and counts
 *
 * Version 1 had, instead of stores/, `store/store.sqlite`: a copy of the data directory's SQLite store; restore still
 * reads it (through the SQLite adapters, into wherever the stores are configured now).
 *
 * Every part is backend-neutral (read and written through the ports), so a backup of the embedded gallery restores
 * into Milvus and back, and one of the SQLite store into Redis and PostgreSQL and back. The manifest comes last
 * because entries are hashed while they are streamed into the archive; restore therefore reads the whole archive
 * before it trusts any of it.
 */
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { STORE_KINDS, type StoreKind, type StorePlacement } from '../config.js';
import type { EmbeddingSpace, Identity, Template, TemplateKind } from '../gallery/gallery.js';

export const BACKUP_FORMAT = 'boostface-backup';
export const BACKUP_FORMAT_VERSION = 2;
export const HEADER_ENTRY = 'backup.json';
export const MANIFEST_ENTRY = 'manifest.json';
export const GALLERY_PREFIX = 'gallery/';
/** Version 1: the SQLite store file. */
export const STORE_ENTRY = 'store/store.sqlite';
export const STORES_PREFIX = 'stores/';
export const SNAPSHOTS_PREFIX = 'snapshots/';

export type BackupErrorCode = 'NOT_FOUND' | 'EXISTS' | 'BAD_ARCHIVE' | 'CHECKSUM' | 'MODEL_MISMATCH' | 'NOT_EMPTY' | 'IN_USE';

export class BackupError extends Error {
  constructor(
    readonly code: BackupErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BackupError';
  }
}

export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  formatVersion: number;
  createdAt: string;
  /** Version of the BoostFace that wrote it. */
  boostface: string;
  gallery: { backend: 'embedded' | 'milvus'; space: EmbeddingSpace };
  /** Version 1: PRAGMA user_version of the store copy; null when the data directory had no store. */
  storeSchemaVersion?: number | null;
  /** Version 2: where each store was read from. */
  stores?: StorePlacement;
  withSnapshots: boolean;
}

export interface ManifestEntry {
  path: string;
  size: number;
  sha256: string;
}

export interface BackupCounts {
  identities: number;
  templates: number;
  /** Records per store (version 1: rows per table of the store file; null without one). */
  store: Record<string, number> | null;
  snapshots: number;
}

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  formatVersion: number;
  entries: ManifestEntry[];
  counts: BackupCounts;
}

export const BOOSTFACE_VERSION: string = (() => {
  try {
    // server/package.json: two levels above this file in src/ops and in dist/ops.
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
})();

/** One line of a gallery part: an identity and every template of it. */
export interface IdentityRecord extends Pick<Identity, 'id' | 'name' | 'notes' | 'tags' | 'createdAt' | 'updatedAt'> {
  templates: {
    id: string;
    kind: TemplateKind;
    quality: number;
    source: string;
    createdAt: number;
    /** float32 little-endian, base64. */
    embedding: string;
  }[];
}

const LITTLE_ENDIAN = os.endianness() === 'LE';

export function encodeEmbedding(v: Float32Array): string {
  if (LITTLE_ENDIAN) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  const b = Buffer.alloc(v.length * 4);
  v.forEach((x, i) => b.writeFloatLE(x, i * 4));
  return b.toString('base64');
}

/** `dim` undefined: any length (sightings keep the space of the recognizer that made them). */
export function decodeEmbedding(s: string, dim: number | undefined, what: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  if (dim === undefined ? b.byteLength % 4 !== 0 : b.byteLength !== dim * 4) {
    throw new BackupError('BAD_ARCHIVE', `${what}: the embedding has ${b.byteLength / 4} values, expected ${dim ?? 'a whole number'}`);
  }
  const n = b.byteLength / 4;
  const out = new Float32Array(n);
  if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(b);
  else for (let i = 0; i < n; i++) out[i] = b.readFloatLE(i * 4);
  return out;
}

export function identityRecord(identity: Identity, templates: Template[]): IdentityRecord {
  return {
    id: identity.id,
    name: identity.name,
    notes: identity.notes,
    tags: identity.tags,
    createdAt: identity.createdAt,
    updatedAt: identity.updatedAt,
    templates: templates.map((t) => ({ id: t.id, kind: t.kind, quality: t.quality, source: t.source, createdAt: t.createdAt, embedding: encodeEmbedding(t.embedding) })),
  };
}

/** Parse one gallery line back into the port's shapes; anything malformed is a BAD_ARCHIVE error. */
export function parseIdentityLine(line: string, dim: number, where: string): { identity: IdentityRecord; templates: Template[] } {
  let r: IdentityRecord;
  try {
    r = JSON.parse(line) as IdentityRecord;
  } catch (err) {
    throw new BackupError('BAD_ARCHIVE', `${where}: not JSON (${(err as Error).message})`);
  }
  if (!r || typeof r.id !== 'string' || typeof r.name !== 'string' || !Array.isArray(r.templates) || !Array.isArray(r.tags)) {
    throw new BackupError('BAD_ARCHIVE', `${where}: not an identity record`);
  }
  const templates = r.templates.map((t, i) => ({
    id: t.id,
    identityId: r.id,
    kind: t.kind,
    quality: t.quality,
    source: t.source,
    createdAt: t.createdAt,
    embedding: decodeEmbedding(t.embedding, dim, `${where}, template ${t.id ?? i}`),
  }));
  return { identity: r, templates };
}

export function sameSpace(a: EmbeddingSpace, b: EmbeddingSpace): boolean {
  return a.model === b.model && a.dim === b.dim;
}

export function spaceMismatch(file: string, backup: EmbeddingSpace, configured: EmbeddingSpace): BackupError {
  return new BackupError(
    'MODEL_MISMATCH',
    `the backup ${file} holds ${backup.dim}-d embeddings of model "${backup.model}", but the configured recognizer is "${configured.model}" ` +
      `(${configured.dim}-d); embeddings of different models cannot be compared. Restore with the recognizer "${backup.model}" ` +
      `(BOOSTFACE_RECOGNIZER=${backup.model}), or re-embed: restore it that way, then re-enroll the identities from their source images ` +
      `with "${configured.model}" into a new data directory.`,
  );
}

/** Check a parsed backup.json; returns it typed. */
export function checkHeader(raw: unknown, file: string): BackupHeader {
  const h = raw as Partial<BackupHeader> | null;
  if (!h || h.format !== BACKUP_FORMAT) throw new BackupError('BAD_ARCHIVE', `${file} is not a BoostFace backup (its first entry is not a ${BACKUP_FORMAT} header)`);
  if (typeof h.formatVersion !== 'number' || h.formatVersion > BACKUP_FORMAT_VERSION) {
    throw new BackupError('BAD_ARCHIVE', `${file} is a backup format v${h.formatVersion}, newer than this BoostFace reads (v${BACKUP_FORMAT_VERSION}); upgrade BoostFace`);
  }
  const space = h.gallery?.space;
  if (!space || typeof space.model !== 'string' || !Number.isInteger(space.dim) || space.dim < 1) {
    throw new BackupError('BAD_ARCHIVE', `${file}: the header has no embedding space`);
  }
  return h as BackupHeader;
}

/** The name of a store part, and back: its store, or undefined when it is no part of this version's stores. */
export const storePartName = (kind: StoreKind, part: number) => `${STORES_PREFIX}${kind}-${String(part).padStart(5, '0')}.jsonl`;
export function storePartKind(name: string): StoreKind | undefined {
  const m = /^stores\/([a-z]+)-\d{5}\.jsonl$/.exec(name);
  return m && (STORE_KINDS as readonly string[]).includes(m[1]) ? (m[1] as StoreKind) : undefined;
}
