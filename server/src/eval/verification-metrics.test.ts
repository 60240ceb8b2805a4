import { describe, expect, it } from 'vitest';
import {
  accuracyAt,
  bestThreshold,
  candidateThresholds,
  equalErrorRate,
  kFoldAccuracy,
  lfwFolds,
  rocAuc,
  rocCurve,
  tarAtFar,
} from './verification-metrics.js';

/** LFW layout: n genuine pairs, then n impostor pairs. */
function lfwLayout(genuine: number[], impostor: number[]) {
  return { scores: [...genuine, ...impostor], labels: [...genuine.map(() => true), ...impostor.map(() => false)] };
}

describe('lfwFolds', () => {
  it('cuts each class into contiguous runs and pairs run f of both classes', () => {
    const labels = [...Array(20).fill(true), ...Array(20).fill(false)];
    const folds = lfwFolds(labels, 10);
    expect(folds).toHaveLength(10);
    expect(folds[0]).toEqual([0, 1, 20, 21]);
    expect(folds[9]).toEqual([18, 19, 38, 39]);
    expect(folds.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('spreads a remainder over the first folds and follows label order, not position', () => {
    const labels = [true, false, true, false, true, false, true];
    const folds = lfwFolds(labels, 3);
    // genuine 0,2,4,6 → [0,2] [4] [6]; impostor 1,3,5 → [1] [3] [5]
    expect(folds).toEqual([
      [0, 2, 1],
      [4, 3],
      [6, 5],
    ]);
  });
});

describe('thresholds', () => {
  it('candidates are midpoints of the sorted distinct scores plus both ends', () => {
    const c = candidateThresholds([0.5, 0.1, 0.3, 0.3, NaN]);
    expect(c).toHaveLength(4);
    expect(c[0]).toBeLessThan(0.1);
    expect(c[1]).toBeCloseTo(0.2, 12);
    expect(c[2]).toBeCloseTo(0.4, 12);
    expect(c[3]).toBeGreaterThan(0.5);
  });

  it('accuracyAt accepts score ≥ threshold and counts a missing score as wrong', () => {
    const scores = [0.9, 0.4, NaN, 0.2, 0.6, NaN];
    const labels = [true, true, true, false, false, false];
    expect(accuracyAt(scores, labels, 0.5)).toBeCloseTo(2 / 6, 12); // 0.9 ✓, 0.4 ✗, NaN ✗, 0.2 ✓, 0.6 ✗, NaN ✗
    expect(accuracyAt(scores, labels, 0.4, [1, 3])).toBe(1);
  });

  it('bestThreshold separates separable data perfectly', () => {
    const { scores, labels } = lfwLayout([0.8, 0.7, 0.9], [0.1, 0.3, 0.2]);
    const r = bestThreshold(scores, labels);
    expect(r.accuracy).toBe(1);
    expect(r.threshold).toBeGreaterThan(0.3);
    expect(r.threshold).toBeLessThan(0.7);
  });

  it('bestThreshold takes the middle of tied optimal candidates', () => {
    // Sorted: 0.1(I) 0.2(G) 0.3(I) 0.4(G): thresholds 0.15 → 3/4, 0.35 → 3/4, 0.25 → 2/4, ends → 2/4.
    const scores = [0.2, 0.4, 0.1, 0.3];
    const labels = [true, true, false, false];
    const r = bestThreshold(scores, labels);
    expect(r.accuracy).toBe(0.75);
    expect(r.threshold).toBeCloseTo(0.15, 12); // lower middle of {0.15, 0.35}
    const three = bestThreshold([0.2, 0.4, 0.6, 0.1, 0.3, 0.5], [true, true, true, false, false, false]);
    expect(three.accuracy).toBeCloseTo(4 / 6, 12);
    expect(three.threshold).toBeCloseTo(0.35, 12); // optima 0.15, 0.35, 0.55 → middle
  });

  it('bestThreshold agrees with a brute-force sweep on random data', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const scores = Array.from({ length: 200 }, (_, i) => (i < 100 ? 0.3 + 0.4 * rnd() : 0.5 * rnd()));
    const labels = scores.map((_, i) => i < 100);
    const r = bestThreshold(scores, labels);
    const brute = Math.max(...candidateThresholds(scores).map((t) => accuracyAt(scores, labels, t)));
    expect(r.accuracy).toBeCloseTo(brute, 12);
    expect(accuracyAt(scores, labels, r.threshold)).toBeCloseTo(brute, 12);
  });
});

describe('kFoldAccuracy', () => {
  it('is 1 with a stable threshold on separable data', () => {
    const genuine = Array.from({ length: 50 }, (_, i) => 0.6 + (i % 10) * 0.03);
    const impostor = Array.from({ length: 50 }, (_, i) => 0.05 + (i % 10) * 0.03);
    const { scores, labels } = lfwLayout(genuine, impostor);
    const r = kFoldAccuracy(scores, labels, 10);
    expect(r.folds).toHaveLength(10);
    expect(r.folds.every((f) => f.size === 10)).toBe(true);
    expect(r.accuracyMean).toBe(1);
    expect(r.accuracyStd).toBe(0);
    // Gap between the top impostor (0.32) and the lowest genuine (0.6): the optimal plateau's middle candidate.
    expect(r.thresholdMean).toBeGreaterThan(0.32);
    expect(r.thresholdMean).toBeLessThan(0.6);
  });

  it('measures each fold at the threshold of the other nine', () => {
    // 10 genuine + 10 impostor; fold 0 holds genuine 0 (scored low) and impostor 0.
    const genuine = [0.1, ...Array(9).fill(0.9)];
    const impostor = Array(10).fill(0.2);
    const { scores, labels } = lfwLayout(genuine, impostor);
    const r = kFoldAccuracy(scores, labels, 10);
    expect(r.folds[0].accuracy).toBe(0.5); // threshold from folds 1..9 lies between 0.2 and 0.9: 0.1 is rejected
    expect(r.folds.slice(1).every((f) => f.accuracy === 1)).toBe(true);
    expect(r.accuracyMean).toBeCloseTo(0.95, 12);
    expect(r.accuracyStd).toBeCloseTo(0.15, 12); // population std of [0.5, 1 × 9]
  });

  it('counts pairs without a score as wrong in every fold', () => {
    const genuine = Array.from({ length: 10 }, () => 0.9);
    const impostor = Array.from({ length: 10 }, () => 0.1);
    genuine[3] = NaN;
    impostor[7] = NaN;
    const { scores, labels } = lfwLayout(genuine, impostor);
    const r = kFoldAccuracy(scores, labels, 10);
    expect(r.accuracyMean).toBeCloseTo(18 / 20, 12);
    expect(r.folds[3].accuracy).toBe(0.5);
    expect(r.folds[7].accuracy).toBe(0.5);
  });
});

describe('tarAtFar', () => {
  it('takes the smallest score that keeps the impostor fraction at or below FAR', () => {
    const impostor = Array.from({ length: 100 }, (_, i) => i / 100); // 0.00 .. 0.99
    const genuine = [0.985, 0.975, 0.5, 0.99, 1.2];
    const { scores, labels } = lfwLayout(genuine, impostor);
    const r = tarAtFar(scores, labels, 0.02);
    expect(r.impostorsAllowed).toBe(2);
    // 0.975 (a genuine score) admits the impostors 0.98 and 0.99 = 2 %; 0.97 would admit three.
    expect(r.threshold).toBe(0.975);
    expect(r.achievedFar).toBeCloseTo(0.02, 12);
    expect(r.tar).toBeCloseTo(4 / 5, 12); // all but 0.5
  });

  it('uses a genuine score when that is the smallest admissible one', () => {
    const impostor = [0.1, 0.2, 0.3, 0.4];
    const genuine = [0.35, 0.45, 0.5, 0.05];
    const { scores, labels } = lfwLayout(genuine, impostor);
    const r = tarAtFar(scores, labels, 0.25); // one impostor allowed
    expect(r.threshold).toBe(0.35); // 0.35 admits only the 0.4 impostor; 0.3 would admit two
    expect(r.tar).toBe(0.75);
    const zero = tarAtFar(scores, labels, 0.001); // none allowed → above the top impostor
    expect(zero.impostorsAllowed).toBe(0);
    expect(zero.threshold).toBe(0.45);
    expect(zero.achievedFar).toBe(0);
    expect(zero.tar).toBe(0.5);
  });

  it('never accepts pairs without a score', () => {
    const { scores, labels } = lfwLayout([0.9, NaN], [0.1, NaN]);
    const r = tarAtFar(scores, labels, 0.5);
    expect(r.tar).toBe(0.5);
    expect(r.achievedFar).toBeLessThanOrEqual(0.5);
  });
});

describe('ROC', () => {
  it('gives AUC 1 for separable data and 0.5 for identical distributions', () => {
    const sep = lfwLayout([0.9, 0.8], [0.1, 0.2]);
    expect(rocAuc(sep.scores, sep.labels)).toBe(1);
    const same = lfwLayout([0.5, 0.5], [0.5, 0.5]);
    expect(rocAuc(same.scores, same.labels)).toBe(0.5);
  });

  it('AUC equals the Mann-Whitney statistic', () => {
    const { scores, labels } = lfwLayout([0.9, 0.4, 0.6, 0.3], [0.5, 0.2, 0.4, 0.1]);
    // Genuine > impostor pairs: 0.9 beats 4, 0.6 beats 4, 0.4 beats 2 + tie with 0.4 (½), 0.3 beats 2 → 12.5 / 16
    expect(rocAuc(scores, labels)).toBeCloseTo(12.5 / 16, 12);
    const roc = rocCurve(scores, labels);
    expect(roc[0]).toEqual({ threshold: Infinity, fpr: 0, tpr: 0 });
    expect(roc[roc.length - 1]).toMatchObject({ fpr: 1, tpr: 1 });
    for (let i = 1; i < roc.length; i++) {
      expect(roc[i].fpr).toBeGreaterThanOrEqual(roc[i - 1].fpr);
      expect(roc[i].tpr).toBeGreaterThanOrEqual(roc[i - 1].tpr);
    }
  });

  it('EER is where false accepts equal false rejects', () => {
    const { scores, labels } = lfwLayout([0.9, 0.8, 0.7, 0.3], [0.1, 0.2, 0.35, 0.75]);
    const { eer } = equalErrorRate(scores, labels);
    expect(eer).toBeCloseTo(0.25, 12);
  });
});
