import { describe, expect, it } from 'vitest';
import { fairShare, planLeases, rendezvousWeight, type LeaseSnapshot } from './camera-assignment.js';

const cams = (n: number) => Array.from({ length: n }, (_, i) => `cam${i}`);
const snap = (me: string, workers: string[], cameras: string[], owners: Record<string, string> = {}): LeaseSnapshot => ({
  me,
  workers,
  cameras,
  owners: new Map(Object.entries(owners)),
});

/** Scans workers in turn, applying each plan (every acquire succeeds), until nothing changes. */
function settle(workers: string[], cameras: string[], owners: Record<string, string> = {}): Record<string, string> {
  const held = { ...owners };
  for (let round = 0; round < 100; round++) {
    let changed = false;
    for (const me of workers) {
      const plan = planLeases(snap(me, workers, cameras, held));
      for (const id of plan.release) {
        delete held[id];
        changed = true;
      }
      for (const id of plan.acquire) {
        held[id] = me;
        changed = true;
      }
    }
    if (!changed) return held;
  }
  throw new Error('did not settle');
}

const counts = (held: Record<string, string>) => {
  const c: Record<string, number> = {};
  for (const w of Object.values(held)) c[w] = (c[w] ?? 0) + 1;
  return c;
};

describe('fairShare', () => {
  it('is ceil(cameras / workers), with at least one worker', () => {
    expect(fairShare(5, 2)).toBe(3);
    expect(fairShare(4, 2)).toBe(2);
    expect(fairShare(1, 3)).toBe(1);
    expect(fairShare(0, 3)).toBe(0);
    expect(fairShare(3, 0)).toBe(3);
  });
});

describe('planLeases', () => {
  it('a lone worker takes every free camera, itself counted even when not yet listed', () => {
    expect(planLeases(snap('a', [], cams(3))).acquire.sort()).toEqual(cams(3));
  });

  it('takes free cameras only up to its fair share, and never a camera someone holds', () => {
    const plan = planLeases(snap('a', ['a', 'b'], cams(5), { cam0: 'b' }));
    expect(plan.acquire).toHaveLength(3);
    expect(plan.acquire).not.toContain('cam0');
    expect(planLeases(snap('a', ['a', 'b'], cams(4), { cam0: 'a', cam1: 'a' })).acquire).toEqual([]);
  });

  it('does not take a camera whose lease is held by a worker no longer listed (its lease expires first)', () => {
    expect(planLeases(snap('a', ['a'], cams(2), { cam0: 'gone' })).acquire).toEqual(['cam1']);
  });

  it('workers starting together reach for different cameras first (rendezvous order)', () => {
    const workers = ['w1', 'w2', 'w3'];
    const first = workers.map((me) => planLeases(snap(me, workers, cams(30))).acquire[0]);
    expect(new Set(first).size).toBeGreaterThan(1);
    // each worker's first choice is a camera that ranks it first
    for (const [i, me] of workers.entries()) {
      const best = workers.reduce((b, w) => (rendezvousWeight(first[i], w) > rendezvousWeight(first[i], b) ? w : b));
      expect(best).toBe(me);
    }
  });

  it('settles every camera on exactly one worker, none above the fair share', () => {
    const workers = ['a', 'b', 'c'];
    const held = settle(workers, cams(7));
    expect(Object.keys(held).sort()).toEqual(cams(7).sort());
    expect(Math.max(...Object.values(counts(held)))).toBeLessThanOrEqual(fairShare(7, 3));
  });

  it('a worker that joins gets cameras handed over one per scan until it has its share', () => {
    const all = Object.fromEntries(cams(4).map((c) => [c, 'a']));
    const first = planLeases(snap('a', ['a', 'b'], cams(4), all));
    expect(first.release).toHaveLength(1);
    expect(first.acquire).toEqual([]);
    expect(counts(settle(['a', 'b'], cams(4), all))).toEqual({ a: 2, b: 2 });
  });

  it('does not give up cameras when nobody is short (uneven but within the share)', () => {
    expect(planLeases(snap('a', ['a', 'b'], cams(3), { cam0: 'a', cam1: 'a', cam2: 'b' }))).toEqual({ acquire: [], release: [] });
  });

  it('when a worker dies, the survivor takes its cameras once it is no longer listed', () => {
    const held = { cam0: 'a', cam1: 'b' };
    // b's leases expired: nobody holds cam1, b is gone from the live list
    expect(planLeases(snap('a', ['a'], cams(2), { cam0: held.cam0 })).acquire).toEqual(['cam1']);
  });
});
