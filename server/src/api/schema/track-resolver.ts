import { Arg, Ctx, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { TrackEvent as DomainEvent } from '../../recognition/track-event.js';
import type { ApiContext } from '../context.js';
import { apiError } from '../errors.js';
import { enrollResult } from './identity-resolver.js';
import { toTrack, toTrackEvent } from './mappers.js';
import { EnrollResult, Track, TrackEvent, TrackEventKind } from './types.js';

/** Which camera a track id belongs to: the live views know; ids also start with "<camera>-". */
async function trackCamera(ctx: ApiContext, trackId: string): Promise<string | undefined> {
  const live = ctx.services.live.recognition.tracks().find((t) => t.trackId === trackId);
  if (live) return live.cameraId;
  return (await ctx.services.core.sightings.get(trackId))?.cameraId;
}

@Resolver()
export class TrackResolver {
  @Query(() => [Track], { description: 'Tracks on screen now, of the cameras in scope; active: true leaves out tracks that are briefly lost (occluded).' })
  tracks(@Arg('cameraId', () => ID, { nullable: true }) cameraId: string | undefined, @Arg('active', () => Boolean, { nullable: true }) active: boolean | undefined, @Ctx() ctx: ApiContext): Track[] {
    ctx.require('tracks.read', cameraId ?? undefined);
    return ctx.services.live.recognition
      .tracks(cameraId ?? undefined)
      .filter((t) => ctx.inScope(t.cameraId) && (active !== true || t.state === 'confirmed'))
      .map((t) => toTrack(t, ctx.media));
  }

  @Subscription(() => TrackEvent, {
    description: 'Track events of the cameras in scope, filtered on the server. Box updates are coalesced per track when a client falls behind.',
    subscribe: ({ args, context }) => {
      const ctx = context as ApiContext;
      ctx.require('events.subscribe');
      const cameraIds = (args.cameraIds as string[] | null) ?? null;
      const identityIds = (args.identityIds as string[] | null) ?? null;
      const kinds = (args.kinds as string[] | null) ?? null;
      return ctx.subscribe(
        'trackEvents',
        (e: DomainEvent) =>
          ctx.inScope(e.cameraId) &&
          (!cameraIds || cameraIds.includes(e.cameraId)) &&
          (!identityIds || (e.identity !== null && identityIds.includes(e.identity.id))) &&
          (!kinds || kinds.includes(e.kind)),
      );
    },
  })
  recognitionEvents(
    @Root() e: DomainEvent,
    @Ctx() ctx: ApiContext,
    @Arg('cameraIds', () => [ID], { nullable: true }) _cameraIds?: string[],
    @Arg('identityIds', () => [ID], { nullable: true }) _identityIds?: string[],
    @Arg('kinds', () => [TrackEventKind], { nullable: true }) _kinds?: TrackEventKind[],
  ): TrackEvent {
    return toTrackEvent(e, ctx.media);
  }

  @Subscription(() => TrackEvent, {
    description: 'One track’s events until it ends; then the subscription completes.',
    subscribe: async ({ args, context }) => {
      const ctx = context as ApiContext;
      const trackId = args.trackId as string;
      const cameraId = await trackCamera(ctx, trackId);
      if (!cameraId) throw apiError('NOT_FOUND', `no live track ${trackId}`);
      ctx.require('events.subscribe', cameraId);
      if ((await ctx.services.core.sightings.get(trackId))?.ended) throw apiError('NOT_FOUND', `track ${trackId} has ended`);
      return ctx.subscribe('trackEvents', (e: DomainEvent) => e.trackId === trackId, { until: (e: DomainEvent) => e.kind === 'ended' });
    },
  })
  track(@Root() e: DomainEvent, @Ctx() ctx: ApiContext, @Arg('trackId', () => ID) _trackId: string): TrackEvent {
    return toTrackEvent(e, ctx.media);
  }

  @Mutation(() => EnrollResult, { description: 'Turn a track’s best faces into templates of an existing identity or a new one by name.' })
  async enrollFromTrack(
    @Arg('trackId', () => ID) trackId: string,
    @Arg('identityId', () => ID, { nullable: true }) identityId: string | undefined,
    @Arg('name', () => String, { nullable: true }) name: string | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<EnrollResult> {
    const cameraId = await trackCamera(ctx, trackId);
    ctx.require('enroll.fromTrack', cameraId);
    if (!identityId === !name) throw apiError('BAD_USER_INPUT', 'give exactly one of identityId or name');
    ctx.limit('enroll');
    return ctx.audited('identity.enrollFromTrack', identityId ?? name!, { trackId }, async () =>
      enrollResult(await ctx.services.live.recognition.enrollFromTrack(trackId, { identityId: identityId ?? undefined, name: name ?? undefined })),
    );
  }

  @Mutation(() => Boolean, { description: '"This is not X": the face of a track or a past sighting becomes a negative example of the identity.' })
  async rejectMatch(
    @Arg('identityId', () => ID) identityId: string,
    @Arg('trackId', () => ID, { nullable: true }) trackId: string | undefined,
    @Arg('sightingId', () => ID, { nullable: true }) sightingId: string | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<boolean> {
    if (!trackId === !sightingId) throw apiError('BAD_USER_INPUT', 'give exactly one of trackId or sightingId');
    const id = (trackId ?? sightingId)!;
    const cameraId = await trackCamera(ctx, id);
    if (!cameraId) throw apiError('NOT_FOUND', `no track or sighting ${id}`);
    ctx.require('rejectMatch', cameraId);
    return ctx.audited('identity.rejectMatch', identityId, { trackId, sightingId }, async () => {
      await ctx.services.rejectMatch(id, identityId);
      return true;
    });
  }
}
