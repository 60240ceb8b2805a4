import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { EnrollImageResult as DomainResult } from '../../gallery/enrollment-service.js';
import type { Identity as GalleryIdentity } from '../../gallery/gallery.js';
import type { ApiContext } from '../context.js';
import { apiError } from '../errors.js';
import { toIdentity } from './mappers.js';
import { DeleteIdentityResult, EnrollResult, Identity, IdentityConnection, IdentityFilter } from './types.js';

const MAX_PAGE = 200;

export function enrollResult(r: { identity: GalleryIdentity | null; results: DomainResult[] }): EnrollResult {
  return {
    identity: r.identity && toIdentity(r.identity),
    results: r.results.map((x) => ({
      image: x.image,
      status: x.status,
      reason: x.reason,
      message: x.message,
      templateId: x.templateId,
      quality: x.quality,
      collision: x.collision && { id: x.collision.identityId, name: x.collision.name, score: x.collision.score },
    })),
  };
}

/** Decoded images named by their position, as the per-image results report them. */
function namedImages(ctx: ApiContext, images: string[]) {
  return ctx.decodeImages(images, 'images').map((bytes, i) => ({ name: `#${i + 1}`, bytes }));
}

@Resolver()
export class IdentityResolver {
  @Query(() => IdentityConnection)
  async identities(
    @Ctx() ctx: ApiContext,
    @Arg('filter', () => IdentityFilter, { nullable: true }) filter?: IdentityFilter,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<IdentityConnection> {
    ctx.require('identities.read');
    const n = first ?? 50;
    if (n < 1 || n > MAX_PAGE) throw apiError('BAD_USER_INPUT', `first must be between 1 and ${MAX_PAGE}`);
    const page = await ctx.services.core.gallery.listIdentities({ first: n, after: after ?? undefined, nameContains: filter?.name ?? undefined, tag: filter?.tag ?? undefined });
    return { nodes: page.items.map(toIdentity), endCursor: page.endCursor, hasNextPage: page.endCursor !== undefined };
  }

  @Query(() => Identity, { nullable: true })
  async identity(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext): Promise<Identity | null> {
    ctx.require('identities.read');
    const found = await ctx.services.core.gallery.getIdentity(id);
    return found ? toIdentity(found) : null;
  }

  @Mutation(() => EnrollResult, { description: 'Enroll a person from base64 images (data URLs accepted); each image gets its own result.' })
  async enrollIdentity(
    @Arg('name', () => String) name: string,
    @Arg('images', () => [String]) images: string[],
    @Ctx() ctx: ApiContext,
    @Arg('tags', () => [String], { nullable: true }) tags?: string[],
  ): Promise<EnrollResult> {
    ctx.require('identities.write');
    if (!name.trim()) throw apiError('BAD_USER_INPUT', 'name must not be empty');
    const decoded = namedImages(ctx, images);
    ctx.limit('enroll', images.length);
    return ctx.audited('identity.enroll', name, { images: images.length, tags }, async () =>
      enrollResult(await ctx.services.core.enrollment.enroll({ name, tags: tags ?? undefined }, decoded)),
    );
  }

  @Mutation(() => EnrollResult)
  async addTemplates(@Arg('identityId', () => ID) identityId: string, @Arg('images', () => [String]) images: string[], @Ctx() ctx: ApiContext): Promise<EnrollResult> {
    ctx.require('identities.write');
    const decoded = namedImages(ctx, images);
    ctx.limit('enroll', images.length);
    return ctx.audited('identity.addTemplates', identityId, { images: images.length }, async () =>
      enrollResult(await ctx.services.core.enrollment.enroll({ identityId }, decoded)),
    );
  }

  @Mutation(() => Identity)
  async renameIdentity(@Arg('id', () => ID) id: string, @Arg('name', () => String) name: string, @Ctx() ctx: ApiContext): Promise<Identity> {
    ctx.require('identities.write');
    if (!name.trim()) throw apiError('BAD_USER_INPUT', 'name must not be empty');
    return ctx.audited('identity.rename', id, { name }, async () => toIdentity(await ctx.services.core.admin.rename(id, name.trim())));
  }

  @Mutation(() => Identity, { description: 'Move every template and sighting of `fromId` to `intoId`, then delete `fromId`.' })
  async mergeIdentities(@Arg('fromId', () => ID) fromId: string, @Arg('intoId', () => ID) intoId: string, @Ctx() ctx: ApiContext): Promise<Identity> {
    ctx.require('identities.write');
    if (fromId === intoId) throw apiError('BAD_USER_INPUT', 'cannot merge an identity into itself');
    return ctx.audited('identity.merge', intoId, { fromId }, async () => {
      await ctx.services.core.admin.merge(fromId, intoId);
      const into = await ctx.services.core.gallery.getIdentity(intoId);
      if (!into) throw apiError('NOT_FOUND', `no identity ${intoId}`);
      return toIdentity(into);
    });
  }

  @Mutation(() => DeleteIdentityResult, { description: 'Delete an identity with its templates, sightings and snapshots.' })
  async deleteIdentity(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext): Promise<DeleteIdentityResult> {
    ctx.require('identities.delete');
    return ctx.audited('identity.delete', id, {}, async () => ({ id, ...(await ctx.services.core.admin.delete(id)) }));
  }
}
