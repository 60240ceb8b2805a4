import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateSecret, generateTokenId, hashSecret, isRole, readCredential } from './tokens.js';

describe('token secrets', () => {
  it('are bf_ + 32 random bytes in base64url, distinct every time', () => {
    const a = generateSecret();
    expect(a).toMatch(/^bf_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.slice(3), 'base64url')).toHaveLength(32);
    expect(generateSecret()).not.toBe(a);
    expect(generateTokenId()).toMatch(/^tok_[A-Za-z0-9_-]{16}$/);
  });

  it('hash to SHA-256 hex', () => {
    expect(hashSecret('bf_abc')).toBe(createHash('sha256').update('bf_abc').digest('hex'));
    expect(hashSecret('bf_abc')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('knows the three roles', () => {
    expect(['admin', 'operator', 'viewer'].every(isRole)).toBe(true);
    expect(isRole('root')).toBe(false);
    expect(isRole(undefined)).toBe(false);
  });
});

describe('readCredential', () => {
  const s = 'bf_' + 'x'.repeat(43);

  it('reads Authorization: Bearer headers, any case of the scheme', () => {
    expect(readCredential(`Bearer ${s}`)).toEqual({ ok: true, secret: s });
    expect(readCredential(`bearer   ${s}  `)).toEqual({ ok: true, secret: s });
  });

  it('reads graphql-ws connectionParams: authorization (any key case) or token', () => {
    expect(readCredential({ authorization: `Bearer ${s}` })).toEqual({ ok: true, secret: s });
    expect(readCredential({ Authorization: `Bearer ${s}` })).toEqual({ ok: true, secret: s });
    expect(readCredential({ token: s })).toEqual({ ok: true, secret: s });
  });

  it('says missing when there is no credential', () => {
    for (const src of [undefined, null, '', '   ', {}, { other: 1 }, { token: null }]) expect(readCredential(src as never)).toMatchObject({ ok: false, reason: 'missing' });
  });

  it('says malformed for other schemes, empty or odd tokens, duplicated headers and non-strings', () => {
    const bad = [
      `Basic ${s}`,
      'Bearer',
      'Bearer ',
      `Bearer ${s} extra`,
      `Bearer ${s}\u0000`,
      `Bearer ${'a'.repeat(600)}`,
      `${s}`,
      [`Bearer ${s}`, `Bearer ${s}`],
      { authorization: 42 },
      { authorization: s },
      { token: { nested: s } },
      { token: '' },
    ];
    for (const src of bad) expect(readCredential(src as never), JSON.stringify(src)).toMatchObject({ ok: false, reason: 'malformed' });
  });
});
