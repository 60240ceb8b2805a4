/**
 * A track's identity decision history, from its events: the start, every change of decision (identified, changed,
 * back to unknown) and the end, each with the score at that moment. Box-only updates are left out. Also the distinct
 * best-face snapshots the track produced (signed URLs differ per request; the path identifies the file).
 */
export interface DecisionEventLike {
  kind: 'STARTED' | 'UPDATED' | 'IDENTIFIED' | 'ENDED';
  frame: number;
  ts: string;
  label: string;
  score?: number | null;
  identity?: { id: string; name: string; score?: number | null } | null;
  snapshot?: { faceUrl: string; contextUrl: string } | null;
}

export interface Decision {
  kind: DecisionEventLike['kind'];
  ts: string;
  frame: number;
  label: string;
  identityId: string | null;
  score: number | null;
}

export function addDecision(history: readonly Decision[], e: DecisionEventLike): Decision[] {
  const last = history[history.length - 1];
  const identityId = e.identity?.id ?? null;
  const changed = !last || last.identityId !== identityId || last.label !== e.label;
  if (e.kind === 'UPDATED' && !changed) return history as Decision[];
  if (history.some((d) => d.frame === e.frame && d.kind === e.kind)) return history as Decision[]; // a replayed event
  const entry: Decision = { kind: e.kind, ts: e.ts, frame: e.frame, label: e.label, identityId, score: e.identity?.score ?? e.score ?? null };
  return [...history, entry];
}

const path = (url: string) => url.split('?')[0];

export function addSnapshot<S extends { faceUrl: string }>(list: readonly S[], s: S | null | undefined, max = 6): S[] {
  if (!s || list.some((x) => path(x.faceUrl) === path(s.faceUrl))) return list as S[];
  return [s, ...list].slice(0, max);
}
