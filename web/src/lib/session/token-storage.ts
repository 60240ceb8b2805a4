/**
 * The API token lives in localStorage (one per browser profile, shared by its tabs). Storage can be unavailable
 * (privacy modes, quota): then the token lasts for the page only, which is still a usable session.
 */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export const TOKEN_KEY = 'boostface.token';

/** A token as typed or pasted: trimmed, and a leading "Bearer " (copied from a curl line) removed. */
export function normalizeToken(raw: string): string {
  return raw.trim().replace(/^bearer(\s+|$)/i, '').trim();
}

export function loadToken(storage: KeyValueStorage | undefined): string | null {
  try {
    const t = storage?.getItem(TOKEN_KEY);
    return t ? normalizeToken(t) || null : null;
  } catch {
    return null;
  }
}

/** Stores the token; false when the browser refused (the session then lasts for this page only). */
export function saveToken(storage: KeyValueStorage | undefined, token: string): boolean {
  const t = normalizeToken(token);
  if (!t) throw new Error('empty token');
  try {
    storage?.setItem(TOKEN_KEY, t);
    return !!storage;
  } catch {
    return false;
  }
}

export function clearToken(storage: KeyValueStorage | undefined): void {
  try {
    storage?.removeItem(TOKEN_KEY);
  } catch {
    /* nothing stored, nothing to clear */
  }
}
