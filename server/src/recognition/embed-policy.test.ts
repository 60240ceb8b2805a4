import { describe, expect, it } from 'vitest';
import { DEFAULT_EMBED_POLICY, embedDecision, newEmbedHistory } from './embed-policy.js';

const o = { ...DEFAULT_EMBED_POLICY, maxPerTrack: 3, improveRatio: 1.2, everyFrames: 5, unknownEveryFrames: 2, minQuality: 0.3, minFaceWidth: 20 };

describe('embedDecision', () => {
  it('embeds the first usable face, then only a markedly better one', () => {
    const h = newEmbedHistory();
    expect(embedDecision(h, 0.5, 40, true, o)).toBe('first');
    expect(embedDecision(h, 0.55, 40, true, o)).toBeNull(); // 1.1x: not enough
    expect(embedDecision(h, 0.61, 40, true, o)).toBe('improved');
    expect(h).toEqual({ embeds: 2, bestEmbeddedQuality: 0.61, framesSince: 0 });
  });

  it('skips faces that are too poor or too small, without spending budget', () => {
    const h = newEmbedHistory();
    expect(embedDecision(h, 0.2, 80, true, o)).toBeNull();
    expect(embedDecision(h, 0.9, 12, true, o)).toBeNull();
    expect(h.embeds).toBe(0);
    expect(embedDecision(h, 0.4, 30, true, o)).toBe('first');
  });

  it('re-checks periodically and stops at the budget', () => {
    const h = newEmbedHistory();
    const reasons = Array.from({ length: 30 }, () => embedDecision(h, 0.5, 40, true, o));
    expect(reasons.filter(Boolean)).toEqual(['first', 'periodic', 'periodic']);
    expect(reasons.indexOf('periodic')).toBe(5);
    expect(h.embeds).toBe(3);
  });

  it('re-checks a still-unknown track sooner', () => {
    const h = newEmbedHistory();
    const reasons = Array.from({ length: 6 }, () => embedDecision(h, 0.5, 40, false, o));
    expect(reasons).toEqual(['first', null, 'periodic', null, 'periodic', null]);
  });
});
