/**
 * Face-verification metrics from pair similarities and same/different labels (LFW protocol).
 *
 * A score that is not finite (NaN) means "no decision" (for example a pair whose image has no detected face):
 * the k-fold accuracy counts such a pair as a wrong decision whatever the threshold, and the ROC/TAR figures
 * treat it as never accepted (a missed genuine pair lowers TAR; a missed impostor pair is a correct rejection).
 * A pair is accepted ("same") when score >= threshold.
 */

export interface FoldResult {
  /** Accuracy on the held-out fold at the threshold chosen on the other folds. */
  accuracy: number;
  threshold: number;
  /** Accuracy of that threshold on the training folds. */
  trainAccuracy: number;
  size: number;
}

export interface KFoldResult {
  folds: FoldResult[];
  /** Mean and population standard deviation (as insightface reports it) of the per-fold accuracies. */
  accuracyMean: number;
  accuracyStd: number;
  /** Mean and population std of the chosen thresholds: the calibrated operating point. */
  thresholdMean: number;
  thresholdStd: number;
}

export interface TarAtFar {
  /** Requested false-accept rate. */
  far: number;
  threshold: number;
  tar: number;
  /** Impostor fraction actually accepted at that threshold (≤ far). */
  achievedFar: number;
  /** False accepts the requested rate allows: floor(far × impostors). 0 means the figure is just "TAR at FAR = 0". */
  impostorsAllowed: number;
  genuine: number;
  impostors: number;
}

export interface RocPoint {
  threshold: number;
  /** False-accept rate (impostor pairs with score ≥ threshold). */
  fpr: number;
  /** True-accept rate (genuine pairs with score ≥ threshold). */
  tpr: number;
}

function checkInput(scores: ArrayLike<number>, labels: ArrayLike<boolean>): void {
  if (scores.length !== labels.length) throw new Error(`scores (${scores.length}) and labels (${labels.length}) differ in length`);
}

/** Accuracy of "same iff score ≥ threshold" over the given pair indices; non-finite scores count as wrong. */
export function accuracyAt(scores: ArrayLike<number>, labels: ArrayLike<boolean>, threshold: number, indices?: number[]): number {
  checkInput(scores, labels);
  const idx = indices ?? Array.from({ length: scores.length }, (_, i) => i);
  if (idx.length === 0) return NaN;
  let correct = 0;
  for (const i of idx) {
    const s = scores[i];
    if (Number.isFinite(s) && s >= threshold === labels[i]) correct++;
  }
  return correct / idx.length;
}

/**
 * Candidate thresholds for the given pairs: midpoints between consecutive distinct finite scores, plus one
 * below the lowest and one above the highest (accept all / reject all), ascending.
 */
export function candidateThresholds(scores: ArrayLike<number>, indices?: number[]): number[] {
  const idx = indices ?? Array.from({ length: scores.length }, (_, i) => i);
  const vals = [...new Set(idx.map((i) => scores[i]).filter((s) => Number.isFinite(s)))].sort((a, b) => a - b);
  if (vals.length === 0) return [0];
  const out = [vals[0] - 1e-6];
  for (let i = 1; i < vals.length; i++) out.push((vals[i - 1] + vals[i]) / 2);
  out.push(vals[vals.length - 1] + 1e-6);
  return out;
}

/**
 * The threshold that maximizes accuracy over the given pairs, among candidateThresholds(). When several
 * candidates reach the maximum, the middle one of them (lower middle for an even count) is taken, so the
 * choice does not lean towards either end of a plateau.
 */
export function bestThreshold(
  scores: ArrayLike<number>,
  labels: ArrayLike<boolean>,
  indices?: number[],
): { threshold: number; accuracy: number } {
  checkInput(scores, labels);
  const idx = indices ?? Array.from({ length: scores.length }, (_, i) => i);
  // Sweep the sorted finite scores once: accuracy(t) = (genuine ≥ t + impostors < t) / n.
  const finite = idx.filter((i) => Number.isFinite(scores[i])).sort((a, b) => scores[a] - scores[b]);
  const cands = candidateThresholds(scores, idx);
  const n = idx.length;
  let genuineAbove = finite.filter((i) => labels[i]).length; // all finite genuine are ≥ the lowest candidate
  let impostorsBelow = 0;
  let p = 0;
  let best = -1;
  let bestIdx: number[] = [];
  for (let c = 0; c < cands.length; c++) {
    const t = cands[c];
    while (p < finite.length && scores[finite[p]] < t) {
      if (labels[finite[p]]) genuineAbove--;
      else impostorsBelow++;
      p++;
    }
    const acc = n > 0 ? (genuineAbove + impostorsBelow) / n : NaN;
    if (acc > best + 1e-12) {
      best = acc;
      bestIdx = [c];
    } else if (Math.abs(acc - best) <= 1e-12) {
      bestIdx.push(c);
    }
  }
  return { threshold: cands[bestIdx[Math.floor((bestIdx.length - 1) / 2)]], accuracy: best };
}

/**
 * Split pair indices into k contiguous, class-balanced folds as LFW does: the genuine pairs (in input order) are cut
 * into k contiguous runs, the impostor pairs likewise, and fold f = genuine run f + impostor run f. Run sizes differ by
 * at most one (the first runs take the remainder, as numpy.array_split does).
 */
export function lfwFolds(labels: ArrayLike<boolean>, k = 10): number[][] {
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < labels.length; i++) (labels[i] ? pos : neg).push(i);
  const split = (arr: number[]): number[][] => {
    const base = Math.floor(arr.length / k);
    const extra = arr.length % k;
    const out: number[][] = [];
    let start = 0;
    for (let f = 0; f < k; f++) {
      const len = base + (f < extra ? 1 : 0);
      out.push(arr.slice(start, start + len));
      start += len;
    }
    return out;
  };
  const p = split(pos);
  const q = split(neg);
  return p.map((run, f) => [...run, ...q[f]]);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const popStd = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) * (b - m), 0) / xs.length);
};

/** k-fold cross-validated verification accuracy: threshold chosen on k−1 folds, accuracy measured on the remaining one. */
export function kFoldAccuracy(scores: ArrayLike<number>, labels: ArrayLike<boolean>, k = 10): KFoldResult {
  checkInput(scores, labels);
  const folds = lfwFolds(labels, k);
  const results: FoldResult[] = folds.map((test, f) => {
    const train = folds.filter((_, g) => g !== f).flat();
    const { threshold, accuracy: trainAccuracy } = bestThreshold(scores, labels, train);
    return { accuracy: accuracyAt(scores, labels, threshold, test), threshold, trainAccuracy, size: test.length };
  });
  const accs = results.map((r) => r.accuracy);
  const ths = results.map((r) => r.threshold);
  return { folds: results, accuracyMean: mean(accs), accuracyStd: popStd(accs), thresholdMean: mean(ths), thresholdStd: popStd(ths) };
}

function split(scores: ArrayLike<number>, labels: ArrayLike<boolean>): { genuine: number[]; impostor: number[] } {
  checkInput(scores, labels);
  const genuine: number[] = [];
  const impostor: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    const s = Number.isFinite(scores[i]) ? scores[i] : -Infinity; // no decision = never accepted
    (labels[i] ? genuine : impostor).push(s);
  }
  return { genuine, impostor };
}

/**
 * TAR at a given FAR. The threshold is the smallest pair score (or +Infinity) such that the fraction of impostor
 * pairs with score ≥ threshold is ≤ far; TAR is the fraction of genuine pairs with score ≥ that threshold.
 */
export function tarAtFar(scores: ArrayLike<number>, labels: ArrayLike<boolean>, far: number): TarAtFar {
  const { genuine, impostor } = split(scores, labels);
  if (impostor.length === 0 || genuine.length === 0) throw new Error('tarAtFar needs genuine and impostor pairs');
  const allowed = Math.floor(far * impostor.length + 1e-9);
  const imp = [...impostor].sort((a, b) => b - a); // descending
  const cands = [...new Set([...genuine, ...impostor].filter((s) => Number.isFinite(s)))].sort((a, b) => a - b);
  cands.push(Infinity);
  const countAtLeast = (arr: number[], t: number) => arr.reduce((n, s) => n + (s >= t ? 1 : 0), 0);
  // The impostor count at or above t falls as t rises, so binary-search the smallest admissible candidate.
  let lo = 0;
  let hi = cands.length - 1; // +Infinity always admissible
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (countAtLeast(imp, cands[mid]) <= allowed) hi = mid;
    else lo = mid + 1;
  }
  const threshold = cands[lo];
  return {
    far,
    threshold,
    tar: countAtLeast(genuine, threshold) / genuine.length,
    achievedFar: countAtLeast(impostor, threshold) / impostor.length,
    impostorsAllowed: allowed,
    genuine: genuine.length,
    impostors: impostor.length,
  };
}

/** ROC points for every distinct finite score as threshold (descending), starting at (0,0) and ending at (1,1). */
export function rocCurve(scores: ArrayLike<number>, labels: ArrayLike<boolean>): RocPoint[] {
  const { genuine, impostor } = split(scores, labels);
  const all = [...genuine.map((s) => ({ s, g: true })), ...impostor.map((s) => ({ s, g: false }))].sort((a, b) => b.s - a.s);
  const nG = genuine.length;
  const nI = impostor.length;
  const out: RocPoint[] = [{ threshold: Infinity, fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  let i = 0;
  while (i < all.length) {
    const t = all[i].s;
    if (!Number.isFinite(t)) break; // never-accepted pairs: the curve ends at (1,1) below
    while (i < all.length && all[i].s === t) {
      if (all[i].g) tp++;
      else fp++;
      i++;
    }
    out.push({ threshold: t, fpr: nI ? fp / nI : 0, tpr: nG ? tp / nG : 0 });
  }
  const last = out[out.length - 1];
  if (last.fpr !== 1 || last.tpr !== 1) out.push({ threshold: -Infinity, fpr: 1, tpr: 1 });
  return out;
}

/** Area under the ROC curve (trapezoidal; equals the probability that a genuine pair outscores an impostor, ties ½). */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<boolean>): number {
  const roc = rocCurve(scores, labels);
  let auc = 0;
  for (let i = 1; i < roc.length; i++) auc += ((roc[i].fpr - roc[i - 1].fpr) * (roc[i].tpr + roc[i - 1].tpr)) / 2;
  return auc;
}

/** Equal error rate: the point on the ROC where FAR = FRR (linear interpolation between ROC points). */
export function equalErrorRate(scores: ArrayLike<number>, labels: ArrayLike<boolean>): { eer: number; threshold: number } {
  const roc = rocCurve(scores, labels);
  for (let i = 1; i < roc.length; i++) {
    const a = roc[i - 1];
    const b = roc[i];
    const da = a.fpr - (1 - a.tpr);
    const db = b.fpr - (1 - b.tpr);
    if (da <= 0 && db >= 0) {
      const w = db === da ? 0 : -da / (db - da);
      const eer = a.fpr + w * (b.fpr - a.fpr);
      const ta = Number.isFinite(a.threshold) ? a.threshold : b.threshold;
      const tb = Number.isFinite(b.threshold) ? b.threshold : a.threshold;
      return { eer, threshold: ta + w * (tb - ta) };
    }
  }
  return { eer: NaN, threshold: NaN };
}
