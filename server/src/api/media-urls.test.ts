import { describe, expect, it } from 'vitest';
import { deferredMedia, hasDeferredUrls, MediaSigner, mediaPaths, signDeferredUrls } from './media-urls.js';

describe('MediaSigner', () => {
  it('signs per caller and verifies path, token and expiry', () => {
    let now = 1_000_000;
    const s = new MediaSigner('secret-for-tests', 60_000, () => now);
    const url = new URL(s.urlsFor('tok_a').snapshot('cam 1/2026-11-28/t1-face.jpg'), 'http://x');
    expect(url.pathname).toBe('/media/snapshots/cam%201/2026-11-28/t1-face.jpg');
    expect(s.verify(url.pathname, url.searchParams)).toEqual({ ok: true, tokenId: 'tok_a' });
    // another path, another token, a forged signature, an expired link
    expect(s.verify(mediaPaths.snapshot('cam 1/other.jpg'), url.searchParams).ok).toBe(false);
    const q = new URLSearchParams(url.searchParams);
    q.set('tok', 'tok_b');
    expect(s.verify(url.pathname, q)).toEqual({ ok: false, reason: 'bad signature' });
    q.set('tok', 'tok_a');
    q.set('sig', 'x');
    expect(s.verify(url.pathname, q)).toEqual({ ok: false, reason: 'bad signature' });
    now += 61_000;
    expect(s.verify(url.pathname, url.searchParams)).toEqual({ ok: false, reason: 'link expired' });
    expect(s.verify(url.pathname, new URLSearchParams())).toEqual({ ok: false, reason: 'missing signature' });
  });

  it('reuses a URL for a 60th of its lifetime, per token and path, then signs afresh', () => {
    let now = 1_000_000;
    const s = new MediaSigner('secret-for-tests', 60_000, () => now);
    const first = s.sign('/media/snapshots/a.jpg', 'tok_a');
    now += 999;
    expect(s.sign('/media/snapshots/a.jpg', 'tok_a')).toBe(first);
    expect(new URL(s.sign('/media/snapshots/a.jpg', 'tok_b'), 'http://x').searchParams.get('tok')).toBe('tok_b');
    now += 2;
    const later = s.sign('/media/snapshots/a.jpg', 'tok_a');
    expect(later).not.toBe(first);
    const url = new URL(later, 'http://x');
    expect(s.verify(url.pathname, url.searchParams)).toEqual({ ok: true, tokenId: 'tok_a' });
  });

  it('refuses URLs signed with another secret', () => {
    const a = new MediaSigner('one');
    const b = new MediaSigner('two');
    const url = new URL(a.urlsFor('t').cameraFrame('c1'), 'http://x');
    expect(b.verify(url.pathname, url.searchParams).ok).toBe(false);
  });
});

describe('deferred media URLs', () => {
  it('are marked in JSON and signed per viewer by signDeferredUrls; other text is left alone', () => {
    const signer = new MediaSigner('secret', 60_000, () => 1_000_000);
    const payload = JSON.stringify({ face: deferredMedia.snapshot('cam 1/t1/face.jpg'), frame: deferredMedia.cameraFrame('cam1'), note: 'media: \u0001 not a mark' });
    expect(hasDeferredUrls(payload)).toBe(true);
    const signed = JSON.parse(signDeferredUrls(payload, (p) => signer.sign(p, 'tok-a')));
    expect(signed.face).toBe(signer.sign('/media/snapshots/cam%201/t1/face.jpg', 'tok-a'));
    expect(signed.frame).toBe(signer.sign('/media/cameras/cam1/frame.jpg', 'tok-a'));
    expect(signed.note).toBe('media: \u0001 not a mark');
    const url = new URL(signed.face, 'http://x');
    expect(signer.verify(url.pathname, url.searchParams)).toEqual({ ok: true, tokenId: 'tok-a' });
    expect(signDeferredUrls('{"a":"b"}', () => 'never')).toBe('{"a":"b"}');
    expect(hasDeferredUrls('{"a":"b"}')).toBe(false);
  });
});
