import type { SearchHit } from './gallery.js';

export interface IdentityMatch {
  identityId: string;
  /** Best cosine over the identity's positive templates. */
  score: number;
  /** The positive template that gave the score. */
  templateId: string;
}

export interface RankedIdentities {
  /** Best first; identities suppressed by a negative example are left out. */
  matches: IdentityMatch[];
  /** Identities that a "this is not X" example vetoed for this face. */
  suppressed: string[];
}

/**
 * Aggregate template hits into identities. Rule: an identity's score is its best positive template's cosine (max,
 * not mean: one good template of a matching pose is the evidence, and templates of other poses should not dilute
 * it). An identity is suppressed when one of its negative examples is at least as similar to the face as its best
 * positive template: the face is closer to a face an operator said is not this person than to the person.
 */
export function rankIdentities(hits: SearchHit[]): RankedIdentities {
  const best = new Map<string, IdentityMatch>();
  const bestNegative = new Map<string, number>();
  for (const h of hits) {
    if (h.kind === 'negative') {
      bestNegative.set(h.identityId, Math.max(bestNegative.get(h.identityId) ?? -Infinity, h.score));
    } else {
      const cur = best.get(h.identityId);
      if (!cur || h.score > cur.score) best.set(h.identityId, { identityId: h.identityId, score: h.score, templateId: h.templateId });
    }
  }
  const suppressed: string[] = [];
  const matches: IdentityMatch[] = [];
  for (const m of best.values()) {
    if ((bestNegative.get(m.identityId) ?? -Infinity) >= m.score) suppressed.push(m.identityId);
    else matches.push(m);
  }
  matches.sort((a, b) => b.score - a.score || (a.identityId < b.identityId ? -1 : 1));
  return { matches, suppressed: suppressed.sort() };
}

/** Open-set decision: the best match if it reaches the threshold, otherwise unknown (null). */
export function decide(ranked: RankedIdentities, threshold: number): IdentityMatch | null {
  const top = ranked.matches[0];
  return top && top.score >= threshold ? top : null;
}
