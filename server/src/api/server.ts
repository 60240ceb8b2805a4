/**
 * The HTTP + WebSocket server on one port: Apollo Server 5 (express5 integration) at /graphql, graphql-ws
 * (graphql-transport-ws) on the same path, authenticated media under /media, /healthz, /readyz, /metrics, and the web
 * app's static build at /. Every GraphQL operation runs with the caller's Principal from its token (HTTP
 * Authorization header, WebSocket connectionParams) and the shared query limits.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError, specifiedRules, validate, type GraphQLSchema } from 'graphql';
import { WebSocketServer, type WebSocket } from 'ws';
import { apiSettings, type Role } from '../config.js';
import { GalleryError, type Template } from '../gallery/gallery.js';
import { adminBootstrapLog, lineLog } from '../log/line-log.js';
import { lineLogger, stderrLine, type Logger } from '../log/logger.js';
import type { Core, Live } from '../main.js';
import { SqliteAuditLog, type AuditLog } from '../store/audit-log.js';
import { SqliteTokenStore, type TokenStore } from '../store/token-store.js';
import { SqliteWallStore, type WallStore } from '../store/wall-store.js';
import { ensureAdminToken } from './auth/bootstrap.js';
import { DEFAULT_POLICY, principalOf, type Principal } from './auth/policy.js';
import { readCredential } from './auth/tokens.js';
import { createContext, type ApiConfig, type ApiContext, type ApiServices } from './context.js';
import { createDeliveryTurns } from './delivery-turns.js';
import { formatApiError } from './errors.js';
import { DEFAULT_IMAGE_LIMITS } from './image-input.js';
import { listen } from './listen.js';
import { LiveVideo } from './live-video.js';
import { mediaRouter } from './media-routes.js';
import { deferredMedia, MediaSigner } from './media-urls.js';
import { createMetrics } from './metrics.js';
import { observeLive, probeRoutes } from './probes.js';
import { queryLimitsRule } from './query-limits.js';
import { RateLimiter } from './rate-limit.js';
import { REVOKED_CLOSE_CODE } from './schema/admin-resolver.js';
import { boostfaceSchema } from './schema/build-schema.js';
import { sharedSubscribe } from './shared-execution.js';
import { WallPresence, type Presence } from './wall-presence.js';
import { serveGraphqlWs, type ViewerSigner } from './ws-transport.js';

export interface ApiServerOptions {
  core: Core;
  live: Live;
  env: NodeJS.ProcessEnv;
  port: number;
  host: string;
  /** Structured records (API errors, alerts, the admin-token bootstrap); takes precedence over `log`. */
  logger?: Logger;
  /** Or the same as plain "component: message" lines (default: stderr). */
  log?: (line: string) => void;
  /** The web app's build (index.html + assets); served at / when present. */
  webDir?: string;
  config?: Partial<ApiConfig>;
  /** What /readyz reports (default all). */
  role?: Role;
  /**
   * API tokens, the audit log, the wall and who watches it, shared with the other processes of a deployment (Redis);
   * default the data directory's store and this process' operators. `presence` is made with the function that
   * republishes the wall when it changes.
   */
  shared?: { tokens: TokenStore; audit: AuditLog; wall: WallStore; presence(onChange: () => void): Presence };
}

export interface ApiServer {
  /** http://host:port */
  url: string;
  port: number;
  services: ApiServices;
  schema: GraphQLSchema;
  /** Stop accepting, finish in-flight requests, complete subscriptions, close sockets. */
  close(): Promise<void>;
}

export async function startApiServer(o: ApiServerOptions): Promise<ApiServer> {
  const { core, live, env } = o;
  const settings = apiSettings(env);
  const logger = o.logger ?? lineLogger(o.log ?? stderrLine);
  const log = lineLog(logger, { component: 'api' });
  // Only unexpected failures reach formatApiError's log.
  const errorLog = lineLog(logger, { component: 'api', level: 'error' });
  const tokens: TokenStore = o.shared?.tokens ?? new SqliteTokenStore(core.db);
  await ensureAdminToken(tokens, env, adminBootstrapLog(logger));
  const audit: AuditLog = o.shared?.audit ?? new SqliteAuditLog(core.db);
  const wall: WallStore = o.shared?.wall ?? new SqliteWallStore(core.db);
  // Someone joined or left: everyone watching (every replica, through the bus) gets the wall with the new list.
  const republish = () => {
    void Promise.all([wall.get(), presence.list()])
      .then(([state, operators]) => live.bus.publish('wall', { state, operators }))
      .catch((err: unknown) => log(`wall presence not announced: ${(err as Error).message}`));
  };
  const presence: Presence = o.shared ? o.shared.presence(republish) : new WallPresence(republish);
  const config: ApiConfig = {
    policy: { ...DEFAULT_POLICY, operatorsMayEnroll: settings.operatorsMayEnroll, viewersMaySearch: settings.viewersMaySearch },
    images: DEFAULT_IMAGE_LIMITS,
    subscriptionCapacity: 256,
    maxSubscriptionsPerSocket: 50,
    ...o.config,
  };
  const sockets = new Map<string, Set<WebSocket>>();
  const metrics = createMetrics();
  const services: ApiServices = {
    core,
    live,
    tokens,
    audit,
    // Raised by the alert rules of the process running the camera (startLive), read and acknowledged here.
    alerts: core.alerts,
    wall,
    presence,
    signer: new MediaSigner(env.BOOSTFACE_MEDIA_SECRET || undefined),
    rateLimiter: new RateLimiter(),
    metrics,
    delivery: createDeliveryTurns(),
    config,
    async rejectMatch(id, identityId) {
      try {
        await live.recognition.rejectTrackMatch(id, identityId);
        return;
      } catch (err) {
        if (!(err instanceof GalleryError && err.code === 'NOT_FOUND' && err.message.includes('no recent track'))) throw err;
      }
      const sighting = await core.sightings.get(id);
      if (!sighting?.embedding) throw new GalleryError('NOT_FOUND', `no track or sighting ${id} with a face embedding`);
      if (!(await core.gallery.getIdentity(identityId))) throw new GalleryError('NOT_FOUND', `no identity ${identityId}`);
      const template: Template = { id: randomUUID(), identityId, embedding: sighting.embedding, kind: 'negative', quality: sighting.quality, source: `sighting:${id}`, createdAt: Date.now() };
      await core.gallery.upsertTemplates([template]);
    },
    closeSockets(tokenId, code, reason) {
      const set = sockets.get(tokenId);
      if (!set) return 0;
      for (const s of set) s.close(code, reason);
      return set.size;
    },
    log,
  };
  // A token revoked through any process sharing the store: close this process' sockets of it too.
  const offRevoked = tokens.onRevoked?.((tokenId) => services.closeSockets(tokenId, REVOKED_CLOSE_CODE, 'token revoked')) ?? (() => undefined);
  const unobserve = observeLive(metrics, core, live);
  const schema = await boostfaceSchema();
  const rules = [...specifiedRules, queryLimitsRule()];
  const video = new LiveVideo(live.latestFrame);

  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  let ready = true;
  app.use(probeRoutes({ metrics, core, live, role: o.role ?? 'all', ready: () => ready }));
  app.use(mediaRouter({ tokens, signer: services.signer, snapshots: core.snapshots, video, policy: config.policy, cameraExists: (id) => !!live.cameras.get(id) }));

  // --- WebSocket: graphql-ws on /graphql
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', perMessageDeflate: false });
  type Extra = { socket: WebSocket; principal?: Principal; subscriptions?: number; signer?: ViewerSigner };
  const wsCleanup = serveGraphqlWs<Record<string, unknown>, Extra>(
    {
      schema,
      connectionInitWaitTimeout: 3000,
      validate: (s, doc) => validate(s, doc, rules),
      // One execution per event for the subscribers of one token asking for the same fields (the fan-out's main cost).
      // Track events are the same for every viewer but for their signed media URLs: one execution per event for all
      // (URLs signed per token as they are sent, see signerOf below).
      subscribe: sharedSubscribe({
        viewerOf: (c) => (c as ApiContext).principal?.tokenId,
        viewerNeutral: new Set(['recognitionEvents', 'track']),
        neutralContext: { media: deferredMedia } satisfies Pick<ApiContext, 'media'>,
      }),
      onConnect: async (ctx) => {
        const cred = readCredential(ctx.connectionParams ?? null);
        const token = cred.ok ? await tokens.authenticate(cred.secret) : undefined;
        if (!token) return false; // graphql-ws closes with 4403 Forbidden
        const principal = principalOf(token);
        ctx.extra.principal = principal;
        ctx.extra.subscriptions = 0;
        let set = sockets.get(principal.tokenId);
        if (!set) sockets.set(principal.tokenId, (set = new Set()));
        set.add(ctx.extra.socket);
        ctx.extra.socket.once('close', () => {
          set.delete(ctx.extra.socket);
          if (set.size === 0) sockets.delete(principal.tokenId);
        });
        return { role: principal.role };
      },
      onSubscribe: async (ctx) => {
        const p = ctx.extra.principal;
        if (!p || (await tokens.get(p.tokenId))?.revokedAt) {
          ctx.extra.socket.close(REVOKED_CLOSE_CODE, 'token revoked');
          return [new GraphQLError('token revoked', { extensions: { code: 'UNAUTHENTICATED' } })];
        }
        if ((ctx.extra.subscriptions ?? 0) >= config.maxSubscriptionsPerSocket) {
          return [new GraphQLError(`at most ${config.maxSubscriptionsPerSocket} subscriptions per connection`, { extensions: { code: 'BAD_USER_INPUT' } })];
        }
        ctx.extra.subscriptions = (ctx.extra.subscriptions ?? 0) + 1;
      },
      onComplete: (ctx) => {
        ctx.extra.subscriptions = Math.max(0, (ctx.extra.subscriptions ?? 1) - 1);
      },
      context: (ctx) => createContext(services, ctx.extra.principal ?? null, { close: (code, reason) => ctx.extra.socket.close(code, reason) }),
      onOperation: (_ctx, _id, _payload, _args, result) => {
        if (result && 'errors' in result && result.errors) {
          return { ...result, errors: result.errors.map((e) => formatToError(e, errorLog)) };
        }
      },
    },
    wsServer,
    {
      signerOf: (extra) => {
        const principal = extra.principal as Principal | undefined;
        if (!principal) return undefined;
        return (extra.signer ??= { key: principal.tokenId, sign: (pathname: string) => services.signer.sign(pathname, principal.tokenId) }) as ViewerSigner;
      },
    },
  );

  // --- HTTP: Apollo at /graphql
  const apollo = new ApolloServer<ApiContext>({
    schema,
    validationRules: [queryLimitsRule()],
    csrfPrevention: true,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // serve shuts down in order on SIGTERM/SIGINT itself; Apollo's own handler (on outside NODE_ENV=test) would stop
    // only Apollo and re-raise the signal, killing the process before cameras and stores are closed.
    stopOnTerminationSignals: false,
    formatError: (formatted, err) => formatApiError(formatted, err, errorLog),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      { async serverWillStart() { return { async drainServer() { await wsCleanup.dispose(); } }; } },
    ],
  });
  await apollo.start();
  app.use(
    '/graphql',
    // base64 costs 4/3: room for a few full-size images per request; per-image and count limits apply after decoding
    express.json({ limit: `${Math.ceil((Math.min(config.images.maxImages, 4) * config.images.maxBytes * 1.4) / (1 << 20)) + 1}mb` }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const header = req.headers.authorization;
        if (!header) return createContext(services, null);
        const cred = readCredential(header);
        const token = cred.ok ? await tokens.authenticate(cred.secret) : undefined;
        if (!token) {
          throw new GraphQLError(cred.ok ? 'unknown or revoked token' : cred.message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
        }
        return createContext(services, principalOf(token));
      },
    }),
  );
  if (o.webDir && fs.existsSync(path.join(o.webDir, 'index.html'))) {
    app.use(express.static(o.webDir, { index: 'index.html', maxAge: '1h' }));
    app.get('/*spa', (_req, res) => res.sendFile(path.join(o.webDir!, 'index.html')));
  }

  const { url, port } = await listen(httpServer, o.port, o.host);
  return {
    url,
    port,
    services,
    schema,
    async close() {
      ready = false;
      video.close();
      for (const set of sockets.values()) for (const s of set) s.close(1001, 'server shutting down');
      offRevoked();
      await apollo.stop();
      await presence.close?.();
      unobserve();
    },
  };
}

/** graphql-ws sends execution errors as they are: apply the same formatting (codes kept, internals hidden). */
function formatToError(e: GraphQLError, log: (line: string) => void): GraphQLError {
  const f = formatApiError(e.toJSON(), e, log);
  return new GraphQLError(f.message, { path: e.path, extensions: f.extensions });
}
