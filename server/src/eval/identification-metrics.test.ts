import { describe, expect, it } from 'vitest';
import { mateRank1Score, openSetAt, planFolds, rankAccuracy, tpirAtFpir, type ProbeOutcome } from './identification-metrics.js';

const gen = (topScore: number, mateRank = 1): ProbeOutcome => ({ genuine: true, topScore, mateRank });
const imp = (topScore: number): ProbeOutcome => ({ genuine: false, topScore, mateRank: 0 });

describe('rankAccuracy', () => {
  it('counts genuine probes whose mate is within the first k candidates, ignoring impostors', () => {
    const probes = [gen(0.9), gen(0.5, 2), gen(0.4, 6), gen(-Infinity, 0), imp(0.8)];
    expect(rankAccuracy(probes, 1)).toBe(0.25);
    expect(rankAccuracy(probes, 5)).toBe(0.5);
    expect(rankAccuracy(probes, 10)).toBe(0.75);
    expect(rankAccuracy([imp(0.1)])).toBeNaN();
  });
});

describe('openSetAt', () => {
  it('needs the mate at rank 1 and at or above the threshold; an impostor alarms at or above it', () => {
    // genuine: hit 0.6, hit 0.3, wrong rank-1 at 0.9, no face; impostors 0.5, 0.3, no face
    const probes = [gen(0.6), gen(0.3), gen(0.9, 2), gen(NaN, 0), imp(0.5), imp(0.3), imp(-Infinity)];
    const p = openSetAt(probes, 0.3);
    expect(p).toMatchObject({ genuine: 4, impostors: 3, falseNegatives: 2, falsePositives: 2 });
    expect(p.fnir).toBe(0.5);
    expect(p.tpir).toBe(0.5);
    expect(p.fpir).toBeCloseTo(2 / 3);
    const q = openSetAt(probes, 0.55);
    expect(q.falseNegatives).toBe(3);
    expect(q.falsePositives).toBe(0);
  });

  it('a genuine probe whose rank-1 candidate is someone else never counts, whatever its score', () => {
    expect(mateRank1Score(gen(0.99, 2))).toBe(-Infinity);
    expect(mateRank1Score(gen(0.4))).toBe(0.4);
    expect(mateRank1Score(imp(0.4))).toBe(-Infinity);
    expect(openSetAt([gen(0.99, 2), imp(0.1)], -1).tpir).toBe(0);
  });
});

describe('tpirAtFpir', () => {
  // 10 impostors 0.05..0.50; genuine rank-1 scores 0.2..0.9 plus one mis-ranked probe.
  const impostors = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5].map(imp);
  const genuine = [0.2, 0.38, 0.42, 0.6, 0.7, 0.8, 0.9].map((s) => gen(s));
  const probes = [...impostors, ...genuine, gen(0.95, 3)];

  it('allows floor(fpir × impostors) false alarms and puts the threshold just above the next impostor', () => {
    const r = tpirAtFpir(probes, 0.1); // 1 alarm allowed: 0.5 may pass, 0.45 may not
    expect(r.impostorsAllowed).toBe(1);
    expect(r.threshold).toBe(0.5); // smallest probe score above 0.45
    expect(r.achievedFpir).toBe(0.1);
    expect(r.tpir).toBe(4 / 8); // 0.6 0.7 0.8 0.9; the mis-ranked 0.95 never counts
    expect(r.fnir).toBe(0.5);
    expect(r).toMatchObject({ genuine: 8, impostors: 10 });
  });

  it('FPIR = 0 puts the threshold above every impostor; a generous FPIR accepts every rank-1 mate', () => {
    const zero = tpirAtFpir(probes, 0);
    expect(zero.threshold).toBe(0.6);
    expect(zero.achievedFpir).toBe(0);
    const all = tpirAtFpir(probes, 1);
    expect(all.threshold).toBe(0.05);
    expect(all.tpir).toBe(7 / 8);
  });

  it('rounds the allowance down and counts probes without candidates as impostors that never alarm', () => {
    const r = tpirAtFpir([...probes, imp(-Infinity)], 0.1); // 11 impostors → 1 allowed
    expect(r.impostorsAllowed).toBe(1);
    expect(r.threshold).toBe(0.5);
    expect(r.achievedFpir).toBeCloseTo(1 / 11);
  });

  it('uses +Infinity when no score lies above the bound, and refuses a one-class input', () => {
    const r = tpirAtFpir([gen(0.3), imp(0.9)], 0);
    expect(r.threshold).toBe(Infinity);
    expect(r.tpir).toBe(0);
    expect(() => tpirAtFpir([gen(0.3)], 0.01)).toThrow();
  });
});

describe('planFolds', () => {
  const people = [
    { person: 'carol', files: ['carol/2.jpg', 'carol/1.jpg'] },
    { person: 'alice', files: ['alice/b.jpg', 'alice/a.jpg', 'alice/c.jpg'] },
    { person: 'dave', files: ['dave/1.jpg'] },
    { person: 'bob', files: ['bob/1.jpg', 'bob/2.jpg'] },
    { person: 'erin', files: ['erin/1.jpg', 'erin/2.jpg'] },
  ];

  it('alternates the multi-image people in name order and enrolls the first image with a face', () => {
    const [f0, f1] = planFolds(people, (f) => f !== 'alice/a.jpg');
    // multi in order: alice(0) bob(1) carol(2) erin(3)
    expect(f0.enrolled).toEqual([
      { person: 'alice', galleryFile: 'alice/b.jpg' },
      { person: 'carol', galleryFile: 'carol/1.jpg' },
    ]);
    expect(f0.genuine.map((g) => g.file)).toEqual(['alice/a.jpg', 'alice/c.jpg', 'carol/2.jpg']);
    expect(f0.impostor.map((g) => g.file)).toEqual(['bob/1.jpg', 'bob/2.jpg', 'erin/1.jpg', 'erin/2.jpg', 'dave/1.jpg']);
    expect(f1.enrolled.map((e) => e.person)).toEqual(['bob', 'erin']);
    expect(f1.impostor.map((g) => g.person)).toEqual(['alice', 'alice', 'alice', 'carol', 'carol', 'dave']);
    // every multi-image person is enrolled in exactly one fold
    expect([...f0.enrolled, ...f1.enrolled].map((e) => e.person).sort()).toEqual(['alice', 'bob', 'carol', 'erin']);
  });

  it('leaves out a person of the enrolled half with no detectable face, and does not depend on input order', () => {
    const [f0] = planFolds(people, (f) => !f.startsWith('carol/'));
    expect(f0.unenrollable).toEqual(['carol']);
    expect(f0.enrolled.map((e) => e.person)).toEqual(['alice']);
    expect(f0.genuine.every((g) => g.person === 'alice')).toBe(true);
    expect(planFolds([...people].reverse(), () => true)).toEqual(planFolds(people, () => true));
  });
});
