/**
 * Authenticated HTTP media: best-face snapshots, a camera's latest frame and its MJPEG stream. A request is allowed
 * with a signed URL from the API (media-urls.ts) or an Authorization: Bearer token, and only for cameras in the
 * caller's scope; errors are JSON `{error: {code, message}}` with the matching HTTP status.
 */
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { Router, type Request, type Response } from 'express';
import { authorize, inScope, principalOf, type PolicyOptions, type Principal } from './auth/policy.js';
import { readCredential } from './auth/tokens.js';
import type { TokenStore } from '../store/token-store.js';
import type { SnapshotStore } from '../store/snapshot-store.js';
import type { LiveVideo } from './live-video.js';
import { frameHeaders } from './live-video.js';
import { MEDIA_PREFIX, type MediaSigner } from './media-urls.js';

export interface MediaDeps {
  tokens: TokenStore;
  signer: MediaSigner;
  snapshots: SnapshotStore;
  video: LiveVideo;
  policy: PolicyOptions;
  /** Does a camera exist (so a signed link to a removed camera says 404)? */
  cameraExists(id: string): boolean;
}

type Fail = { status: number; code: string; message: string };

const send = (res: ServerResponse, f: Fail) => {
  res.writeHead(f.status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ error: { code: f.code, message: f.message } }));
};

/** The caller of a media request, from its signed URL or bearer token. */
export async function mediaPrincipal(req: IncomingMessage, deps: MediaDeps): Promise<Principal | Fail> {
  const url = new URL(req.url ?? '/', 'http://local');
  const header = req.headers.authorization;
  if (header) {
    const cred = readCredential(header);
    if (!cred.ok) return { status: 401, code: 'UNAUTHENTICATED', message: cred.message };
    const token = await deps.tokens.authenticate(cred.secret);
    if (!token) return { status: 401, code: 'UNAUTHENTICATED', message: 'unknown or revoked token' };
    return principalOf(token);
  }
  const check = deps.signer.verify(url.pathname, url.searchParams);
  if (!check.ok) return { status: 401, code: 'UNAUTHENTICATED', message: `media link refused: ${check.reason}` };
  const token = await deps.tokens.get(check.tokenId);
  if (!token || token.revokedAt) return { status: 401, code: 'UNAUTHENTICATED', message: 'the token behind this link was revoked' };
  return principalOf(token);
}

async function allowed(req: IncomingMessage, deps: MediaDeps, cameraId: string): Promise<Principal | Fail> {
  const p = await mediaPrincipal(req, deps);
  if ('status' in p) return p;
  try {
    authorize(p, 'media.read', deps.policy);
  } catch (err) {
    return { status: 403, code: 'FORBIDDEN', message: (err as Error).message };
  }
  if (!inScope(p, cameraId)) return { status: 403, code: 'FORBIDDEN', message: `this token's camera scope does not include camera "${cameraId}"` };
  return p;
}

const SAFE = /[^A-Za-z0-9_.-]/g;

export function mediaRouter(deps: MediaDeps): Router {
  const router = Router();

  router.get(`${MEDIA_PREFIX}/snapshots/*rest`, async (req: Request, res: Response) => {
    const rel = decodeURIComponent(new URL(req.url, 'http://local').pathname.slice(`${MEDIA_PREFIX}/snapshots/`.length));
    let file: string;
    try {
      file = deps.snapshots.resolve(rel);
    } catch {
      return send(res, { status: 400, code: 'BAD_USER_INPUT', message: 'bad snapshot path' });
    }
    // Snapshots live under <camera id, made file-safe>/...: the caller needs a camera in scope with that folder name.
    const folder = rel.split(/[\\/]/)[0];
    const p = await mediaPrincipal(req, deps);
    if ('status' in p) return send(res, p);
    try {
      authorize(p, 'media.read', deps.policy);
    } catch (err) {
      return send(res, { status: 403, code: 'FORBIDDEN', message: (err as Error).message });
    }
    if (p.cameraScope && !p.cameraScope.some((id) => id.replace(SAFE, '_') === folder)) {
      return send(res, { status: 403, code: 'FORBIDDEN', message: 'this snapshot belongs to a camera outside the token’s scope' });
    }
    fs.readFile(file, (err, bytes) => {
      if (err) return send(res, { status: 404, code: 'NOT_FOUND', message: `no snapshot ${path.basename(rel)}` });
      res.writeHead(200, { 'content-type': 'image/jpeg', 'cache-control': 'private, max-age=3600', 'content-length': bytes.length });
      res.end(bytes);
    });
  });

  router.get(`${MEDIA_PREFIX}/cameras/:id/frame.jpg`, async (req: Request, res: Response) => {
    const id = String(req.params.id);
    const p = await allowed(req, deps, id);
    if ('status' in p) return send(res, p);
    if (!deps.cameraExists(id)) return send(res, { status: 404, code: 'NOT_FOUND', message: `no camera ${id}` });
    const f = await deps.video.frame(id);
    if (!f) return send(res, { status: 503, code: 'UNAVAILABLE', message: `camera ${id} has no frame yet` });
    res.writeHead(200, { 'content-type': 'image/jpeg', 'cache-control': 'no-store', 'content-length': f.jpeg.length, ...frameHeaders(f) });
    res.end(f.jpeg);
  });

  router.get(`${MEDIA_PREFIX}/cameras/:id/stream`, async (req: Request, res: Response) => {
    const id = String(req.params.id);
    const p = await allowed(req, deps, id);
    if ('status' in p) return send(res, p);
    if (!deps.cameraExists(id)) return send(res, { status: 404, code: 'NOT_FOUND', message: `no camera ${id}` });
    deps.video.stream(id, res);
  });

  return router;
}
