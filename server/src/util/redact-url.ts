/** A URL with its password shown as ***, for messages and logs; text that is not a URL comes back unchanged. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
