/**
 * The Gallery port: identities and their face templates, and nearest-template search. Two adapters implement it —
 * embedded (SQLite, the default) and Milvus — and both pass one contract suite (gallery-contract.ts).
 * Embeddings are L2-normalized, so scores are cosine similarities.
 */

export type TemplateKind = 'positive' | 'negative';

export interface Template {
  id: string;
  identityId: string;
  /** L2-normalized embedding of the recognizer the gallery was created for. */
  embedding: Float32Array;
  /** positive: a face of the identity. negative: a face that is NOT this identity ("this is not X"). */
  kind: TemplateKind;
  /** Enrollment quality score, 0..1 (higher is better); used to keep the best templates under the cap. */
  quality: number;
  /** Where the face came from: a file name, "track:<id>", "sighting:<id>". */
  source: string;
  createdAt: number;
}

export interface Identity {
  id: string;
  name: string;
  notes: string;
  tags: string[];
  createdAt: number;
  updatedAt: number;
  /** Positive templates only. */
  templateCount: number;
}

export interface IdentityInput {
  id?: string;
  name: string;
  notes?: string;
  tags?: string[];
}

export interface IdentityPatch {
  name?: string;
  notes?: string;
  tags?: string[];
}

export interface SearchHit {
  templateId: string;
  identityId: string;
  kind: TemplateKind;
  score: number;
}

export interface SearchFilter {
  /** Only templates of these identities. */
  identityIds?: string[];
  /** Template kinds to consider (default: positive only). */
  kinds?: TemplateKind[];
}

export interface IdentityPage {
  items: Identity[];
  /** Opaque cursor for the next page; absent on the last page. */
  endCursor?: string;
}

export interface ListIdentitiesOptions {
  first: number;
  after?: string;
  /** Case-insensitive substring of the name. */
  nameContains?: string;
  tag?: string;
}

/** What the gallery was created for: mixing embedding spaces is refused. */
export interface EmbeddingSpace {
  /** Recognizer manifest id or file name. */
  model: string;
  dim: number;
}

export class GalleryError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'CONFLICT' | 'MODEL_MISMATCH' | 'BAD_INPUT' | 'UNAVAILABLE' | 'CORRUPT_STORE',
    message: string,
  ) {
    super(message);
    this.name = 'GalleryError';
  }
}

export interface Gallery {
  readonly space: EmbeddingSpace;

  createIdentity(input: IdentityInput): Promise<Identity>;
  updateIdentity(id: string, patch: IdentityPatch): Promise<Identity>;
  getIdentity(id: string): Promise<Identity | undefined>;
  /** Ordered by name, then id; cursor pagination. */
  listIdentities(options: ListIdentitiesOptions): Promise<IdentityPage>;
  /** Removes the identity and every template of it. Returns the number of templates removed. */
  deleteIdentity(id: string): Promise<number>;

  /** Insert or replace templates, all or none. Every identity must exist; dimensions must match the space. */
  upsertTemplates(templates: Template[]): Promise<void>;
  deleteTemplates(templateIds: string[]): Promise<number>;
  listTemplates(identityId: string): Promise<Template[]>;
  /** Move every template of `fromId` to `toId` and delete `fromId`, all or none (merge). Returns templates moved. */
  mergeIdentities(fromId: string, toId: string): Promise<number>;

  /** The k nearest templates by cosine similarity, best first. */
  search(embedding: Float32Array, k: number, filter?: SearchFilter): Promise<SearchHit[]>;
  count(): Promise<{ identities: number; templates: number }>;
  close(): Promise<void>;
}
