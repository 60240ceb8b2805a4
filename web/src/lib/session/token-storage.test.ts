import { describe, expect, it } from 'vitest';
import { TOKEN_KEY, clearToken, loadToken, normalizeToken, saveToken, type KeyValueStorage } from './token-storage.js';

class MemoryStorage implements KeyValueStorage {
  readonly data = new Map<string, string>();
  getItem(k: string) {
    return this.data.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.data.set(k, v);
  }
  removeItem(k: string) {
    this.data.delete(k);
  }
}

const broken: KeyValueStorage = {
  getItem: () => {
    throw new Error('SecurityError');
  },
  setItem: () => {
    throw new Error('QuotaExceededError');
  },
  removeItem: () => {
    throw new Error('SecurityError');
  },
};

describe('token storage', () => {
  it('round-trips a token under one key', () => {
    const s = new MemoryStorage();
    expect(loadToken(s)).toBeNull();
    expect(saveToken(s, '  abc123  ')).toBe(true);
    expect(s.data.get(TOKEN_KEY)).toBe('abc123');
    expect(loadToken(s)).toBe('abc123');
    clearToken(s);
    expect(loadToken(s)).toBeNull();
  });

  it('accepts a pasted "Bearer <token>"', () => {
    expect(normalizeToken('Bearer  xyz ')).toBe('xyz');
    expect(normalizeToken('bearer xyz')).toBe('xyz');
    expect(normalizeToken('bearerxyz')).toBe('bearerxyz');
  });

  it('refuses an empty token', () => {
    expect(() => saveToken(new MemoryStorage(), '   ')).toThrow(/empty/);
    expect(() => saveToken(new MemoryStorage(), 'Bearer ')).toThrow(/empty/);
  });

  it('treats a blank stored value as no token', () => {
    const s = new MemoryStorage();
    s.setItem(TOKEN_KEY, '  ');
    expect(loadToken(s)).toBeNull();
  });

  it('survives a storage that throws or is missing', () => {
    expect(loadToken(broken)).toBeNull();
    expect(saveToken(broken, 'abc')).toBe(false);
    expect(() => clearToken(broken)).not.toThrow();
    expect(loadToken(undefined)).toBeNull();
    expect(saveToken(undefined, 'abc')).toBe(false);
  });
});
