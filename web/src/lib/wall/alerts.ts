/** The alert list kept by the wall: the initial query merged with the `alerts` subscription (new and acknowledged). */
export interface AlertLike {
  id: string;
  at: string;
  acknowledgedAt?: string | null;
  acknowledgedBy?: string | null;
}

/** Insert or replace by id, newest first, at most `cap`. An acknowledgement is never undone by a stale copy. */
export function upsertAlert<A extends AlertLike>(list: readonly A[], alert: A, cap = 50): A[] {
  const old = list.find((a) => a.id === alert.id);
  const merged = old?.acknowledgedAt && !alert.acknowledgedAt ? { ...alert, acknowledgedAt: old.acknowledgedAt, acknowledgedBy: old.acknowledgedBy } : alert;
  const rest = list.filter((a) => a.id !== alert.id);
  rest.push(merged);
  rest.sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || (a.id < b.id ? -1 : 1));
  return rest.slice(0, cap);
}

export function mergeAlerts<A extends AlertLike>(list: readonly A[], incoming: readonly A[], cap = 50): A[] {
  return incoming.reduce<A[]>((acc, a) => upsertAlert(acc, a, cap), [...list]);
}

/**
 * Alerts to show as toasts: every unacknowledged one (newest first, at most `max`), and acknowledged ones for a
 * moment after the acknowledgement (every operator sees who took it).
 */
export function toastAlerts<A extends AlertLike>(list: readonly A[], now: number, o = { max: 3, keepAckedMs: 8000 }): A[] {
  return list
    .filter((a) => !a.acknowledgedAt || now - Date.parse(a.acknowledgedAt) < o.keepAckedMs)
    .slice(0, o.max);
}
