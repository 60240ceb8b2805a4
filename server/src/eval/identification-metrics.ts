/**
 * Open-set 1:N identification metrics (the NIST FRVT 1:N definitions) from per-probe search outcomes.
 *
 * A probe is searched against a gallery and gets a ranked candidate list (best first). A genuine ("mated") probe's
 * person is enrolled; an impostor ("non-mated") probe's person is not. At a threshold t:
 *
 * - FPIR(t): fraction of impostor probes whose best candidate scores ≥ t (a false alarm);
 * - FNIR(t): fraction of genuine probes whose mate is not returned at rank 1 with a score ≥ t; TPIR = 1 − FNIR.
 *
 * A probe with no candidate at all (no face detected, empty gallery) has topScore −Infinity: a genuine one is a
 * miss at every threshold and in the rank-k accuracies, an impostor one is never a false alarm.
 */

export interface ProbeOutcome {
  /** True for a genuine (mated) probe, false for an impostor (non-mated) one. */
  genuine: boolean;
  /** Score of the rank-1 candidate; −Infinity (or NaN) when nothing was returned. */
  topScore: number;
  /** 1-based rank of the probe's mate among the candidates; 0 when not returned (and always 0 for an impostor). */
  mateRank: number;
}

export interface TpirAtFpir {
  /** Requested false-positive identification rate. */
  fpir: number;
  /** The smallest probe score (or +Infinity) at which the impostor fraction scoring ≥ it is ≤ fpir. */
  threshold: number;
  /** Genuine fraction identified at rank 1 with a score ≥ threshold. */
  tpir: number;
  /** 1 − tpir. */
  fnir: number;
  /** Impostor fraction actually scoring ≥ threshold (≤ fpir). */
  achievedFpir: number;
  /** False alarms the requested rate allows: floor(fpir × impostors). 0 means the figure is really "TPIR at FPIR = 0". */
  impostorsAllowed: number;
  genuine: number;
  impostors: number;
}

export interface OpenSetPoint {
  threshold: number;
  tpir: number;
  fnir: number;
  fpir: number;
  /** Counts behind the rates. */
  falseNegatives: number;
  falsePositives: number;
  genuine: number;
  impostors: number;
}

const finiteOr = (s: number) => (Number.isFinite(s) ? s : -Infinity);

/** The score that counts for a genuine probe at a threshold: its mate's score when the mate is rank 1, else −Infinity. */
export function mateRank1Score(p: ProbeOutcome): number {
  return p.genuine && p.mateRank === 1 ? finiteOr(p.topScore) : -Infinity;
}

function split(probes: readonly ProbeOutcome[]): { genuine: number[]; impostor: number[] } {
  const genuine: number[] = [];
  const impostor: number[] = [];
  for (const p of probes) {
    if (p.genuine) genuine.push(mateRank1Score(p));
    else impostor.push(finiteOr(p.topScore));
  }
  return { genuine, impostor };
}

/** Closed-set rank-k identification rate: fraction of genuine probes whose mate is among the first k candidates. */
export function rankAccuracy(probes: readonly ProbeOutcome[], k = 1): number {
  const genuine = probes.filter((p) => p.genuine);
  if (genuine.length === 0) return NaN;
  return genuine.filter((p) => p.mateRank >= 1 && p.mateRank <= k).length / genuine.length;
}

/** FPIR and FNIR (and TPIR) at one threshold. Rates over an empty class are NaN. */
export function openSetAt(probes: readonly ProbeOutcome[], threshold: number): OpenSetPoint {
  const { genuine, impostor } = split(probes);
  const falseNegatives = genuine.filter((s) => !(s >= threshold)).length;
  const falsePositives = impostor.filter((s) => s >= threshold).length;
  const fnir = genuine.length ? falseNegatives / genuine.length : NaN;
  return {
    threshold,
    tpir: 1 - fnir,
    fnir,
    fpir: impostor.length ? falsePositives / impostor.length : NaN,
    falseNegatives,
    falsePositives,
    genuine: genuine.length,
    impostors: impostor.length,
  };
}

/**
 * TPIR at a given FPIR (same threshold rule as verification's tarAtFar): with n impostors the rate allows
 * a = floor(fpir × n) false alarms; the threshold is the smallest finite probe score (genuine rank-1 mate scores and
 * impostor top scores) above the (a+1)-th highest impostor score, or +Infinity when there is none.
 */
export function tpirAtFpir(probes: readonly ProbeOutcome[], fpir: number): TpirAtFpir {
  const { genuine, impostor } = split(probes);
  if (genuine.length === 0 || impostor.length === 0) throw new Error('tpirAtFpir needs genuine and impostor probes');
  if (!(fpir >= 0 && fpir <= 1)) throw new Error(`fpir must be in [0, 1] (got ${fpir})`);
  const allowed = Math.floor(fpir * impostor.length + 1e-9);
  const imp = [...impostor].sort((a, b) => b - a); // descending
  // Thresholds above this impostor score leave at most `allowed` impostors at or above them.
  const bound = allowed < imp.length ? imp[allowed] : -Infinity;
  let threshold = Infinity;
  for (const s of [...genuine, ...impostor]) if (Number.isFinite(s) && s > bound && s < threshold) threshold = s;
  const at = openSetAt(probes, threshold);
  return {
    fpir,
    threshold,
    tpir: at.tpir,
    fnir: at.fnir,
    achievedFpir: at.fpir,
    impostorsAllowed: allowed,
    genuine: genuine.length,
    impostors: impostor.length,
  };
}

export interface PersonImages {
  person: string;
  /** The person's image files (any order; the plan sorts them). */
  files: string[];
}

export interface FoldPlan {
  fold: number;
  /** Enrolled people and the one image each is enrolled from. */
  enrolled: { person: string; galleryFile: string }[];
  /** The enrolled people's other images. */
  genuine: { person: string; file: string }[];
  /** Every image of the people not enrolled in this fold: the held-out multi-image people and the single-image people. */
  impostor: { person: string; file: string }[];
  /** Multi-image people of this fold's enrolled half with no image in which a face was found: neither enrolled nor probed. */
  unenrollable: string[];
}

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The deterministic two-fold split of a labelled set into gallery, genuine probes and impostor probes.
 *
 * People with 2+ images are sorted by name (code-point order) and alternately assigned to half 0 (positions 0, 2, 4, …)
 * and half 1 (positions 1, 3, …). In fold f, half f is enrolled and the other half is held out entirely. An enrolled
 * person's gallery image is the first of their files (code-point order of the path) in which a face was found
 * (`hasFace`); their other images are genuine probes. Impostor probes are every image of the held-out half and of the
 * single-image people (these are impostors in both folds).
 */
export function planFolds(people: readonly PersonImages[], hasFace: (file: string) => boolean, folds = 2): FoldPlan[] {
  const sorted = [...people].sort((a, b) => byCodePoint(a.person, b.person)).map((p) => ({ person: p.person, files: [...p.files].sort(byCodePoint) }));
  const multi = sorted.filter((p) => p.files.length >= 2);
  const single = sorted.filter((p) => p.files.length < 2);
  return Array.from({ length: folds }, (_, fold) => {
    const plan: FoldPlan = { fold, enrolled: [], genuine: [], impostor: [], unenrollable: [] };
    multi.forEach((p, i) => {
      if (i % folds !== fold) {
        for (const file of p.files) plan.impostor.push({ person: p.person, file });
        return;
      }
      const galleryFile = p.files.find(hasFace);
      if (galleryFile === undefined) {
        plan.unenrollable.push(p.person);
        return;
      }
      plan.enrolled.push({ person: p.person, galleryFile });
      for (const file of p.files) if (file !== galleryFile) plan.genuine.push({ person: p.person, file });
    });
    for (const p of single) for (const file of p.files) plan.impostor.push({ person: p.person, file });
    return plan;
  });
}
