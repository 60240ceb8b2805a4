/**
 * The Milvus Gallery adapter: identities and templates live in a Milvus server (or milvus-lite in tests), so several
 * BoostFace replicas can share one gallery.
 *
 * Collections (all prefixed with `collectionPrefix`, default `boostface_`):
 * - `${prefix}meta`: one record `space` = {"model","dim"}: the embedding space this prefix was created for. Opening
 *   with another model or dimension is refused with MODEL_MISMATCH (embeddings of different models cannot be compared).
 * - `${prefix}identities`: id (VarChar PK), name, notes, tags (a JSON array in a VarChar), created, updated, and a
 *   dummy 2-d vector (Milvus collections need a vector field to be loaded and queried).
 * - `${prefix}templates_${model}_${dim}`: one per embedding model: id (VarChar PK), identity_id, kind, quality, source,
 *   created, embedding (FloatVector dim).
 *   `quality` is a Double, not a Float: a float32 would not give back the exact number that was stored.
 *
 * Index: HNSW, M 16, efConstruction 200, COSINE. HNSW because galleries are small-to-medium (10k–1M templates) and
 * read-mostly: it gives recall@1 ≈ 1.0 on face-like queries at a few ms, builds incrementally (no training step like
 * IVF), and works on both milvus-lite and Milvus standalone. COSINE (not IP) so scores stay cosine similarities even
 * if a non-normalized vector slips in; embeddings are normalized here anyway. Searches use ef = max(64, 2·k), max(256, 4·k) when filtered.
 *
 * Consistency: every collection is created with Strong consistency, and every read passes Strong explicitly, so an
 * acknowledged write is visible to the next read (no flush needed). On real Milvus a Strong read waits for the next
 * time tick (~200 ms); the live-recognition hot path may want Bounded later.
 *
 * Failures: each call is tried up to 3 times (backoff 0.5 s, 1.5 s) when the server is unreachable (gRPC UNAVAILABLE,
 * DEADLINE_EXCEEDED, connection refused/reset), then fails with GalleryError('UNAVAILABLE'). A call that fails because a
 * collection is not loaded (milvus-lite releases every collection when it restarts) loads the collections again and
 * is retried. Nothing is left as an unhandled rejection: the SDK's connect promise is always awaited.
 *
 * Limits (fine for now): listIdentities reads every identity record (up to QUERY_LIMIT) and sorts in JS; a template
 * count is one count(*) query per identity; listTemplates and merges read at most QUERY_LIMIT templates of an identity.
 * Multi-step mutations (deleteIdentity, mergeIdentities) are not transactional across replicas; each is ordered so that
 * a failure half-way can be finished by calling it again.
 */
import { randomUUID } from 'node:crypto';
import { DataType, MilvusClient } from '@zilliz/milvus2-sdk-node';
import {
  GalleryError,
  type EmbeddingSpace,
  type Gallery,
  type Identity,
  type IdentityInput,
  type IdentityPage,
  type IdentityPatch,
  type ListIdentitiesOptions,
  type SearchFilter,
  type SearchHit,
  type Template,
  type TemplateKind,
} from './gallery.js';
import { bad, checkId, checkName, checkNotes, checkSpace, checkTags, decodeCursor, encodeCursor, notFound } from './gallery-input.js';

export interface MilvusGalleryOptions {
  /** host:port of the Milvus proxy, e.g. 127.0.0.1:19530. */
  address: string;
  token?: string;
  database?: string;
  ssl?: boolean;
  /** Prefix of every collection name (letters, digits, underscores); default `boostface_`. */
  collectionPrefix?: string;
  space: EmbeddingSpace;
  /** Per-RPC timeout in ms (default 10 000). */
  timeoutMs?: number;
  /** Tries per call while the server is unreachable (default 3). */
  tries?: number;
}

const KINDS: readonly TemplateKind[] = ['positive', 'negative'];
const UNIT_TOLERANCE = 1e-4;
/** Milvus caps one query's or search's result window at 16 384 rows. */
const QUERY_LIMIT = 16_384;
const DUMMY_VECTOR = [0, 0];
const BACKOFF_MS = [500, 1500];

/** An identity as stored; templateCount is counted from the templates collection. */
type IdentityRecord = Omit<Identity, 'templateCount'>;

interface TemplateRow {
  id: string;
  identity_id: string;
  kind: string;
  quality: number;
  source: string;
  created: number;
  embedding: number[];
}

/** A Milvus response whose status is not Success. */
class MilvusStatusError extends Error {
  constructor(
    readonly what: string,
    readonly reason: string,
    readonly errorCode: string,
  ) {
    super(`${what}: ${errorCode} ${reason}`.trim());
  }
}

export class MilvusGallery implements Gallery {
  private closed = false;

  private constructor(
    readonly space: EmbeddingSpace,
    private readonly client: MilvusClient,
    private readonly address: string,
    readonly collections: { meta: string; identities: string; templates: string },
    private readonly tries: number,
  ) {}

  static async open(options: MilvusGalleryOptions): Promise<MilvusGallery> {
    const space = checkSpace(options.space, 32_768);
    const prefix = options.collectionPrefix ?? 'boostface_';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(prefix) && prefix !== '') throw bad(`collectionPrefix must be letters, digits and underscores (got ${JSON.stringify(prefix)})`);
    if (typeof options.address !== 'string' || options.address === '') throw bad('a Milvus address (host:port) is needed');
    const collections = {
      meta: `${prefix}meta`,
      identities: `${prefix}identities`,
      templates: `${prefix}templates_${space.model.replace(/[^A-Za-z0-9_]/g, '_')}_${space.dim}`,
    };
    if (!/^[A-Za-z_]/.test(collections.meta)) collections.meta = `_${collections.meta}`;
    let client: MilvusClient;
    try {
      client = new MilvusClient({
        address: options.address,
        token: options.token,
        database: options.database,
        ssl: options.ssl,
        timeout: options.timeoutMs ?? 10_000,
        // Retries are ours (bounded, with a clear error); the SDK's would add its own delays on top.
        maxRetries: 0,
        logLevel: 'error',
        // gRPC's reconnect backoff grows to 120 s by default, so after an outage the channel could stay "down" long
        // after the server is back. Capped at 1 s, a reconnect happens within our retry window (2 s).
        channelOptions: { 'grpc.initial_reconnect_backoff_ms': 200, 'grpc.max_reconnect_backoff_ms': 1000 },
      });
    } catch (err) {
      throw new GalleryError('UNAVAILABLE', `cannot create a Milvus client for ${options.address}: ${messageOf(err)}`);
    }
    const gallery = new MilvusGallery(space, client, options.address, collections, Math.max(1, options.tries ?? 3));
    try {
      // Always awaited: without a server the SDK rejects this promise, and nothing else would catch it.
      await client.connectPromise;
    } catch (err) {
      await client.closeConnection().catch(() => undefined);
      throw new GalleryError('UNAVAILABLE', `cannot connect to Milvus at ${options.address}: ${messageOf(err)}`);
    }
    try {
      await gallery.setUp();
    } catch (err) {
      await client.closeConnection().catch(() => undefined);
      throw toGalleryError(err, `opening the Milvus gallery at ${options.address}`);
    }
    return gallery;
  }

  async createIdentity(input: IdentityInput): Promise<Identity> {
    this.ensureOpen();
    if (!input || typeof input !== 'object') throw bad('identity input must be an object');
    const id = input.id === undefined ? randomUUID() : checkId(input.id, 'identity id');
    const name = checkName(input.name);
    const notes = checkNotes(input.notes ?? '');
    const tags = checkTags(input.tags ?? []);
    if (await this.identityRecord(id)) throw new GalleryError('CONFLICT', `identity ${id} already exists`);
    const now = Date.now();
    const record: IdentityRecord = { id, name, notes, tags, createdAt: now, updatedAt: now };
    await this.writeIdentity(record);
    return { ...record, templateCount: 0 };
  }

  async updateIdentity(id: string, patch: IdentityPatch): Promise<Identity> {
    this.ensureOpen();
    if (!patch || typeof patch !== 'object') throw bad('identity patch must be an object');
    if (typeof id !== 'string') throw bad('identity id must be a string');
    const current = await this.identityRecord(id);
    if (!current) throw notFound('identity', id);
    const next: IdentityRecord = {
      ...current,
      name: patch.name === undefined ? current.name : checkName(patch.name),
      notes: patch.notes === undefined ? current.notes : checkNotes(patch.notes),
      tags: patch.tags === undefined ? current.tags : checkTags(patch.tags),
      updatedAt: Math.max(Date.now(), current.updatedAt),
    };
    await this.writeIdentity(next);
    return { ...next, templateCount: await this.positiveCount(id) };
  }

  async getIdentity(id: string): Promise<Identity | undefined> {
    this.ensureOpen();
    if (typeof id !== 'string') throw bad('identity id must be a string');
    const record = await this.identityRecord(id);
    return record && { ...record, templateCount: await this.positiveCount(id) };
  }

  async listIdentities(options: ListIdentitiesOptions): Promise<IdentityPage> {
    this.ensureOpen();
    if (!options || typeof options !== 'object') throw bad('list options must be an object');
    const { first, after, nameContains, tag } = options;
    if (!Number.isInteger(first) || first < 1) throw bad(`first must be a positive integer (got ${first})`);
    const cursor = after === undefined ? undefined : decodeCursor(after);
    if (nameContains !== undefined && typeof nameContains !== 'string') throw bad('nameContains must be a string');
    if (tag !== undefined && typeof tag !== 'string') throw bad('tag must be a string');
    // Fine for now: every identity record (up to QUERY_LIMIT) is read, then filtered, sorted and paged here.
    const rows = await this.query(this.collections.identities, 'id != ""', IDENTITY_FIELDS, 'list identities');
    const needle = nameContains ? nameContains.toLowerCase() : '';
    const matching = rows
      .map(toIdentityRecord)
      .filter((r) => (!needle || r.name.toLowerCase().includes(needle)) && (tag === undefined || r.tags.includes(tag)))
      .filter((r) => !cursor || cmp(r.name, cursor[0]) > 0 || (r.name === cursor[0] && cmp(r.id, cursor[1]) > 0))
      .sort((x, y) => cmp(x.name, y.name) || cmp(x.id, y.id));
    const page = matching.slice(0, first);
    const items = await Promise.all(page.map(async (r) => ({ ...r, templateCount: await this.positiveCount(r.id) })));
    const last = items[items.length - 1];
    return matching.length > first && last ? { items, endCursor: encodeCursor(last.name, last.id) } : { items };
  }

  async deleteIdentity(id: string): Promise<number> {
    this.ensureOpen();
    if (typeof id !== 'string') throw bad('identity id must be a string');
    if (!(await this.identityRecord(id))) throw notFound('identity', id);
    const filter = `identity_id == ${lit(id)}`;
    const n = await this.countWhere(this.collections.templates, filter);
    // Templates first: if the identity delete then fails, calling deleteIdentity again finishes the job.
    await this.call('delete templates', () => this.client.delete({ collection_name: this.collections.templates, filter }));
    await this.call('delete identity', () => this.client.delete({ collection_name: this.collections.identities, filter: `id == ${lit(id)}` }));
    return n;
  }

  async upsertTemplates(templates: Template[]): Promise<void> {
    this.ensureOpen();
    if (!Array.isArray(templates)) throw bad('templates must be an array');
    if (templates.length === 0) return;
    // Everything is checked before anything is written.
    const clean = templates.map((t, i) => this.checkTemplate(t, i));
    const seen = new Set<string>();
    for (const t of clean) {
      if (seen.has(t.id)) throw bad(`template ${t.id} appears twice in one upsert`);
      seen.add(t.id);
    }
    const owners = [...new Set(clean.map((t) => t.identityId))];
    const found = new Set(
      (await this.query(this.collections.identities, `id in ${listLit(owners)}`, ['id'], 'check identities')).map((r) => String(r.id)),
    );
    for (const id of owners) if (!found.has(id)) throw notFound('identity', id);
    // What the upsert may replace, so a failed write can be undone.
    const ids = clean.map((t) => t.id);
    const prior = await this.query(this.collections.templates, `id in ${listLit(ids)}`, TEMPLATE_FIELDS, 'read templates');
    const rows = clean.map(toTemplateRow);
    try {
      await this.call('upsert templates', () => this.client.upsert({ collection_name: this.collections.templates, data: rows as never }));
    } catch (err) {
      const rollback = await this.rollback(ids, prior as unknown as TemplateRow[]);
      const e = toGalleryError(err, 'writing templates');
      throw new GalleryError('UNAVAILABLE', `${e.message}; ${rollback}`);
    }
  }

  async deleteTemplates(templateIds: string[]): Promise<number> {
    this.ensureOpen();
    if (!Array.isArray(templateIds)) throw bad('template ids must be an array');
    const ids = [...new Set(templateIds)];
    for (const id of ids) if (typeof id !== 'string') throw bad('template ids must be strings');
    if (ids.length === 0) return 0;
    const existing = (await this.query(this.collections.templates, `id in ${listLit(ids)}`, ['id'], 'find templates')).map((r) => String(r.id));
    if (existing.length === 0) return 0;
    await this.call('delete templates', () => this.client.delete({ collection_name: this.collections.templates, filter: `id in ${listLit(existing)}` }));
    return existing.length;
  }

  async listTemplates(identityId: string): Promise<Template[]> {
    this.ensureOpen();
    if (typeof identityId !== 'string') throw bad('identity id must be a string');
    if (!(await this.identityRecord(identityId))) throw notFound('identity', identityId);
    const rows = await this.query(this.collections.templates, `identity_id == ${lit(identityId)}`, TEMPLATE_FIELDS, 'list templates');
    return (rows as unknown as TemplateRow[])
      .map(fromTemplateRow)
      .sort((a, b) => a.createdAt - b.createdAt || cmp(a.id, b.id));
  }

  async mergeIdentities(fromId: string, toId: string): Promise<number> {
    this.ensureOpen();
    if (typeof fromId !== 'string' || typeof toId !== 'string') throw bad('identity ids must be strings');
    if (fromId === toId) throw bad(`cannot merge identity ${fromId} into itself`);
    if (!(await this.identityRecord(fromId))) throw notFound('identity', fromId);
    const target = await this.identityRecord(toId);
    if (!target) throw notFound('identity', toId);
    const rows = (await this.query(this.collections.templates, `identity_id == ${lit(fromId)}`, TEMPLATE_FIELDS, 'read templates')) as unknown as TemplateRow[];
    // Move the templates (one upsert), then delete the source: a failure after the move leaves the source without
    // templates, and merging again finishes it.
    if (rows.length > 0) {
      const moved = rows.map((r) => ({ ...normalizeRow(r), identity_id: toId }));
      await this.call('move templates', () => this.client.upsert({ collection_name: this.collections.templates, data: moved as never }));
    }
    await this.call('delete identity', () => this.client.delete({ collection_name: this.collections.identities, filter: `id == ${lit(fromId)}` }));
    await this.writeIdentity({ ...target, updatedAt: Math.max(Date.now(), target.updatedAt) });
    return rows.length;
  }

  async search(embedding: Float32Array, k: number, filter?: SearchFilter): Promise<SearchHit[]> {
    this.ensureOpen();
    const query = this.checkEmbedding(embedding, 'query embedding');
    if (!Number.isInteger(k) || k < 0) throw bad(`k must be a non-negative integer (got ${k})`);
    const kinds = filter?.kinds ?? ['positive'];
    if (!Array.isArray(kinds) || kinds.some((x) => !KINDS.includes(x))) throw bad(`kinds must be a list of ${KINDS.join(' / ')}`);
    const identityIds = filter?.identityIds;
    if (identityIds !== undefined && (!Array.isArray(identityIds) || identityIds.some((x) => typeof x !== 'string'))) throw bad('identityIds must be a list of strings');
    if (k === 0 || kinds.length === 0 || identityIds?.length === 0) return [];
    const limit = Math.min(k, QUERY_LIMIT);
    const clauses = [`kind in ${listLit([...new Set(kinds)])}`];
    if (identityIds) clauses.push(`identity_id in ${listLit([...new Set(identityIds)])}`);
    const res = await this.call('search', () =>
      this.client.search({
        collection_name: this.collections.templates,
        anns_field: 'embedding',
        data: Array.from(query),
        limit,
        filter: clauses.join(' and '),
        output_fields: ['id', 'identity_id', 'kind'],
        metric_type: 'COSINE',
        // A filter prunes HNSW's candidate lists: widen the search so filtered results keep their recall.
        params: { ef: clauses.length > 0 ? Math.max(256, 4 * limit) : Math.max(64, 2 * limit) },
        consistency_level: 'Strong' as never,
      }),
    );
    const results = (res as { results: Record<string, unknown>[] }).results ?? [];
    return results.map((r) => ({
      templateId: String(r.id),
      identityId: String(r.identity_id),
      kind: r.kind as TemplateKind,
      score: Number(r.score),
    }));
  }

  async count(): Promise<{ identities: number; templates: number }> {
    this.ensureOpen();
    const [identities, templates] = await Promise.all([
      this.countWhere(this.collections.identities, 'id != ""'),
      this.countWhere(this.collections.templates, 'id != ""'),
    ]);
    return { identities, templates };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.closeConnection().catch(() => undefined);
  }

  // ---- internals ------------------------------------------------------------------------------------------------

  private async setUp(): Promise<void> {
    const { meta, identities, templates } = this.collections;
    await this.ensureCollection(meta, [
      { name: 'key', data_type: DataType.VarChar, is_primary_key: true, max_length: 256 },
      { name: 'value', data_type: DataType.VarChar, max_length: 65_535 },
      { name: 'v', data_type: DataType.FloatVector, dim: 2 },
    ], 'v', 2, 'BoostFace gallery metadata');
    await this.load(meta);
    const spaceRows = await this.query(meta, 'key == "space"', ['key', 'value'], 'read gallery metadata');
    if (spaceRows.length > 0) {
      let held: { model?: unknown; dim?: unknown } = {};
      try {
        held = JSON.parse(String(spaceRows[0].value));
      } catch {
        // handled below
      }
      if (typeof held.model !== 'string' || typeof held.dim !== 'number') {
        throw new GalleryError('CORRUPT_STORE', `the Milvus collection ${meta} at ${this.address} has unreadable gallery metadata; drop it or choose another collectionPrefix`);
      }
      if (held.model !== this.space.model || held.dim !== this.space.dim) {
        const prefix = meta.slice(0, -'meta'.length);
        throw new GalleryError(
          'MODEL_MISMATCH',
          `the Milvus gallery "${prefix}*" at ${this.address} holds ${held.dim}-d embeddings of model "${held.model}", but the recognizer in use is ` +
            `"${this.space.model}" (${this.space.dim}-d); embeddings of different models cannot be compared. Either use the recognizer ` +
            `"${held.model}" again, or re-embed: export the identities, then drop the collections ${prefix}meta, ${prefix}identities and ` +
            `${prefix}templates_* (or set another collectionPrefix) and re-enroll them from their source images with "${this.space.model}".`,
        );
      }
    } else {
      await this.call('write gallery metadata', () =>
        this.client.upsert({ collection_name: meta, data: [{ key: 'space', value: JSON.stringify(this.space), v: DUMMY_VECTOR }] }),
      );
    }
    await this.ensureCollection(identities, [
      { name: 'id', data_type: DataType.VarChar, is_primary_key: true, max_length: 1024 },
      { name: 'name', data_type: DataType.VarChar, max_length: 2048 },
      { name: 'notes', data_type: DataType.VarChar, max_length: 65_535 },
      { name: 'tags', data_type: DataType.VarChar, max_length: 65_535 },
      { name: 'created', data_type: DataType.Int64 },
      { name: 'updated', data_type: DataType.Int64 },
      { name: 'v', data_type: DataType.FloatVector, dim: 2 },
    ], 'v', 2, 'BoostFace identities');
    await this.ensureCollection(templates, [
      { name: 'id', data_type: DataType.VarChar, is_primary_key: true, max_length: 1024 },
      { name: 'identity_id', data_type: DataType.VarChar, max_length: 1024 },
      { name: 'kind', data_type: DataType.VarChar, max_length: 16 },
      { name: 'quality', data_type: DataType.Double },
      { name: 'source', data_type: DataType.VarChar, max_length: 4096 },
      { name: 'created', data_type: DataType.Int64 },
      { name: 'embedding', data_type: DataType.FloatVector, dim: this.space.dim },
    ], 'embedding', this.space.dim, `BoostFace templates of model ${this.space.model} (${this.space.dim}-d)`);
    await this.load(identities);
    await this.load(templates);
  }

  /** Create a collection with its index unless it exists; an existing one must have the expected vector dimension. */
  private async ensureCollection(name: string, fields: Record<string, unknown>[], vectorField: string, dim: number, description: string): Promise<void> {
    const has = (await this.call(`has collection ${name}`, () => this.client.hasCollection({ collection_name: name }))) as unknown as { value?: boolean };
    if (has.value) {
      const desc = (await this.call(`describe ${name}`, () => this.client.describeCollection({ collection_name: name }))) as {
        schema?: { fields?: { name: string; dim?: string | number; type_params?: { key: string; value: string }[] }[] };
      };
      const field = desc.schema?.fields?.find((f) => f.name === vectorField);
      const haveDim = field && Number(field.dim ?? field.type_params?.find((p) => p.key === 'dim')?.value);
      if (!field || haveDim !== dim) {
        throw new GalleryError(
          'CORRUPT_STORE',
          `the Milvus collection ${name} at ${this.address} is not a BoostFace gallery collection of ${dim}-d vectors (field ${vectorField}: ${field ? `${haveDim}-d` : 'missing'}); drop it or choose another collectionPrefix`,
        );
      }
      return;
    }
    try {
      await this.call(`create collection ${name}`, () =>
        this.client.createCollection({ collection_name: name, description, fields: fields as never, consistency_level: 'Strong' as never }),
      );
    } catch (err) {
      // Another replica may have created it meanwhile.
      if (!/exist/i.test(messageOf(err))) throw err;
    }
    const index =
      vectorField === 'embedding'
        ? { index_type: 'HNSW', metric_type: 'COSINE', params: { M: 16, efConstruction: 200 } }
        : { index_type: 'FLAT', metric_type: 'L2', params: {} };
    try {
      await this.call(`create index on ${name}`, () => this.client.createIndex({ collection_name: name, field_name: vectorField, ...index } as never));
    } catch (err) {
      if (!/exist/i.test(messageOf(err))) throw err;
    }
  }

  private async load(name: string): Promise<void> {
    await this.call(`load ${name}`, () => this.client.loadCollectionSync({ collection_name: name }), false);
  }

  private async loadAll(): Promise<void> {
    for (const name of Object.values(this.collections)) await this.load(name);
  }

  /**
   * One SDK call with the gallery's error policy: a non-Success status is an error; unreachable-server errors are
   * retried (bounded), "not loaded" errors load the collections again and retry once; the rest become GalleryErrors.
   */
  private async call<T>(what: string, fn: () => Promise<T>, reload = true): Promise<T> {
    let reloaded = !reload;
    let lastErr: unknown;
    for (let attempt = 0; attempt < this.tries; ) {
      this.ensureOpen();
      try {
        const res = await fn();
        checkStatus(res, what);
        return res;
      } catch (err) {
        lastErr = err;
        if (!reloaded && isNotLoaded(err)) {
          reloaded = true;
          try {
            await this.loadAll();
            continue;
          } catch (loadErr) {
            lastErr = loadErr;
            if (!isTransient(loadErr)) break;
          }
        } else if (!isTransient(err)) {
          break;
        }
        attempt++;
        if (attempt < this.tries) await sleep(BACKOFF_MS[Math.min(attempt - 1, BACKOFF_MS.length - 1)]);
      }
    }
    throw toGalleryError(lastErr, `${what} at ${this.address}`, this.tries);
  }

  private async query(collection: string, filter: string, outputFields: string[], what: string): Promise<Record<string, unknown>[]> {
    const res = (await this.call(what, () =>
      this.client.query({ collection_name: collection, filter, output_fields: outputFields, limit: QUERY_LIMIT, consistency_level: 'Strong' as never }),
    )) as { data?: Record<string, unknown>[] };
    return res.data ?? [];
  }

  private async countWhere(collection: string, filter: string): Promise<number> {
    const res = (await this.call('count', () =>
      this.client.query({ collection_name: collection, filter, output_fields: ['count(*)'], consistency_level: 'Strong' as never }),
    )) as { data?: Record<string, unknown>[] };
    return Number(res.data?.[0]?.['count(*)'] ?? 0);
  }

  private positiveCount(identityId: string): Promise<number> {
    return this.countWhere(this.collections.templates, `identity_id == ${lit(identityId)} and kind == "positive"`);
  }

  private async identityRecord(id: string): Promise<IdentityRecord | undefined> {
    const rows = await this.query(this.collections.identities, `id == ${lit(id)}`, IDENTITY_FIELDS, 'read identity');
    return rows.length ? toIdentityRecord(rows[0]) : undefined;
  }

  private async writeIdentity(r: IdentityRecord): Promise<void> {
    await this.call('write identity', () =>
      this.client.upsert({
        collection_name: this.collections.identities,
        data: [{ id: r.id, name: r.name, notes: r.notes, tags: JSON.stringify(r.tags), created: r.createdAt, updated: r.updatedAt, v: DUMMY_VECTOR }],
      }),
    );
  }

  /** Best effort after a failed upsert: delete the ids that did not exist before, put back the rows that did. */
  private async rollback(ids: string[], prior: TemplateRow[]): Promise<string> {
    const before = new Set(prior.map((r) => String(r.id)));
    const fresh = ids.filter((id) => !before.has(id));
    try {
      if (fresh.length) await this.call('roll back new templates', () => this.client.delete({ collection_name: this.collections.templates, filter: `id in ${listLit(fresh)}` }));
      if (prior.length) await this.call('restore replaced templates', () => this.client.upsert({ collection_name: this.collections.templates, data: prior.map(normalizeRow) as never }));
      return 'nothing was stored';
    } catch (err) {
      return `rolling back failed too (${messageOf(err)}): some of the templates may be stored; upsert them again`;
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new GalleryError('UNAVAILABLE', `the Milvus gallery at ${this.address} is closed`);
  }

  private checkTemplate(t: Template, i: number): Template {
    if (!t || typeof t !== 'object') throw bad(`template ${i} must be an object`);
    const id = t.id === undefined || t.id === '' ? randomUUID() : checkId(t.id, `template ${i} id`);
    const what = `template ${id}`;
    if (typeof t.identityId !== 'string' || t.identityId === '') throw bad(`${what}: identityId must be a non-empty string`);
    if (!KINDS.includes(t.kind)) throw bad(`${what}: kind must be ${KINDS.join(' or ')} (got ${String(t.kind)})`);
    if (typeof t.quality !== 'number' || !Number.isFinite(t.quality) || t.quality < 0 || t.quality > 1) {
      throw bad(`${what}: quality must be a number in [0, 1] (got ${String(t.quality)})`);
    }
    const source = t.source ?? '';
    if (typeof source !== 'string') throw bad(`${what}: source must be a string`);
    if (Buffer.byteLength(source) > 4096) throw bad(`${what}: source is longer than 4096 bytes`);
    const createdAt = t.createdAt ?? Date.now();
    if (typeof createdAt !== 'number' || !Number.isSafeInteger(Math.round(createdAt))) throw bad(`${what}: createdAt must be a finite number`);
    const embedding = this.checkEmbedding(t.embedding, `${what} embedding`);
    return { id, identityId: t.identityId, kind: t.kind, quality: t.quality, source, createdAt: Math.round(createdAt), embedding };
  }

  private checkEmbedding(v: Float32Array, what: string): Float32Array {
    if (!(v instanceof Float32Array)) throw bad(`${what} must be a Float32Array`);
    if (v.length !== this.space.dim) {
      throw new GalleryError(
        'MODEL_MISMATCH',
        `${what} has ${v.length} values; this gallery holds ${this.space.dim}-d embeddings of model "${this.space.model}"`,
      );
    }
    let sq = 0;
    for (let i = 0; i < v.length; i++) sq += v[i] * v[i];
    if (!Number.isFinite(sq)) throw bad(`${what} has non-finite values (NaN or Infinity)`);
    if (sq === 0) throw bad(`${what} is all zeros`);
    if (Math.abs(sq - 1) <= UNIT_TOLERANCE) return v;
    const out = new Float32Array(v.length);
    const inv = 1 / Math.sqrt(sq);
    for (let i = 0; i < v.length; i++) out[i] = v[i] * inv;
    return out;
  }
}

const IDENTITY_FIELDS = ['id', 'name', 'notes', 'tags', 'created', 'updated'];
const TEMPLATE_FIELDS = ['id', 'identity_id', 'kind', 'quality', 'source', 'created', 'embedding'];

function toTemplateRow(t: Template): TemplateRow {
  return { id: t.id, identity_id: t.identityId, kind: t.kind, quality: t.quality, source: t.source, created: t.createdAt, embedding: Array.from(t.embedding) };
}

/** A row as read back (int64 as strings, vectors as arrays) in the shape an upsert takes. */
function normalizeRow(r: TemplateRow): TemplateRow {
  return {
    id: String(r.id),
    identity_id: String(r.identity_id),
    kind: String(r.kind),
    quality: Number(r.quality),
    source: String(r.source ?? ''),
    created: Number(r.created),
    embedding: Array.from(r.embedding as ArrayLike<number>),
  };
}

function fromTemplateRow(r: TemplateRow): Template {
  return {
    id: String(r.id),
    identityId: String(r.identity_id),
    kind: r.kind as TemplateKind,
    quality: Number(r.quality),
    source: String(r.source ?? ''),
    createdAt: Number(r.created),
    embedding: Float32Array.from(r.embedding as ArrayLike<number>),
  };
}

function toIdentityRecord(row: Record<string, unknown>): IdentityRecord {
  let tags: string[] = [];
  try {
    const parsed: unknown = JSON.parse(String(row.tags));
    if (Array.isArray(parsed)) tags = parsed.filter((t): t is string => typeof t === 'string');
  } catch {
    // unreadable tags read as none
  }
  return {
    id: String(row.id),
    name: String(row.name),
    notes: String(row.notes ?? ''),
    tags,
    createdAt: Number(row.created),
    updatedAt: Number(row.updated),
  };
}

/** A string literal of a Milvus boolean expression. */
function lit(s: string): string {
  return JSON.stringify(s);
}

function listLit(values: string[]): string {
  return `[${values.map(lit).join(', ')}]`;
}

function cmp(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

function checkStatus(res: unknown, what: string): void {
  if (!res || typeof res !== 'object') return;
  const r = res as { status?: { error_code?: string | number; code?: number; reason?: string }; error_code?: string | number; code?: number; reason?: string };
  const st = r.status && typeof r.status === 'object' ? r.status : 'error_code' in r ? r : undefined;
  if (!st) return;
  const failed = (st.error_code !== undefined && st.error_code !== 'Success' && st.error_code !== 0) || (typeof st.code === 'number' && st.code !== 0);
  if (failed) throw new MilvusStatusError(what, st.reason ?? '', String(st.error_code ?? st.code));
}

function isNotLoaded(err: unknown): boolean {
  return /released|not loaded|load\(\)|collection not loaded/i.test(messageOf(err));
}

/** The server is unreachable or did not answer in time: worth retrying. */
function isTransient(err: unknown): boolean {
  if (err instanceof GalleryError) return err.code === 'UNAVAILABLE' && !/closed/.test(err.message);
  const code = (err as { code?: unknown })?.code;
  if (code === 14 || code === 4) return true;
  return /UNAVAILABLE|DEADLINE_EXCEEDED|ECONNREFUSED|ECONNRESET|No connection established|connection (closed|reset)/i.test(messageOf(err));
}

function toGalleryError(err: unknown, context: string, tries?: number): GalleryError {
  if (err instanceof GalleryError) return err;
  if (isTransient(err)) {
    return new GalleryError(
      'UNAVAILABLE',
      `Milvus is unreachable (${context}${tries ? `, ${tries} tries` : ''}): ${messageOf(err)}. Check that the Milvus server is running and reachable.`,
    );
  }
  return new GalleryError('UNAVAILABLE', `Milvus refused ${context}: ${messageOf(err)}`);
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message.replace(/\s+/g, ' ').slice(0, 500);
  try {
    return JSON.stringify(err).slice(0, 500);
  } catch {
    return String(err);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

