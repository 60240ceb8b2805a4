import { describe, expect, it } from 'vitest';
import { addDecision, addSnapshot, type Decision, type DecisionEventLike } from './decisions.js';

const ev = (kind: DecisionEventLike['kind'], frame: number, over: Partial<DecisionEventLike> = {}): DecisionEventLike => ({
  kind,
  frame,
  ts: new Date(frame * 100).toISOString(),
  label: 'Unknown 3',
  score: 0.2,
  identity: null,
  ...over,
});
const ada = { id: 'i1', name: 'Ada', score: 0.61 };

describe('decision history', () => {
  it('keeps the start, decision changes and the end, not box updates', () => {
    const h = [
      ev('STARTED', 1),
      ev('UPDATED', 2),
      ev('IDENTIFIED', 5, { identity: ada, label: 'Ada' }),
      ev('UPDATED', 6, { identity: ada, label: 'Ada' }),
      ev('UPDATED', 9, { identity: null, label: 'Unknown 3' }),
      ev('ENDED', 12),
    ].reduce<Decision[]>(addDecision, []);
    expect(h.map((d) => [d.kind, d.frame, d.label, d.identityId])).toEqual([
      ['STARTED', 1, 'Unknown 3', null],
      ['IDENTIFIED', 5, 'Ada', 'i1'],
      ['UPDATED', 9, 'Unknown 3', null],
      ['ENDED', 12, 'Unknown 3', null],
    ]);
    expect(h[1].score).toBe(0.61);
    expect(h[0].score).toBe(0.2);
  });

  it('ignores a replayed event', () => {
    const once = addDecision([], ev('STARTED', 1));
    expect(addDecision(once, ev('STARTED', 1))).toHaveLength(1);
  });
});

describe('snapshots', () => {
  it('keeps distinct files newest first, whatever the signature', () => {
    let s = addSnapshot([], { faceUrl: '/media/snapshots/a.jpg?sig=1' });
    s = addSnapshot(s, { faceUrl: '/media/snapshots/a.jpg?sig=2' });
    s = addSnapshot(s, { faceUrl: '/media/snapshots/b.jpg?sig=3' });
    s = addSnapshot(s, null);
    expect(s.map((x) => x.faceUrl)).toEqual(['/media/snapshots/b.jpg?sig=3', '/media/snapshots/a.jpg?sig=1']);
    expect(addSnapshot(s, { faceUrl: '/c' }, 2)).toHaveLength(2);
  });
});
