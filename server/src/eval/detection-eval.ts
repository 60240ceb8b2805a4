/**
 * Face-detection recall and false positives of the engine on the shared annotated sets, side by side with the
 * insightface reference detections (server/test/golden/reference-detections-<size>.json) scored by the same code.
 *
 * Sets: WIDER FACE val subset (105 images; easy / medium / hard settings, IoU 0.5; boxes a setting does not count are
 * ignore regions) and the dlib PASCAL VOC faces (4 images, 18 boxes, all counted, IoU 0.35 because dlib boxes are
 * tighter than SCRFD's). The engine runs once per image at detection threshold 0.3 (NMS 0.4); the figures at 0.5 are
 * the same detections filtered (greedy NMS keeps exactly the same boxes above 0.5 either way).
 *
 * CLI: node server/dist/eval/detection-eval.js [--det-size 640] [--reference FILE] [--shared DIR]
 * Progress on stderr, figures as JSON on stdout.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { InferencePool } from '../engine/worker-pool.js';
import {
  evaluateDetections,
  iou,
  loadDlibFaces,
  loadWiderSubset,
  WIDER_SETTINGS,
  type Detection,
  type DetectionSummary,
  type GroundTruth,
  type WiderSetting,
} from './detection-metrics.js';
import { analyzeFiles, defaultReferencePath, defaultSharedDir, evalEngineSettings, runIfMain, parseFlags, requireDir, round, startEvalPool } from './eval-common.js';

export const DETECTION_RUN_THRESHOLD = 0.3;
export const DETECTION_NMS_THRESHOLD = 0.4;
export const SCORE_THRESHOLDS = [0.5, 0.3];
export const WIDER_IOU = 0.5;
export const DLIB_IOU = 0.35;

export type SetName = `wider-${WiderSetting}` | 'dlib';

export interface EvalSet {
  name: SetName;
  iouThr: number;
  gts: Map<string, GroundTruth>;
}

/** The ground truth of every evaluated set, keyed by image path relative to the shared data folder. */
export async function loadDetectionSets(dataDir: string): Promise<EvalSet[]> {
  const [wider, dlib] = await Promise.all([loadWiderSubset(dataDir), loadDlibFaces(dataDir)]);
  const sets: EvalSet[] = WIDER_SETTINGS.map((s) => ({
    name: `wider-${s}` as SetName,
    iouThr: WIDER_IOU,
    gts: new Map(wider.map((w) => [w.key, w.gt[s]])),
  }));
  sets.push({ name: 'dlib', iouThr: DLIB_IOU, gts: new Map(dlib.map((d) => [d.key, d.gt])) });
  return sets;
}

export const setImages = (sets: EvalSet[]): string[] => [...new Set(sets.flatMap((s) => [...s.gts.keys()]))];

export interface SetFigures extends DetectionSummary {
  set: SetName;
  iouThr: number;
  scoreThr: number;
}

/** Recall and false positives of one detector output on every set at every score threshold. */
export function detectionFigures(sets: EvalSet[], dets: Map<string, Detection[]>, scoreThrs = SCORE_THRESHOLDS): SetFigures[] {
  return sets.flatMap((s) =>
    scoreThrs.map((scoreThr) => ({ set: s.name, iouThr: s.iouThr, scoreThr, ...evaluateDetections(s.gts, dets, { scoreThr, iouThr: s.iouThr }) })),
  );
}

/** Run the engine on every image of the sets; detections keyed like the ground truth. */
export async function runDetections(
  pool: InferencePool,
  dataDir: string,
  keys: string[],
  detSize: number,
  log?: (line: string) => void,
): Promise<Map<string, Detection[]>> {
  const faces = await analyzeFiles(
    pool,
    keys.map((k) => path.join(dataDir, k)),
    { detSize, scoreThreshold: DETECTION_RUN_THRESHOLD, nmsThreshold: DETECTION_NMS_THRESHOLD },
    { label: `detect@${detSize}`, log },
  );
  return new Map(keys.map((k, i) => [k, faces[i].map((f) => ({ box: [...f.box] as Detection['box'], score: f.score }))]));
}

export interface ReferenceDetections {
  detSize: number;
  detThreshold: number;
  generator?: string;
  dets: Map<string, Detection[]>;
}

/** Read a reference detections file ({detSize, detThreshold, images: {key: [[x1,y1,x2,y2,score], …]}}); undefined if absent. */
export async function loadReference(file: string): Promise<ReferenceDetections | undefined> {
  if (!existsSync(file)) return undefined;
  const j = JSON.parse(await readFile(file, 'utf8')) as { detSize: number; detThreshold: number; generator?: string; images: Record<string, number[][]> };
  const dets = new Map<string, Detection[]>(
    Object.entries(j.images).map(([k, rows]) => [k, rows.map((r) => ({ box: [r[0], r[1], r[2], r[3]] as Detection['box'], score: r[4] }))]),
  );
  return { detSize: j.detSize, detThreshold: j.detThreshold, generator: j.generator, dets };
}

export interface Agreement {
  scoreThr: number;
  /** Boxes of each side at or above the threshold. */
  ours: number;
  reference: number;
  /** Pairs matched one-to-one (greedy by score, IoU ≥ 0.5). */
  matched: number;
  onlyOurs: number;
  onlyReference: number;
  meanIou: number;
  minIou: number;
  maxScoreDiff: number;
  /** Images where the two sides do not match one-to-one, worst first (at most 10). */
  images: { key: string; onlyOurs: number; onlyReference: number }[];
}

/** Box-level agreement between our detections and the reference (both at ≥ scoreThr). */
export function compareWithReference(ours: Map<string, Detection[]>, ref: Map<string, Detection[]>, keys: string[], scoreThr: number): Agreement {
  let nOurs = 0;
  let nRef = 0;
  let matched = 0;
  let iouSum = 0;
  let minIou = 1;
  let maxScoreDiff = 0;
  const images: Agreement['images'] = [];
  for (const key of keys) {
    const a = (ours.get(key) ?? []).filter((d) => d.score >= scoreThr).sort((x, y) => y.score - x.score);
    const b = (ref.get(key) ?? []).filter((d) => d.score >= scoreThr);
    nOurs += a.length;
    nRef += b.length;
    const used = new Set<number>();
    let m = 0;
    for (const d of a) {
      let best = -1;
      let bestIou = 0.5;
      b.forEach((r, j) => {
        if (used.has(j)) return;
        const o = iou(d.box, r.box);
        if (o >= bestIou) {
          best = j;
          bestIou = o;
        }
      });
      if (best < 0) continue;
      used.add(best);
      m++;
      iouSum += bestIou;
      minIou = Math.min(minIou, bestIou);
      maxScoreDiff = Math.max(maxScoreDiff, Math.abs(d.score - b[best].score));
    }
    matched += m;
    if (m < a.length || m < b.length) images.push({ key, onlyOurs: a.length - m, onlyReference: b.length - m });
  }
  images.sort((x, y) => y.onlyOurs + y.onlyReference - (x.onlyOurs + x.onlyReference));
  return {
    scoreThr,
    ours: nOurs,
    reference: nRef,
    matched,
    onlyOurs: nOurs - matched,
    onlyReference: nRef - matched,
    meanIou: matched ? iouSum / matched : NaN,
    minIou: matched ? minIou : NaN,
    maxScoreDiff,
    images: images.slice(0, 10),
  };
}

export interface DetectionEvalResult {
  detSize: number;
  detector: string;
  images: number;
  ours: SetFigures[];
  reference?: { file: string; generator?: string; detThreshold: number; missingImages: string[]; figures: SetFigures[] };
  agreement?: Agreement[];
  elapsedSec: number;
}

export async function runDetectionEval(opts: {
  pool: InferencePool;
  dataDir: string;
  detSize?: number;
  /** Reference detections file; default server/test/golden/reference-detections-<detSize>.json; null = none. */
  referenceFile?: string | null;
  log?: (line: string) => void;
}): Promise<DetectionEvalResult> {
  const t0 = performance.now();
  const detSize = opts.detSize ?? 640;
  const sets = await loadDetectionSets(opts.dataDir);
  const keys = setImages(sets);
  opts.log?.(`detection: ${keys.length} images, det size ${detSize}`);
  const dets = await runDetections(opts.pool, opts.dataDir, keys, detSize, opts.log);
  const result: DetectionEvalResult = {
    detSize,
    detector: opts.pool.info.detector.file,
    images: keys.length,
    ours: detectionFigures(sets, dets),
    elapsedSec: 0,
  };
  const refFile = opts.referenceFile === undefined ? defaultReferencePath(detSize) : opts.referenceFile;
  const ref = refFile ? await loadReference(refFile) : undefined;
  if (refFile && !ref) opts.log?.(`detection: no reference file at ${refFile}`);
  if (ref) {
    if (ref.detSize !== detSize) throw new Error(`reference ${refFile} is for det size ${ref.detSize}, not ${detSize}`);
    const thrs = SCORE_THRESHOLDS.filter((t) => t >= ref.detThreshold - 1e-9);
    const missing = keys.filter((k) => !ref.dets.has(k));
    if (missing.length) opts.log?.(`detection: reference lacks ${missing.length} image(s), e.g. ${missing[0]}`);
    result.reference = { file: path.relative(process.cwd(), refFile!), generator: ref.generator, detThreshold: ref.detThreshold, missingImages: missing, figures: detectionFigures(sets, ref.dets, thrs) };
    result.agreement = thrs.map((t) => compareWithReference(dets, ref.dets, keys, t));
  }
  result.elapsedSec = (performance.now() - t0) / 1000;
  return result;
}

/** One row per set and score threshold: ours next to the reference. */
export function sideBySide(r: DetectionEvalResult): Record<string, unknown>[] {
  return r.ours.map((o) => {
    const ref = r.reference?.figures.find((f) => f.set === o.set && f.scoreThr === o.scoreThr);
    return {
      set: o.set,
      iou: o.iouThr,
      score: o.scoreThr,
      counted: o.counted,
      images: o.images,
      recall: round(o.recall),
      refRecall: ref ? round(ref.recall) : null,
      fpPerImage: round(o.fpPerImage),
      refFpPerImage: ref ? round(ref.fpPerImage) : null,
      hits: o.hits,
      refHits: ref ? ref.hits : null,
      fp: o.falsePositives,
      refFp: ref ? ref.falsePositives : null,
    };
  });
}

export function detectionReport(r: DetectionEvalResult): Record<string, unknown> {
  return {
    detSize: r.detSize,
    detector: r.detector,
    runThreshold: DETECTION_RUN_THRESHOLD,
    nmsThreshold: DETECTION_NMS_THRESHOLD,
    images: r.images,
    figures: sideBySide(r),
    reference: r.reference && { file: r.reference.file, generator: r.reference.generator, detThreshold: r.reference.detThreshold, missingImages: r.reference.missingImages },
    agreement: r.agreement?.map((a) => ({ ...a, meanIou: round(a.meanIou), minIou: round(a.minIou), maxScoreDiff: round(a.maxScoreDiff, 5) })),
    elapsedSec: round(r.elapsedSec, 1),
  };
}

async function cli(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, { 'det-size': 'number', reference: 'string', 'no-reference': 'boolean', shared: 'string' });
  const shared = flags.shared ? path.resolve(String(flags.shared)) : defaultSharedDir();
  const dataDir = path.join(shared, 'data');
  requireDir(path.join(dataDir, 'detection'), 'detection data');
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const pool = await startEvalPool(evalEngineSettings(shared), false, log);
  try {
    const r = await runDetectionEval({
      pool,
      dataDir,
      detSize: (flags['det-size'] as number | undefined) ?? 640,
      referenceFile: flags['no-reference'] ? null : flags.reference ? path.resolve(String(flags.reference)) : undefined,
      log,
    });
    for (const row of sideBySide(r)) {
      const pct = (x: unknown) => (typeof x === 'number' ? `${(x * 100).toFixed(1)}%` : '-');
      const fp = (x: unknown) => (typeof x === 'number' ? x.toFixed(3) : '-');
      log(
        `${String(row.set).padEnd(12)} iou ${row.iou} score ${row.score}: recall ${pct(row.recall)} (ref ${pct(row.refRecall)}), ` +
          `FP/image ${fp(row.fpPerImage)} (ref ${fp(row.refFpPerImage)})`,
      );
    }
    process.stdout.write(`${JSON.stringify(detectionReport(r), null, 2)}\n`);
    return 0;
  } finally {
    await pool.close();
  }
}

runIfMain(import.meta.url, 'detection-eval', cli);
