import { describe, expect, it } from 'vitest';
import type { SearchHit } from './gallery.js';
import { decide, rankIdentities } from './identity-ranking.js';

const hit = (identityId: string, score: number, kind: SearchHit['kind'] = 'positive', templateId = `${identityId}-${score}`): SearchHit => ({ identityId, score, kind, templateId });

describe('rankIdentities', () => {
  it('scores each identity by its best positive template, best first', () => {
    const r = rankIdentities([hit('a', 0.4), hit('b', 0.7), hit('a', 0.8), hit('b', 0.2)]);
    expect(r.matches.map((m) => [m.identityId, m.score, m.templateId])).toEqual([
      ['a', 0.8, 'a-0.8'],
      ['b', 0.7, 'b-0.7'],
    ]);
  });

  it('suppresses an identity whose negative example is at least as close as its best positive', () => {
    const r = rankIdentities([hit('a', 0.6), hit('a', 0.65, 'negative'), hit('b', 0.5), hit('b', 0.3, 'negative')]);
    expect(r.matches.map((m) => m.identityId)).toEqual(['b']);
    expect(r.suppressed).toEqual(['a']);
  });

  it('ignores negatives of identities with no positive hit', () => {
    expect(rankIdentities([hit('z', 0.9, 'negative')])).toEqual({ matches: [], suppressed: [] });
  });
});

describe('decide', () => {
  it('returns unknown below the threshold and the top match at or above it', () => {
    const r = rankIdentities([hit('a', 0.3), hit('b', 0.25)]);
    expect(decide(r, 0.31)).toBeNull();
    expect(decide(r, 0.3)?.identityId).toBe('a');
    expect(decide(rankIdentities([]), 0)).toBeNull();
  });
});
