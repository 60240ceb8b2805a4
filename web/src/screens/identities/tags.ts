/** Identity tags typed as "a, b" plus the watchlist box: trimmed, lower case, unique. */
export const WATCHLIST = 'watchlist';

export function parseTags(text: string, watchlist: boolean): string[] {
  const tags = text
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
  if (watchlist) tags.push(WATCHLIST);
  return [...new Set(tags)];
}
