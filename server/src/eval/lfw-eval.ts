/**
 * LFW verification accuracy of the engine on the shared dev-train subset (740 pairs, LFW View-1 format).
 *
 * Every referenced image is embedded once (the face the detector ranks first by insightface's max_num rule: large
 * and central); a pair's score is the cosine of the two embeddings. A pair whose image has no detected face gets no
 * score: it counts as a wrong decision in the 10-fold accuracy and as never accepted in TAR/ROC.
 *
 * CLI: node server/dist/eval/lfw-eval.js [--det-size 320] [--score-threshold 0.5] [--shared DIR] [--scores]
 * Progress on stderr, figures as JSON on stdout.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { cosine } from '../engine/vector.js';
import type { InferencePool } from '../engine/worker-pool.js';
import { analyzeFiles, defaultSharedDir, evalEngineSettings, runIfMain, parseFlags, requireDir, round, startEvalPool } from './eval-common.js';
import { equalErrorRate, kFoldAccuracy, rocAuc, tarAtFar, type TarAtFar } from './verification-metrics.js';

export const LFW_DIR = 'faces/lfw_deepfunneled_devtrain_subset';
export const LFW_PAIRS = 'pairsDevTrain_subset.txt';
/** The LFW runner's default detector size: at 640 the letterbox upscales 250 px LFW images 2.56× and close-ups get missed. */
export const LFW_DEFAULT_DET_SIZE = 320;

export interface LfwPair {
  a: string;
  b: string;
  same: boolean;
}

/** Image path of an LFW identity/index, relative to the set folder. */
export const lfwImage = (name: string, idx: string | number) => `images/${name}/${name}_${String(idx).padStart(4, '0')}.jpg`;

/** Parse an LFW pairs file: "N" (pairs per class), N lines `name i j`, then N lines `name1 i name2 j`. */
export function parseLfwPairs(text: string): LfwPair[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0].trim().split(/\s+/).map(Number);
  const perClass = header.length === 2 ? header[1] : header[0]; // View 2 files say "sets N"
  const sets = header.length === 2 ? header[0] : 1;
  if (!Number.isInteger(perClass) || perClass <= 0) throw new Error(`LFW pairs: bad header "${lines[0]}"`);
  if (lines.length - 1 !== 2 * perClass * sets) throw new Error(`LFW pairs: expected ${2 * perClass * sets} pair lines, found ${lines.length - 1}`);
  return lines.slice(1).map((line, k) => {
    const f = line.trim().split(/\s+/);
    if (f.length === 3) return { a: lfwImage(f[0], f[1]), b: lfwImage(f[0], f[2]), same: true };
    if (f.length === 4) return { a: lfwImage(f[0], f[1]), b: lfwImage(f[2], f[3]), same: false };
    throw new Error(`LFW pairs: bad line ${k + 2}: "${line}"`);
  });
}

export interface LfwEvalOptions {
  pool: InferencePool;
  /** Shared data folder (…/shared/data). */
  dataDir: string;
  detSize?: number;
  scoreThreshold?: number;
  /** FARs for TAR@FAR (default 1e-2 and 1e-3). */
  fars?: number[];
  log?: (line: string) => void;
}

export interface LfwEvalResult {
  dataset: string;
  pairs: number;
  genuinePairs: number;
  impostorPairs: number;
  images: number;
  detSize: number;
  scoreThreshold: number;
  detector: string;
  recognizer: string;
  /** 10-fold cross-validated accuracy (LFW protocol): mean and population std over folds. */
  accuracy: { mean: number; std: number; folds: number[] };
  /** Mean (and std) of the thresholds chosen on the nine training folds: the calibrated cosine threshold. */
  threshold: { mean: number; std: number; folds: number[] };
  tarAtFar: TarAtFar[];
  auc: number;
  eer: number;
  /** Images with no detected face, and the pairs they make undecidable (counted as wrong). */
  facesMissed: { images: number; pairs: number; files: string[] };
  /** Per-pair cosine (null when an image had no face), in file order. */
  scores: (number | null)[];
  elapsedSec: number;
}

export async function runLfwEval(opts: LfwEvalOptions): Promise<LfwEvalResult> {
  const t0 = performance.now();
  const detSize = opts.detSize ?? LFW_DEFAULT_DET_SIZE;
  const scoreThreshold = opts.scoreThreshold ?? 0.5;
  const setDir = path.join(opts.dataDir, LFW_DIR);
  const pairs = parseLfwPairs(await readFile(path.join(setDir, LFW_PAIRS), 'utf8'));
  const images = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
  opts.log?.(`lfw: ${pairs.length} pairs, ${images.length} images, det size ${detSize}`);
  const faces = await analyzeFiles(
    opts.pool,
    images.map((f) => path.join(setDir, f)),
    { embed: true, detSize, maxFaces: 1, scoreThreshold },
    { label: 'lfw', log: opts.log },
  );
  const emb = new Map<string, Float32Array | undefined>(images.map((f, i) => [f, faces[i][0]?.embedding]));
  const missed = images.filter((f) => !emb.get(f));
  const scores = pairs.map((p) => {
    const a = emb.get(p.a);
    const b = emb.get(p.b);
    return a && b ? cosine(a, b) : NaN;
  });
  const labels = pairs.map((p) => p.same);
  const kf = kFoldAccuracy(scores, labels, 10);
  const info = opts.pool.info;
  return {
    dataset: `${LFW_DIR}/${LFW_PAIRS}`,
    pairs: pairs.length,
    genuinePairs: labels.filter(Boolean).length,
    impostorPairs: labels.filter((l) => !l).length,
    images: images.length,
    detSize,
    scoreThreshold,
    detector: info.detector.file,
    recognizer: info.recognizer?.file ?? 'none',
    accuracy: { mean: kf.accuracyMean, std: kf.accuracyStd, folds: kf.folds.map((f) => f.accuracy) },
    threshold: { mean: kf.thresholdMean, std: kf.thresholdStd, folds: kf.folds.map((f) => f.threshold) },
    tarAtFar: (opts.fars ?? [1e-2, 1e-3]).map((far) => tarAtFar(scores, labels, far)),
    auc: rocAuc(scores, labels),
    eer: equalErrorRate(scores, labels).eer,
    facesMissed: { images: missed.length, pairs: scores.filter((s) => !Number.isFinite(s)).length, files: missed },
    scores: scores.map((s) => (Number.isFinite(s) ? s : null)),
    elapsedSec: (performance.now() - t0) / 1000,
  };
}

/** The figures for printing: rounded, per-pair scores left out unless asked for. */
export function lfwReport(r: LfwEvalResult, withScores = false): Record<string, unknown> {
  const { scores, ...rest } = r;
  return {
    ...rest,
    accuracy: { mean: round(r.accuracy.mean), std: round(r.accuracy.std), folds: r.accuracy.folds.map((x) => round(x)) },
    threshold: { mean: round(r.threshold.mean), std: round(r.threshold.std), folds: r.threshold.folds.map((x) => round(x)) },
    tarAtFar: r.tarAtFar.map((t) => ({
      ...t,
      tar: round(t.tar),
      threshold: round(t.threshold),
      achievedFar: round(t.achievedFar, 5),
      note: t.impostorsAllowed === 0 ? `only ${t.impostors} impostor pairs: this is TAR at FAR = 0` : undefined,
    })),
    auc: round(r.auc, 5),
    eer: round(r.eer),
    elapsedSec: round(r.elapsedSec, 1),
    ...(withScores ? { scores: scores.map((s) => (s === null ? null : round(s, 6))) } : {}),
  };
}

async function cli(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, { 'det-size': 'number', 'score-threshold': 'number', shared: 'string', scores: 'boolean' });
  const shared = flags.shared ? path.resolve(String(flags.shared)) : defaultSharedDir();
  const dataDir = path.join(shared, 'data');
  requireDir(path.join(dataDir, LFW_DIR), 'LFW subset');
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const pool = await startEvalPool(evalEngineSettings(shared), true, log);
  try {
    const r = await runLfwEval({
      pool,
      dataDir,
      detSize: (flags['det-size'] as number | undefined) ?? LFW_DEFAULT_DET_SIZE,
      scoreThreshold: flags['score-threshold'] as number | undefined,
      log,
    });
    log(
      `lfw: accuracy ${(r.accuracy.mean * 100).toFixed(2)}% ± ${(r.accuracy.std * 100).toFixed(2)}, threshold ${r.threshold.mean.toFixed(4)}, ` +
        `TAR@FAR=1e-2 ${(r.tarAtFar[0].tar * 100).toFixed(2)}%, AUC ${r.auc.toFixed(4)}, images without a face ${r.facesMissed.images}, ${r.elapsedSec.toFixed(1)} s`,
    );
    process.stdout.write(`${JSON.stringify(lfwReport(r, flags.scores === true), null, 2)}\n`);
    return 0;
  } finally {
    await pool.close();
  }
}

runIfMain(import.meta.url, 'lfw-eval', cli);
