import { Arg, Ctx, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { Alert as DomainAlert } from '../../store/alert-store.js';
import type { WallOp, WallState } from '../../store/wall-store.js';
import type { ApiContext } from '../context.js';
import { apiError } from '../errors.js';
import type { PresenceEntry } from '../wall-presence.js';
import { toSnapshot } from './mappers.js';
import { Alert, Wall, WallLayoutInput } from './wall-types.js';

export interface WallMessage {
  state: WallState;
  operators: PresenceEntry[];
}

function toWall(m: WallMessage): Wall {
  return {
    ...m.state,
    updatedAt: m.state.updatedAt ? new Date(m.state.updatedAt) : null,
    operators: m.operators.map((o) => ({ ...o, since: new Date(o.since) })),
  };
}

function toAlert(a: DomainAlert, ctx: ApiContext): Alert {
  return {
    id: a.id,
    at: new Date(a.at),
    kind: a.kind,
    cameraId: a.cameraId,
    trackId: a.trackId,
    identity: a.identityId ? { id: a.identityId, name: a.payload.label, score: a.payload.score ?? undefined } : null,
    label: a.payload.label,
    rule: a.payload.rule ?? null,
    snapshot: toSnapshot(a.payload.snapshot, ctx.media),
    acknowledgedAt: a.acknowledgedAt ? new Date(a.acknowledgedAt) : null,
    acknowledgedBy: a.acknowledgedBy,
  };
}

/** Apply a wall operation and tell every operator (all replicas) about the new state. */
async function change(ctx: ApiContext, op: WallOp, expectedVersion: number | undefined): Promise<Wall> {
  const p = ctx.require('wall.write');
  const state = await ctx.services.wall.apply(op, p.name, expectedVersion ?? undefined);
  const message = { state, operators: await ctx.services.presence.list() };
  ctx.services.live.bus.publish('wall', message);
  await ctx.services.audit.append({ actor: p, action: `wall.${op.op}`, target: undefined, details: op, outcome: 'ok' });
  return toWall(message);
}

/**
 * The wall subscription's source: the wall now, then after every change, with who is watching. Written as an iterator
 * rather than an async generator: a generator waiting for the next change would run its cleanup only after that
 * change, so an operator who left would stay listed until someone edited the wall.
 */
function wallStream(ctx: ApiContext, who: { tokenId: string; name: string; role: string }): AsyncIterableIterator<WallMessage> {
  const { presence, wall } = ctx.services;
  const changes = ctx.subscribe('wall', () => true)[Symbol.asyncIterator]();
  const leave = presence.join(who);
  const done: IteratorResult<WallMessage> = { value: undefined, done: true };
  let state: WallState | undefined;
  let finished = false;
  const finish = async () => {
    if (finished) return done;
    finished = true;
    leave();
    await changes.return?.();
    return done;
  };
  const next = async (): Promise<IteratorResult<WallMessage>> => {
    if (!state) {
      state = await wall.get();
      return { value: { state, operators: await presence.list() }, done: false };
    }
    const r = await changes.next();
    if (r.done) return finish();
    const m = r.value;
    // Changes published by different replicas may arrive out of order: never go back to an older wall. For the same
    // reason a list of operators spanning processes is read when delivered, not taken from the message.
    if (m.state.version >= state.version) state = m.state;
    return { value: { state, operators: presence.spansProcesses ? await presence.list() : m.operators }, done: false };
  };
  const it: AsyncIterableIterator<WallMessage> = {
    next: () => (finished ? Promise.resolve(done) : next().catch((err: unknown) => finish().then(() => Promise.reject(err)))),
    return: finish,
    throw: (err: unknown) => finish().then(() => Promise.reject(err)),
    [Symbol.asyncIterator]: () => it,
  };
  return it;
}

@Resolver()
export class WallResolver {
  @Query(() => Wall)
  async wall(@Ctx() ctx: ApiContext): Promise<Wall> {
    ctx.require('wall.read');
    const [state, operators] = await Promise.all([ctx.services.wall.get(), ctx.services.presence.list()]);
    return toWall({ state, operators });
  }

  @Mutation(() => Wall, { description: 'Grid size and (optionally) the camera of each tile.' })
  setWallLayout(@Arg('layout', () => WallLayoutInput) layout: WallLayoutInput, @Ctx() ctx: ApiContext, @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number): Promise<Wall> {
    return change(ctx, { op: 'layout', grid: layout.grid, tiles: layout.tiles ?? undefined }, expectedVersion);
  }

  @Mutation(() => Wall)
  assignWallTile(@Arg('tile', () => Int) tile: number, @Arg('cameraId', () => ID, { nullable: true }) cameraId: string | null, @Ctx() ctx: ApiContext, @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number): Promise<Wall> {
    if (cameraId && !ctx.services.live.cameras.get(cameraId)) throw apiError('NOT_FOUND', `no camera ${cameraId}`);
    return change(ctx, { op: 'assign', tile, cameraId: cameraId ?? null }, expectedVersion);
  }

  @Mutation(() => Wall)
  pinWallTile(@Arg('tile', () => Int) tile: number, @Arg('pinned', () => Boolean) pinned: boolean, @Ctx() ctx: ApiContext, @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number): Promise<Wall> {
    return change(ctx, { op: 'pin', tile, pinned }, expectedVersion);
  }

  @Mutation(() => Wall, { description: 'Focus one tile for everyone (null: none).' })
  focusWallTile(@Arg('tile', () => Int, { nullable: true }) tile: number | null, @Ctx() ctx: ApiContext, @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number): Promise<Wall> {
    return change(ctx, { op: 'focus', tile: tile ?? null }, expectedVersion);
  }

  @Subscription(() => Wall, {
    name: 'wall',
    description: 'The shared wall now and after every change (layout, pins, focus, operators joining and leaving).',
    subscribe: ({ context }) => {
      const ctx = context as ApiContext;
      return wallStream(ctx, ctx.require('wall.read'));
    },
  })
  wallChanged(@Root() m: WallMessage): Wall {
    return toWall(m);
  }

  @Query(() => [Alert], { description: 'Alerts of the cameras in scope, newest first.' })
  async alerts(@Ctx() ctx: ApiContext, @Arg('acknowledged', () => Boolean, { nullable: true }) acknowledged?: boolean, @Arg('first', () => Int, { nullable: true }) first?: number): Promise<Alert[]> {
    ctx.require('alerts.read');
    return (await ctx.services.alerts.list({ acknowledged: acknowledged ?? undefined, cameraIds: ctx.cameraFilter(null), first: first ?? 50 })).map((a) => toAlert(a, ctx));
  }

  @Mutation(() => Alert, { description: 'Acknowledge an alert (the first acknowledgement stands); every operator sees who did.' })
  async acknowledgeAlert(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext): Promise<Alert> {
    const found = await ctx.services.alerts.get(id);
    if (!found) throw apiError('NOT_FOUND', `no alert ${id}`);
    const p = ctx.require('alerts.ack', found.cameraId);
    const alert = await ctx.services.alerts.acknowledge(id, p.name);
    ctx.services.live.bus.publish('alerts', alert);
    await ctx.services.audit.append({ actor: p, action: 'alert.acknowledge', target: id, outcome: 'ok' });
    return toAlert(alert, ctx);
  }

  @Subscription(() => Alert, {
    name: 'alerts',
    description: 'New alerts and acknowledgements, for the cameras in scope.',
    subscribe: ({ context }) => {
      const ctx = context as ApiContext;
      ctx.require('alerts.read');
      return ctx.subscribe('alerts', (a) => ctx.inScope(a.cameraId));
    },
  })
  alertRaised(@Root() a: DomainAlert, @Ctx() ctx: ApiContext): Alert {
    return toAlert(a, ctx);
  }
}
