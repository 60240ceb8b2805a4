import { describe, expect, it } from 'vitest';
import { IdentityVote, type VoteObservation } from './identity-vote.js';

const obama = (score: number, quality = 0.8): VoteObservation => ({ match: { id: 'o', name: 'Obama', score }, bestScore: score, quality });
const biden = (score: number, quality = 0.8): VoteObservation => ({ match: { id: 'b', name: 'Biden', score }, bestScore: score, quality });
const unknown = (bestScore: number, quality = 0.8): VoteObservation => ({ match: null, bestScore, quality });

describe('IdentityVote', () => {
  it('names a still-unknown track on its first match and reports the best score', () => {
    const v = new IdentityVote();
    expect(v.add(unknown(0.3, 0.3))).toBe(false);
    expect(v.decision).toBeNull();
    expect(v.score).toBe(0.3);
    expect(v.add(obama(0.55))).toBe(true);
    expect(v.decision).toEqual({ id: 'o', name: 'Obama', score: 0.55 });
    v.add(obama(0.62));
    expect(v.decision?.score).toBe(0.62);
  });

  it('does not flip the name on one bad frame', () => {
    const v = new IdentityVote();
    v.add(obama(0.6));
    expect(v.add(biden(0.45, 0.9))).toBe(false);
    expect(v.add(unknown(0.2, 0.9))).toBe(false);
    expect(v.decision?.name).toBe('Obama');
  });

  it('switches when another identity clearly outweighs the current one over several votes', () => {
    const v = new IdentityVote();
    v.add(obama(0.45, 0.3));
    expect(v.add(biden(0.7, 0.9))).toBe(false); // one vote: not enough to overturn
    expect(v.add(biden(0.72, 0.9))).toBe(true);
    expect(v.decision).toEqual({ id: 'b', name: 'Biden', score: 0.72 });
  });

  it('falls back to unknown only after sustained unknown evidence', () => {
    const v = new IdentityVote();
    v.add(obama(0.45, 0.4));
    v.add(unknown(0.2, 0.5)); // unknown weighs 0.25
    expect(v.decision?.name).toBe('Obama');
    v.add(unknown(0.2, 0.5)); // 0.5: not yet 1.5 x 0.4
    expect(v.decision?.name).toBe('Obama');
    v.add(unknown(0.2, 0.5)); // 0.75 >= 0.6
    expect(v.decision).toBeNull();
    expect(v.score).toBe(0.2);
  });

  it('stays unknown for strangers', () => {
    const v = new IdentityVote();
    for (const s of [0.1, 0.25, 0.3]) v.add(unknown(s));
    expect(v.decision).toBeNull();
    expect(v.score).toBe(0.3);
    expect(v.votes).toBe(3);
  });

  it('forgets a deleted identity', () => {
    const v = new IdentityVote();
    v.add(obama(0.6));
    v.add(biden(0.5, 0.2));
    expect(v.forget('o')).toBe(true);
    expect(v.decision?.name).toBe('Biden');
  });
});
