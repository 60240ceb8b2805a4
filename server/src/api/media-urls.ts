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

export type MediaCheck = { ok: true; tokenId: string } | { ok: false; reason: string };

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

  sign(pathname: string, tokenId: string): string {
    const exp = Math.floor((this.now() + this.ttlMs) / 1000);
    return `${pathname}?tok=${encodeURIComponent(tokenId)}&exp=${exp}&sig=${this.mac(pathname, tokenId, exp)}`;
  }

  /** URLs signed for one caller. */
  urlsFor(tokenId: string): MediaUrls {
    return {
      cameraStream: (id) => this.sign(mediaPaths.cameraStream(id), tokenId),
      cameraFrame: (id) => this.sign(mediaPaths.cameraFrame(id), tokenId),
      snapshot: (rel) => this.sign(mediaPaths.snapshot(rel), tokenId),
    };
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
