import { Arg, Ctx, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { CameraStatus } from '../../cameras/camera-manager.js';
import type { ApiContext } from '../context.js';
import { toCamera, toHealth } from './mappers.js';
import { Camera, CameraInput, CameraPatch, CameraStatusEvent } from './types.js';

function cameraOf(ctx: ApiContext, status: CameraStatus): Camera {
  const live = ctx.services.live;
  const id = status.camera.id;
  return toCamera(status.camera, status.health, { scheduler: live.schedulerStats(id), processed: live.recognition.processedFrames(id) }, ctx.media);
}

/** Inputs without the nulls GraphQL gives for absent optional fields (null in a patch means "remove"). */
function definedFields<T extends object>(input: T, keepNull: boolean): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined && (keepNull || v !== null)));
}

@Resolver()
export class CameraResolver {
  @Query(() => [Camera], { description: 'Cameras within the caller’s scope, by id.' })
  cameras(@Ctx() ctx: ApiContext): Camera[] {
    ctx.require('cameras.read');
    return ctx.services.live.cameras
      .list()
      .filter((c) => ctx.inScope(c.camera.id))
      .map((c) => cameraOf(ctx, c));
  }

  @Query(() => Camera, { nullable: true })
  camera(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext): Camera | null {
    ctx.require('cameras.read', id);
    const status = ctx.services.live.cameras.get(id);
    return status ? cameraOf(ctx, status) : null;
  }

  @Mutation(() => Camera)
  async addCamera(@Arg('input', () => CameraInput) input: CameraInput, @Ctx() ctx: ApiContext): Promise<Camera> {
    ctx.require('cameras.write');
    return ctx.audited('camera.add', input.id, { name: input.name, kind: input.kind }, async () => cameraOf(ctx, await ctx.services.live.cameras.add(definedFields(input, false))));
  }

  @Mutation(() => Camera)
  async updateCamera(@Arg('id', () => ID) id: string, @Arg('input', () => CameraPatch) input: CameraPatch, @Ctx() ctx: ApiContext): Promise<Camera> {
    ctx.require('cameras.write', id);
    const patch = definedFields(input, true);
    return ctx.audited('camera.update', id, { fields: Object.keys(patch) }, async () => cameraOf(ctx, await ctx.services.live.cameras.update(id, patch)));
  }

  @Mutation(() => Boolean)
  async removeCamera(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext): Promise<boolean> {
    ctx.require('cameras.write', id);
    return ctx.audited('camera.remove', id, {}, async () => {
      await ctx.services.live.cameras.remove(id);
      ctx.services.metrics.forgetCamera(id);
      return true;
    });
  }

  @Subscription(() => CameraStatusEvent, {
    description: 'Health changes of the cameras in the caller’s scope (optionally only some).',
    subscribe: ({ args, context }) => {
      const ctx = context as ApiContext;
      ctx.require('events.subscribe');
      const wanted = args.cameraIds as string[] | null | undefined;
      return ctx.subscribe('cameraStatus', (e) => ctx.inScope(e.cameraId) && (!wanted || wanted.includes(e.cameraId)));
    },
  })
  cameraStatus(@Root() e: { cameraId: string; health: Parameters<typeof toHealth>[0] }, @Arg('cameraIds', () => [ID], { nullable: true }) _cameraIds?: string[]): CameraStatusEvent {
    return { cameraId: e.cameraId, health: toHealth(e.health) };
  }
}
