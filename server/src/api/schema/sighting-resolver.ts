import { Arg, Ctx, Float, ID, Int, Query, Resolver } from 'type-graphql';
import { decodeImage } from '../../engine/image-decode.js';
import { fittedDetSize } from '../../engine/scrfd-detector.js';
import type { ApiContext } from '../context.js';
import { apiError } from '../errors.js';
import { toIdentity, toSighting } from './mappers.js';
import { DateTime, FaceSearchResult, IdentityMatch, SightingConnection } from './types.js';

const MAX_PAGE = 500;
const MAX_LIMIT = 100;

@Resolver()
export class SightingResolver {
  @Query(() => SightingConnection, { description: 'Past and live sightings, newest first, within the caller’s camera scope.' })
  async sightings(
    @Ctx() ctx: ApiContext,
    @Arg('identityId', () => ID, { nullable: true }) identityId?: string,
    @Arg('cameraIds', () => [ID], { nullable: true }) cameraIds?: string[],
    @Arg('from', () => DateTime, { nullable: true }) from?: Date,
    @Arg('to', () => DateTime, { nullable: true }) to?: Date,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<SightingConnection> {
    ctx.require('sightings.read');
    const n = first ?? 50;
    if (n < 1 || n > MAX_PAGE) throw apiError('BAD_USER_INPUT', `first must be between 1 and ${MAX_PAGE}`);
    const page = await ctx.services.core.sightings.list({
      identityId: identityId ?? undefined,
      cameraIds: ctx.cameraFilter(cameraIds ?? null) ?? undefined,
      from: from?.getTime(),
      to: to?.getTime(),
      first: n,
      after: after ?? undefined,
    });
    return { nodes: page.items.map((s) => toSighting(s, ctx.media)), endCursor: page.endCursor, hasNextPage: page.hasNextPage };
  }

  @Query(() => FaceSearchResult, {
    description: 'Search every face of an image (base64 or data URL) in the gallery and in past sightings ("where was this person seen").',
  })
  async searchFaces(
    @Arg('image', () => String) image: string,
    @Ctx() ctx: ApiContext,
    @Arg('limit', () => Int, { nullable: true }) limit?: number,
    @Arg('threshold', () => Float, { nullable: true }) threshold?: number,
  ): Promise<FaceSearchResult> {
    ctx.require('search');
    const k = limit ?? 10;
    if (k < 1 || k > MAX_LIMIT) throw apiError('BAD_USER_INPUT', `limit must be between 1 and ${MAX_LIMIT}`);
    const t = threshold ?? ctx.services.core.matchThreshold;
    if (!(t >= -1 && t <= 1)) throw apiError('BAD_USER_INPUT', 'threshold must be a cosine between -1 and 1');
    const [bytes] = ctx.decodeImages([image], 'image');
    ctx.limit('search');
    const { core } = ctx.services;
    return ctx.audited('search.faces', undefined, { limit: k, threshold: t }, async () => {
      const img = await decodeImage(bytes, core.settings.maxPixels);
      const { faces } = await core.pool.analyze(img, { embed: true, detSize: fittedDetSize(img, core.settings.detSize) }, true);
      const scope = ctx.cameraFilter(null);
      const out = await Promise.all(
        faces.map(async (face) => {
          const r = await core.enrollment.identifyVector(face.embedding!, k);
          const candidates: IdentityMatch[] = [];
          for (const c of r.candidates) {
            const identity = await core.gallery.getIdentity(c.identityId);
            if (identity) candidates.push({ identity: toIdentity(identity), score: c.score, templateId: c.templateId });
          }
          const top = candidates[0];
          const match = top && top.score >= t ? top : null;
          const sightings = await core.sightings.searchByFace(face.embedding!, { threshold: t, limit: k, cameraIds: scope ?? undefined });
          return {
            box: [...face.box],
            detScore: face.score,
            match,
            candidates,
            sightings: sightings.map((m) => ({ sighting: toSighting(m.sighting, ctx.media), score: m.score })),
          };
        }),
      );
      return { faces: out, threshold: t };
    });
  }
}
