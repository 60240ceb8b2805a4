import { randomUUID } from 'node:crypto';
import { decodeImage } from '../engine/image-decode.js';
import { cosine } from '../engine/vector.js';
import { fittedDetSize } from '../engine/scrfd-detector.js';
import { EngineError, type Box, type Face } from '../engine/types.js';
import type { InferencePool } from '../engine/worker-pool.js';
import { DEFAULT_ENROLLMENT_THRESHOLDS, judgeEnrollmentFaces, selectDiverseTemplates, templateQuality, type EnrollmentThresholds, type RejectReason } from './enrollment-policy.js';
import { GalleryError, type Gallery, type Identity, type Template } from './gallery.js';
import { decide, rankIdentities, type IdentityMatch } from './identity-ranking.js';

export interface EnrollImage {
  /** Shown back in the per-image result (file name, upload name). */
  name: string;
  bytes: Uint8Array;
  /** Point at one face when the image holds several. */
  box?: Box;
}

export type EnrollRejectReason = RejectReason | 'COLLISION';

export interface EnrollImageResult {
  image: string;
  status: 'accepted' | 'rejected';
  reason?: EnrollRejectReason;
  message?: string;
  templateId?: string;
  quality?: number;
  /** Another identity this face already matches above the match threshold. */
  collision?: { identityId: string; name: string; score: number };
}

export interface EnrollmentOptions {
  thresholds?: EnrollmentThresholds;
  /** Open-set match threshold (cosine) used for collisions and identification. */
  matchThreshold: number;
  /** Positive templates kept per identity, chosen for diversity (default 20). */
  maxTemplatesPerIdentity?: number;
  /** Largest detector input; small images are not upscaled past their size. */
  detSize: number;
  maxPixels?: number;
}

export interface EnrollTarget {
  /** Add to this identity… */
  identityId?: string;
  /** …or to the identity of this exact name, created when none exists. */
  name?: string;
  tags?: string[];
  /** Store faces that match another identity anyway (the collision is still reported). */
  allowCollision?: boolean;
}

export interface IdentifiedFace {
  face: Face;
  match: (IdentityMatch & { name: string }) | null;
  /** Up to `limit` candidates, best first. */
  candidates: (IdentityMatch & { name: string })[];
}

/**
 * Enrollment and identification over one gallery and the inference pool. Enrollments that target the same identity
 * (by id or by name) run one after another, so concurrent callers neither duplicate an identity nor lose templates.
 */
export class EnrollmentService {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly thresholds: EnrollmentThresholds;
  private readonly cap: number;

  constructor(
    private readonly pool: InferencePool,
    private readonly gallery: Gallery,
    private readonly options: EnrollmentOptions,
  ) {
    this.thresholds = options.thresholds ?? DEFAULT_ENROLLMENT_THRESHOLDS;
    this.cap = options.maxTemplatesPerIdentity ?? 20;
  }

  private serialize<T>(key: string, task: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(key) ?? Promise.resolve();
    const next = prev.then(task, task);
    const settled = next.then(() => undefined, () => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return next;
  }

  private async facesOf(bytes: Uint8Array): Promise<Face[]> {
    const img = await decodeImage(bytes, this.options.maxPixels);
    const { faces } = await this.pool.analyze(img, { embed: true, detSize: fittedDetSize(img, this.options.detSize) }, true);
    return faces;
  }

  /**
   * Enroll images into an identity. A new identity (by name) is created only when at least one image is accepted;
   * then `identity` is null if nothing was stored for a new name.
   */
  async enroll(target: EnrollTarget, images: EnrollImage[]): Promise<{ identity: Identity | null; results: EnrollImageResult[] }> {
    if (!target.identityId && !target.name?.trim()) throw new GalleryError('BAD_INPUT', 'give an identity id or a name');
    if (images.length === 0) throw new GalleryError('BAD_INPUT', 'no images to enroll');
    const key = target.identityId ? `id:${target.identityId}` : `name:${target.name!.trim()}`;
    // Inference runs before taking the identity's turn: only the gallery writes are serialized.
    const analyzed = await Promise.all(
      images.map(async (im) => {
        try {
          return { im, faces: await this.facesOf(im.bytes) };
        } catch (err) {
          const code = err instanceof EngineError ? err.code : 'BAD_IMAGE';
          return { im, error: `${code}: ${(err as Error).message}` };
        }
      }),
    );
    return this.enrollAnalyzed(target, key, analyzed, this.thresholds);
  }

  /**
   * Enroll faces that were already detected and embedded (enroll-from-track: a track's best faces). Each face is
   * judged like an image holding only that face, with the same quality gates, duplicate and collision checks.
   */
  async enrollFaces(
    target: EnrollTarget,
    items: { name: string; face: Face }[],
    thresholds: Partial<EnrollmentThresholds> = {},
  ): Promise<{ identity: Identity | null; results: EnrollImageResult[] }> {
    if (!target.identityId && !target.name?.trim()) throw new GalleryError('BAD_INPUT', 'give an identity id or a name');
    if (items.length === 0) throw new GalleryError('BAD_INPUT', 'no faces to enroll');
    if (items.some((i) => !i.face.embedding || !i.face.quality)) throw new GalleryError('BAD_INPUT', 'every face needs its embedding and quality');
    const key = target.identityId ? `id:${target.identityId}` : `name:${target.name!.trim()}`;
    return this.enrollAnalyzed(target, key, items.map((i) => ({ im: { name: i.name }, faces: [i.face] })), { ...this.thresholds, ...thresholds });
  }

  private enrollAnalyzed(
    target: EnrollTarget,
    key: string,
    analyzed: ({ im: { name: string; box?: Box }; faces: Face[] } | { im: { name: string; box?: Box }; error: string })[],
    thresholds: EnrollmentThresholds,
  ): Promise<{ identity: Identity | null; results: EnrollImageResult[] }> {
    return this.serialize(key, async () => {
      const found = await this.findTarget(target);
      const identityId = found?.id ?? randomUUID();
      const existing = found ? (await this.gallery.listTemplates(found.id)).filter((t) => t.kind === 'positive') : [];
      const results: EnrollImageResult[] = [];
      const accepted: Template[] = [];
      for (const a of analyzed) {
        if (!('faces' in a)) {
          results.push({ image: a.im.name, status: 'rejected', reason: 'BAD_IMAGE', message: a.error });
          continue;
        }
        const judged = judgeEnrollmentFaces(a.faces, thresholds, a.im.box);
        if (!judged.ok) {
          results.push({ image: a.im.name, status: 'rejected', reason: judged.reason, message: judged.message });
          continue;
        }
        const embedding = judged.face.embedding!;
        const dup = [...existing, ...accepted].some((t) => cosine(t.embedding, embedding) >= thresholds.duplicateSimilarity);
        if (dup) {
          results.push({ image: a.im.name, status: 'rejected', reason: 'DUPLICATE', message: 'an almost identical template of this identity exists' });
          continue;
        }
        const collision = await this.collisionWith(embedding, identityId);
        if (collision && !target.allowCollision) {
          results.push({ image: a.im.name, status: 'rejected', reason: 'COLLISION', message: `this face matches ${collision.name} (${collision.score.toFixed(3)})`, collision });
          continue;
        }
        const quality = templateQuality(judged.face.quality!);
        const template: Template = { id: randomUUID(), identityId, embedding, kind: 'positive', quality, source: a.im.name, createdAt: Date.now() };
        accepted.push(template);
        results.push({ image: a.im.name, status: 'accepted', templateId: template.id, quality, ...(collision ? { collision } : {}) });
      }
      if (accepted.length === 0) return { identity: found ?? null, results };
      if (!found) await this.gallery.createIdentity({ id: identityId, name: target.name!.trim(), tags: target.tags });
      await this.storeWithinCap(existing, accepted, results);
      return { identity: (await this.gallery.getIdentity(identityId))!, results };
    });
  }

  /** Store new templates, then trim the identity to the cap keeping a diverse set (new ones may be dropped too). */
  private async storeWithinCap(existing: Template[], accepted: Template[], results: EnrollImageResult[]): Promise<void> {
    await this.gallery.upsertTemplates(accepted);
    const all = [...existing, ...accepted];
    if (all.length <= this.cap) return;
    const keep = new Set(selectDiverseTemplates(all, this.cap).map((i) => all[i].id));
    const drop = all.filter((t) => !keep.has(t.id)).map((t) => t.id);
    await this.gallery.deleteTemplates(drop);
    for (const r of results) {
      if (r.templateId && !keep.has(r.templateId)) r.message = 'accepted, then replaced by more diverse templates (template cap)';
    }
  }

  /** The target identity, or undefined for a name not enrolled yet. */
  private async findTarget(target: EnrollTarget): Promise<Identity | undefined> {
    if (target.identityId) {
      const found = await this.gallery.getIdentity(target.identityId);
      if (!found) throw new GalleryError('NOT_FOUND', `no identity ${target.identityId}`);
      return found;
    }
    return this.findByName(target.name!.trim());
  }

  async findByName(name: string): Promise<Identity | undefined> {
    let after: string | undefined;
    do {
      const page = await this.gallery.listIdentities({ first: 100, nameContains: name, after });
      const same = page.items.find((i) => i.name === name);
      if (same) return same;
      after = page.endCursor;
    } while (after);
    return undefined;
  }

  private async collisionWith(embedding: Float32Array, selfId: string): Promise<EnrollImageResult['collision']> {
    const hits = await this.gallery.search(embedding, 20, { kinds: ['positive', 'negative'] });
    const other = rankIdentities(hits).matches.find((m) => m.identityId !== selfId && m.score >= this.options.matchThreshold);
    if (!other) return undefined;
    const identity = await this.gallery.getIdentity(other.identityId);
    return { identityId: other.identityId, name: identity?.name ?? other.identityId, score: other.score };
  }

  /**
   * "This is not X": store the image's main face (or the face in `box`) as a negative example of the identity, so that
   * this face and close variants of it are no longer matched to X (identity-ranking.ts). Returns the template id.
   */
  async rejectMatch(identityId: string, image: EnrollImage): Promise<string> {
    if (!(await this.gallery.getIdentity(identityId))) throw new GalleryError('NOT_FOUND', `no identity ${identityId}`);
    const faces = await this.facesOf(image.bytes);
    const judged = judgeEnrollmentFaces(faces, { ...this.thresholds, minBlur: 0, maxAbsYaw: 1, maxAbsPitch: 1, minInterOcular: 0 }, image.box);
    if (!judged.ok) throw new GalleryError('BAD_INPUT', `${image.name}: ${judged.message}`);
    const template: Template = {
      id: randomUUID(),
      identityId,
      embedding: judged.face.embedding!,
      kind: 'negative',
      quality: templateQuality(judged.face.quality!),
      source: image.name,
      createdAt: Date.now(),
    };
    await this.serialize(`id:${identityId}`, () => this.gallery.upsertTemplates([template]));
    return template.id;
  }

  /** 1:N open-set identification of every face in an image. */
  async identify(bytes: Uint8Array, limit = 5): Promise<IdentifiedFace[]> {
    const faces = await this.facesOf(bytes);
    return Promise.all(faces.map((face) => this.identifyEmbedding(face, limit)));
  }

  async identifyEmbedding(face: Face, limit = 5): Promise<IdentifiedFace> {
    return { face, ...(await this.identifyVector(face.embedding!, limit)) };
  }

  /** Open-set decision for one embedding, with up to `limit` named candidates (suppressed identities left out). */
  async identifyVector(embedding: Float32Array, limit = 5): Promise<Omit<IdentifiedFace, 'face'>> {
    const hits = await this.gallery.search(embedding, Math.max(20, limit * 4), { kinds: ['positive', 'negative'] });
    const ranked = rankIdentities(hits);
    const named = await Promise.all(
      ranked.matches.slice(0, Math.max(1, limit)).map(async (m) => ({ ...m, name: (await this.gallery.getIdentity(m.identityId))?.name ?? m.identityId })),
    );
    const top = decide(ranked, this.options.matchThreshold);
    return { match: top ? named[0] : null, candidates: named.slice(0, limit) };
  }
}
