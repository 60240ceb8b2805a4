/**
 * Media (snapshots, live frames) are plain HTTP resources that browsers load with <img>, which cannot send an
 * Authorization header. The API hands out signed URLs instead: path + issuing token id + expiry, HMAC-SHA256 with a
 * server secret. A URL is issued only to a caller allowed to see that camera, and the media route checks the
 * signature, the expiry and that the issuing token is still valid (revocation cuts its URLs off too).
 * Several replicas behind one address need the same BOOSTFACE_MEDIA_SECRET.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface MediaUrls {
  cameraStream(cameraId: string): string;
  cameraFrame(cameraId: string): string;
  /** A snapshot path relative to the snapshot root. */
  snapshot(relative: string): string;
}

export const MEDIA_PREFIX = '/media';

export const mediaPaths = {
  cameraStream: (id: string) => `${MEDIA_PREFIX}/cameras/${encodeURIComponent(id)}/stream`,
  cameraFrame: (id: string) => `${MEDIA_PREFIX}/cameras/${encodeURIComponent(id)}/frame.jpg`,
  snapshot: (rel: string) => `${MEDIA_PREFIX}/snapshots/${rel.split(/[\\/]/).map(encodeURIComponent).join('/')}`,
};

/**
 * Media URLs left to be signed later, per viewer: a subscription result executed once for every viewer
 * (./shared-execution.ts) carries marks in place of URLs, and the WebSocket transport signs them for each socket's
 * token as it sends (signDeferredUrls). A mark is `\u0001media:<pathname>\u0001`; the control characters cannot occur
 * in a pathname, and JSON writes them as the escape `\u0001`, which is what signDeferredUrls looks for.
 */
const deferredMark = (pathname: string) => `\u0001media:${pathname}\u0001`;

/** The media URLs of mediaPaths, each pathname passed through `url` (signed now, or marked for later). */
const mediaUrlsVia = (url: (pathname: string) => string): MediaUrls => ({
  cameraStream: (id) => url(mediaPaths.cameraStream(id)),
  cameraFrame: (id) => url(mediaPaths.cameraFrame(id)),
  snapshot: (rel) => url(mediaPaths.snapshot(rel)),
});

export const deferredMedia: MediaUrls = mediaUrlsVia(deferredMark);
/** A mark's start and end as JSON.stringify writes them. */
const MARK_OPEN_JSON = '\\u0001media:';
const MARK_CLOSE_JSON = '\\u0001';

/** Whether JSON text holds deferred media marks. */
export const hasDeferredUrls = (json: string): boolean => json.includes(MARK_OPEN_JSON);

/** JSON text with each deferred mark replaced by `sign(pathname)` (which must need no JSON escaping: a URL does not). */
export function signDeferredUrls(json: string, sign: (pathname: string) => string): string {
  let out = '';
  let from = 0;
  for (let at = json.indexOf(MARK_OPEN_JSON); at >= 0; at = json.indexOf(MARK_OPEN_JSON, from)) {
    const start = at + MARK_OPEN_JSON.length;
    const end = json.indexOf(MARK_CLOSE_JSON, start);
    if (end < 0) break;
    out += json.slice(from, at) + sign(json.slice(start, end));
    from = end + MARK_CLOSE_JSON.length;
  }
  return from === 0 ? json : out + json.slice(from);
}

export type MediaCheck = { ok: true; tokenId: string } | { ok: false; reason: string };

/** How many signed URLs MediaSigner keeps for reuse. */
const RECENT_URLS = 20_000;

export class MediaSigner {
  private readonly secret: Buffer;

  constructor(
    secret: string | undefined,
    private readonly ttlMs = 60 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {
    this.secret = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
  }

  private mac(pathname: string, tokenId: string, exp: number): string {
    return createHmac('sha256', this.secret).update(`${pathname}\n${tokenId}\n${exp}`).digest('base64url');
  }

  /**
   * Recently signed URLs, reused for up to a 60th of the ttl: a track's events carry the same snapshot paths over
   * and over, to every subscribed token (an HMAC each was a tenth of the fan-out's main-thread time). Revocation is
   * unaffected: the media route checks the token on every request.
   */
  private recent = new Map<string, { url: string; at: number }>();

  sign(pathname: string, tokenId: string): string {
    const now = this.now();
    const key = `${tokenId}\n${pathname}`;
    const hit = this.recent.get(key);
    if (hit && now - hit.at < this.ttlMs / 60 && now >= hit.at) return hit.url;
    const exp = Math.floor((now + this.ttlMs) / 1000);
    const url = `${pathname}?tok=${encodeURIComponent(tokenId)}&exp=${exp}&sig=${this.mac(pathname, tokenId, exp)}`;
    if (this.recent.size >= RECENT_URLS) this.recent = new Map(); // bounded: start over rather than track ages
    this.recent.set(key, { url, at: now });
    return url;
  }

  /** URLs signed for one caller. */
  urlsFor(tokenId: string): MediaUrls {
    return mediaUrlsVia((pathname) => this.sign(pathname, tokenId));
  }

  verify(pathname: string, query: URLSearchParams): MediaCheck {
    const tokenId = query.get('tok');
    const exp = Number(query.get('exp'));
    const sig = query.get('sig');
    if (!tokenId || !sig || !Number.isInteger(exp)) return { ok: false, reason: 'missing signature' };
    if (exp * 1000 < this.now()) return { ok: false, reason: 'link expired' };
    const want = Buffer.from(this.mac(pathname, tokenId, exp));
    const got = Buffer.from(sig);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return { ok: false, reason: 'bad signature' };
    return { ok: true, tokenId };
  }
}
