import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { isRole } from '../auth/tokens.js';
import type { ApiToken as StoredToken } from '../../store/token-store.js';
import type { ApiContext } from '../context.js';
import { apiError } from '../errors.js';
import { ApiToken, AuditConnection, CreatedApiToken, DateTime, Me, Role } from './types.js';

/** graphql-ws close code when the token behind a socket is revoked (Forbidden). */
export const REVOKED_CLOSE_CODE = 4403;

const toToken = (t: StoredToken): ApiToken => ({
  id: t.id,
  name: t.name,
  role: t.role as Role,
  cameraScope: t.cameraScope,
  createdAt: new Date(t.createdAt),
  lastUsedAt: t.lastUsedAt ? new Date(t.lastUsedAt) : null,
  revokedAt: t.revokedAt ? new Date(t.revokedAt) : null,
});

@Resolver()
export class AdminResolver {
  @Query(() => Me, { description: 'The caller: token name, role and camera scope.' })
  me(@Ctx() ctx: ApiContext): Me {
    const p = ctx.principal;
    if (!p) throw apiError('UNAUTHENTICATED', 'no valid token: send Authorization: Bearer <token> (or connectionParams.authorization on WebSocket)');
    return { tokenId: p.tokenId, name: p.name, role: p.role as Role, cameraScope: p.cameraScope ? [...p.cameraScope] : null };
  }

  @Query(() => [ApiToken])
  async apiTokens(@Ctx() ctx: ApiContext): Promise<ApiToken[]> {
    ctx.require('tokens.admin');
    return (await ctx.services.tokens.list()).map(toToken);
  }

  @Mutation(() => CreatedApiToken, { description: 'A new token; its secret is returned only here.' })
  async createApiToken(
    @Arg('name', () => String) name: string,
    @Arg('role', () => Role) role: Role,
    @Ctx() ctx: ApiContext,
    @Arg('cameraScope', () => [ID], { nullable: true }) cameraScope?: string[],
  ): Promise<CreatedApiToken> {
    const p = ctx.require('tokens.admin');
    if (!isRole(role)) throw apiError('BAD_USER_INPUT', `unknown role ${role}`);
    return ctx.audited('token.create', name, { role, cameraScope }, async () => {
      const { token, secret } = await ctx.services.tokens.create({ name, role, cameraScope: cameraScope ?? null, createdBy: p.tokenId });
      return { token: toToken(token), secret };
    });
  }

  @Mutation(() => Boolean, { description: 'Revoke a token: it stops working at once and its open sockets are closed (4403).' })
  async revokeApiToken(@Arg('id', () => ID) id: string, @Ctx() ctx: ApiContext): Promise<boolean> {
    ctx.require('tokens.admin');
    return ctx.audited('token.revoke', id, {}, async () => {
      if (!(await ctx.services.tokens.get(id))) throw apiError('NOT_FOUND', `no token ${id}`);
      // The store tells the other processes sharing it, which close their sockets of this token too.
      const revoked = await ctx.services.tokens.revoke(id);
      ctx.services.closeSockets(id, REVOKED_CLOSE_CODE, 'token revoked');
      return revoked;
    });
  }

  @Query(() => AuditConnection, { description: 'Who did what and when: searches, enrollments, deletions, merges, token changes, camera and wall changes.' })
  async auditLog(
    @Ctx() ctx: ApiContext,
    @Arg('actions', () => [String], { nullable: true }) actions?: string[],
    @Arg('actorId', () => ID, { nullable: true }) actorId?: string,
    @Arg('from', () => DateTime, { nullable: true }) from?: Date,
    @Arg('to', () => DateTime, { nullable: true }) to?: Date,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<AuditConnection> {
    ctx.require('audit.read');
    const page = await ctx.services.audit.query({ actions: actions ?? undefined, actorId: actorId ?? undefined, from: from?.getTime(), to: to?.getTime(), first: first ?? 50, after: after ?? undefined });
    return {
      nodes: page.items.map((e) => ({ ...e, id: String(e.seq), at: new Date(e.at) })),
      endCursor: page.endCursor,
      hasNextPage: page.hasNextPage,
    };
  }
}
