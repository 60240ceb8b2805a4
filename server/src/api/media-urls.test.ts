import { describe, expect, it } from 'vitest';
import { MediaSigner, mediaPaths } from './media-urls.js';

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

  it('refuses URLs signed with another secret', () => {
    const a = new MediaSigner('one');
    const b = new MediaSigner('two');
    const url = new URL(a.urlsFor('t').cameraFrame('c1'), 'http://x');
    expect(b.verify(url.pathname, url.searchParams).ok).toBe(false);
  });
});
