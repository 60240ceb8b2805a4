/**
 * Open-set 1:N identification on the shared labelled face sets, through the product's gallery path: templates are
 * stored in a real EmbeddedGallery (in a temporary directory), probes are searched with the adapter's search() and
 * ranked with rankIdentities(), as EnrollmentService.identifyEmbedding does (k = 20 templates, positive and negative).
 *
 * Protocol (planFolds): per set, people with 2+ images are split in name order into two alternating halves; in fold f
 * half f is enrolled (one image each: the first file, in code-point order, in which a face was found) and the other
 * half is held out. Genuine probes = the enrolled people's other images; impostor probes = every image of the held-out
 * half and of the single-image people. Both folds are run and pooled, so every multi-image person is enrolled once and
 * is an impostor once. Figures: closed-set rank-1/rank-5 of the genuine probes, and TPIR at FPIR = 1% (with its
 * threshold), per set and pooled over the development sets (LFW dev-train subset, TV cast, press photos); the pooled
 * FPIR = 1% threshold is the calibration of DEFAULT_MATCH_THRESHOLD.
 *
 * CLI: node server/dist/eval/identification-eval.js [--sets a,b] [--shared DIR] [--probes]
 * Progress on stderr, figures as JSON on stdout.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readImageFile } from '../engine/image-decode.js';
import { fittedDetSize } from '../engine/scrfd-detector.js';
import type { Face, RgbImage } from '../engine/types.js';
import type { InferencePool } from '../engine/worker-pool.js';
import { EmbeddedGallery } from '../gallery/embedded-gallery.js';
import { templateQuality } from '../gallery/enrollment-policy.js';
import type { Template } from '../gallery/gallery.js';
import { rankIdentities } from '../gallery/identity-ranking.js';
import { DEFAULT_MATCH_THRESHOLD } from '../gallery/match-threshold.js';
import { defaultSharedDir, evalEngineSettings, parseFlags, requireDir, round, runIfMain, startEvalPool } from './eval-common.js';
import { openSetAt, planFolds, rankAccuracy, tpirAtFpir, type OpenSetPoint, type PersonImages, type ProbeOutcome, type TpirAtFpir } from './identification-metrics.js';

export interface IdentificationSet {
  id: string;
  /** Folder of one sub-folder per person, relative to the data folder. Sub-folders starting with "_" are skipped. */
  dir: string;
  /** Detector input size; with fitToImage, the product rule fittedDetSize(image, detSize) (no upscaling of small images). */
  detSize: number;
  fitToImage?: boolean;
  /** Pad the image to this multiple of its size with a black border (centred) before detection: for tight face chips. */
  pad?: number;
  /** Part of the pooled development figures and of the threshold calibration. */
  calibration: boolean;
}

export const IDENTIFICATION_SETS: readonly IdentificationSet[] = [
  { id: 'lfw-devtrain', dir: 'faces/lfw_deepfunneled_devtrain_subset/images', detSize: 320, calibration: true },
  { id: 'tv-cast', dir: 'faces/bbt_cast', detSize: 320, pad: 2, calibration: true },
  { id: 'press-photos', dir: 'faces/face_recognition_examples', detSize: 640, fitToImage: true, calibration: true },
  { id: 'lfw-original', dir: 'faces/lfw_original_krasserm', detSize: 320, calibration: false },
];

/** The FPIR the match threshold is calibrated at. */
export const CALIBRATION_FPIR = 0.01;
/** Templates fetched per search, as EnrollmentService.identifyEmbedding (limit 5 → max(20, 4 × 5)). */
export const SEARCH_K = 20;
const FOLDS = 2;
const IMAGE_EXT = /\.(jpe?g|png|webp)$/i;

export interface ProbeRecord extends ProbeOutcome {
  set: string;
  fold: number;
  person: string;
  /** Image path relative to the set folder. */
  file: string;
  /** Rank-1 identity (person name), when any. */
  top?: string;
}

export interface IdentificationSetFigures {
  set: string;
  dir: string;
  detSize: string;
  pad?: number;
  calibration: boolean;
  people: number;
  multiImagePeople: number;
  singleImagePeople: number;
  images: number;
  facesMissed: { images: number; files: string[] };
  /** Per fold: people enrolled, genuine and impostor probes. */
  folds: { enrolled: number; genuine: number; impostor: number; unenrollable: string[] }[];
  genuineProbes: number;
  impostorProbes: number;
  rank1: number;
  rank5: number;
  tpirAtFpir: TpirAtFpir[];
  /** At the calibrated (pooled development) threshold of this run. */
  atCalibrated?: OpenSetPoint;
  /** At the DEFAULT_MATCH_THRESHOLD constant in the build. */
  atDefault: OpenSetPoint;
}

export interface IdentificationEvalResult {
  detector: string;
  recognizer: string;
  searchK: number;
  sets: IdentificationSetFigures[];
  /** The calibration sets together (absent when none was run). */
  pooled?: {
    sets: string[];
    genuineProbes: number;
    impostorProbes: number;
    rank1: number;
    rank5: number;
    tpirAtFpir: TpirAtFpir[];
    atDefault: OpenSetPoint;
  };
  /** The pooled FPIR = 1% threshold, and that threshold rounded to 3 decimals (up, so FPIR stays ≤ 1%). */
  calibration?: { fpir: number; threshold: number; rounded: number; atRounded: OpenSetPoint };
  defaultMatchThreshold: number;
  probes: ProbeRecord[];
  elapsedSec: number;
}

export interface IdentificationEvalOptions {
  pool: InferencePool;
  /** Shared data folder (…/shared/data). */
  dataDir: string;
  /** Set ids to run (default all of IDENTIFICATION_SETS). */
  sets?: string[];
  /** FPIRs for TPIR@FPIR (default [0.01]; CALIBRATION_FPIR is always included). */
  fpirs?: number[];
  log?: (line: string) => void;
}

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** People (sub-folders not starting with "_") and their image files, relative to the set folder. */
export async function listPeople(setDir: string): Promise<PersonImages[]> {
  const out: PersonImages[] = [];
  for (const d of (await readdir(setDir, { withFileTypes: true })).sort((a, b) => byCodePoint(a.name, b.name))) {
    if (!d.isDirectory() || d.name.startsWith('_')) continue;
    const files = (await readdir(path.join(setDir, d.name), { withFileTypes: true }))
      .filter((f) => f.isFile() && IMAGE_EXT.test(f.name))
      .map((f) => `${d.name}/${f.name}`)
      .sort(byCodePoint);
    if (files.length) out.push({ person: d.name, files });
  }
  return out;
}

/** The image centred on a black canvas `factor` times its size. */
export function padImage(img: RgbImage, factor: number): RgbImage {
  const width = Math.round(img.width * factor);
  const height = Math.round(img.height * factor);
  const data = new Uint8Array(width * height * 3);
  const x0 = Math.floor((width - img.width) / 2);
  const y0 = Math.floor((height - img.height) / 2);
  const row = img.width * 3;
  for (let y = 0; y < img.height; y++) data.set(img.data.subarray(y * row, (y + 1) * row), ((y0 + y) * width + x0) * 3);
  return { data, width, height };
}

/** The main face (insightface max_num rule, maxFaces 1) of each file, with its embedding; undefined where none. */
async function embedSet(pool: InferencePool, set: IdentificationSet, setDir: string, files: string[], log?: (line: string) => void): Promise<Map<string, Face | undefined>> {
  const out = new Map<string, Face | undefined>();
  const t0 = performance.now();
  let lastLog = t0;
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++];
      let img = await readImageFile(path.join(setDir, file));
      if (set.pad && set.pad > 1) img = padImage(img, set.pad);
      const detSize = set.fitToImage ? fittedDetSize(img, set.detSize) : set.detSize;
      const { faces } = await pool.analyze(img, { embed: true, detSize, maxFaces: 1 }, true);
      out.set(file, faces[0]?.embedding ? faces[0] : undefined);
      done++;
      const now = performance.now();
      if (log && (done === files.length || now - lastLog >= 5000)) {
        lastLog = now;
        log(`${set.id}: ${done}/${files.length} images (${(done / ((now - t0) / 1000)).toFixed(1)}/s)`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(pool.size + 2, files.length) }, worker));
  return out;
}

/** Enroll one fold in a fresh EmbeddedGallery and search every probe of it. */
async function runFold(
  set: IdentificationSet,
  plan: ReturnType<typeof planFolds>[number],
  faces: Map<string, Face | undefined>,
  space: { model: string; dim: number },
): Promise<ProbeRecord[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'boostface-ident-'));
  try {
    const gallery = await EmbeddedGallery.open({ dataDir: dir, space });
    try {
      const templates: Template[] = [];
      for (const e of plan.enrolled) {
        const face = faces.get(e.galleryFile)!;
        await gallery.createIdentity({ id: e.person, name: e.person });
        templates.push({
          id: `t:${e.galleryFile}`,
          identityId: e.person,
          embedding: face.embedding!,
          kind: 'positive',
          quality: templateQuality(face.quality!),
          source: e.galleryFile,
          createdAt: Date.now(),
        });
      }
      await gallery.upsertTemplates(templates);
      const probes: ProbeRecord[] = [];
      const search = async (person: string, file: string, genuine: boolean) => {
        const emb = faces.get(file)?.embedding;
        const ranked = emb ? rankIdentities(await gallery.search(emb, SEARCH_K, { kinds: ['positive', 'negative'] })).matches : [];
        const mateRank = genuine ? ranked.findIndex((m) => m.identityId === person) + 1 : 0;
        probes.push({ set: set.id, fold: plan.fold, person, file, genuine, topScore: ranked[0]?.score ?? -Infinity, mateRank, top: ranked[0]?.identityId });
      };
      for (const g of plan.genuine) await search(g.person, g.file, true);
      for (const i of plan.impostor) await search(i.person, i.file, false);
      return probes;
    } finally {
      await gallery.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const uniqueSorted = (xs: number[]) => [...new Set(xs)].sort((a, b) => a - b);

export async function runIdentificationEval(opts: IdentificationEvalOptions): Promise<IdentificationEvalResult> {
  const t0 = performance.now();
  const wanted = opts.sets ?? IDENTIFICATION_SETS.map((s) => s.id);
  const unknown = wanted.filter((id) => !IDENTIFICATION_SETS.some((s) => s.id === id));
  if (unknown.length) throw new Error(`unknown set(s) ${unknown.join(', ')} (known: ${IDENTIFICATION_SETS.map((s) => s.id).join(', ')})`);
  const sets = IDENTIFICATION_SETS.filter((s) => wanted.includes(s.id));
  const fpirs = uniqueSorted([...(opts.fpirs ?? []), CALIBRATION_FPIR]);
  const info = opts.pool.info;
  if (!info.recognizer) throw new Error('identification needs a pool with a recognizer');
  const space = { model: path.basename(info.recognizer.file, '.onnx'), dim: info.recognizer.dim };

  const perSet: { set: IdentificationSet; figures: Omit<IdentificationSetFigures, 'atDefault' | 'atCalibrated'>; probes: ProbeRecord[] }[] = [];
  for (const set of sets) {
    const setDir = path.join(opts.dataDir, set.dir);
    const people = await listPeople(setDir);
    const files = people.flatMap((p) => p.files);
    const detLabel = set.fitToImage ? `fitted to the image, at most ${set.detSize}` : String(set.detSize);
    opts.log?.(`${set.id}: ${people.length} people, ${files.length} images, det size ${detLabel}${set.pad ? `, padded ${set.pad}x` : ''}`);
    const faces = await embedSet(opts.pool, set, setDir, files, opts.log);
    const plans = planFolds(people, (f) => faces.get(f) !== undefined, FOLDS);
    const probes: ProbeRecord[] = [];
    for (const plan of plans) probes.push(...(await runFold(set, plan, faces, space)));
    const missed = files.filter((f) => !faces.get(f));
    perSet.push({
      set,
      probes,
      figures: {
        set: set.id,
        dir: set.dir,
        detSize: detLabel,
        ...(set.pad ? { pad: set.pad } : {}),
        calibration: set.calibration,
        people: people.length,
        multiImagePeople: people.filter((p) => p.files.length >= 2).length,
        singleImagePeople: people.filter((p) => p.files.length < 2).length,
        images: files.length,
        facesMissed: { images: missed.length, files: missed },
        folds: plans.map((p) => ({ enrolled: p.enrolled.length, genuine: p.genuine.length, impostor: p.impostor.length, unenrollable: p.unenrollable })),
        genuineProbes: probes.filter((p) => p.genuine).length,
        impostorProbes: probes.filter((p) => !p.genuine).length,
        rank1: rankAccuracy(probes, 1),
        rank5: rankAccuracy(probes, 5),
        tpirAtFpir: fpirs.map((f) => tpirAtFpir(probes, f)),
      },
    });
    const r1 = perSet[perSet.length - 1].figures;
    opts.log?.(`${set.id}: rank-1 ${(r1.rank1 * 100).toFixed(2)}%, TPIR@FPIR=1% ${(r1.tpirAtFpir.find((t) => t.fpir === CALIBRATION_FPIR)!.tpir * 100).toFixed(2)}% (${r1.genuineProbes} genuine, ${r1.impostorProbes} impostor probes)`);
  }

  const pooledProbes = perSet.filter((s) => s.set.calibration).flatMap((s) => s.probes);
  let pooled: IdentificationEvalResult['pooled'];
  let calibration: IdentificationEvalResult['calibration'];
  if (pooledProbes.some((p) => p.genuine) && pooledProbes.some((p) => !p.genuine)) {
    const tpirs = fpirs.map((f) => tpirAtFpir(pooledProbes, f));
    pooled = {
      sets: perSet.filter((s) => s.set.calibration).map((s) => s.set.id),
      genuineProbes: pooledProbes.filter((p) => p.genuine).length,
      impostorProbes: pooledProbes.filter((p) => !p.genuine).length,
      rank1: rankAccuracy(pooledProbes, 1),
      rank5: rankAccuracy(pooledProbes, 5),
      tpirAtFpir: tpirs,
      atDefault: openSetAt(pooledProbes, DEFAULT_MATCH_THRESHOLD),
    };
    const threshold = tpirs.find((t) => t.fpir === CALIBRATION_FPIR)!.threshold;
    const rounded = Math.ceil(threshold * 1000 - 1e-9) / 1000;
    calibration = { fpir: CALIBRATION_FPIR, threshold, rounded, atRounded: openSetAt(pooledProbes, rounded) };
  }

  return {
    detector: info.detector.file,
    recognizer: info.recognizer.file,
    searchK: SEARCH_K,
    sets: perSet.map((s) => ({
      ...s.figures,
      ...(calibration ? { atCalibrated: openSetAt(s.probes, calibration.threshold) } : {}),
      atDefault: openSetAt(s.probes, DEFAULT_MATCH_THRESHOLD),
    })),
    pooled,
    calibration,
    defaultMatchThreshold: DEFAULT_MATCH_THRESHOLD,
    probes: perSet.flatMap((s) => s.probes),
    elapsedSec: (performance.now() - t0) / 1000,
  };
}

const roundPoint = (p: OpenSetPoint) => ({ ...p, threshold: round(p.threshold), tpir: round(p.tpir), fnir: round(p.fnir), fpir: round(p.fpir) });
const roundTpir = (t: TpirAtFpir) => ({
  ...t,
  threshold: round(t.threshold),
  tpir: round(t.tpir),
  fnir: round(t.fnir),
  achievedFpir: round(t.achievedFpir),
  note: t.impostorsAllowed === 0 ? `only ${t.impostors} impostor probes: this is TPIR at FPIR = 0` : undefined,
});

/** The figures for printing: rounded, per-probe outcomes left out unless asked for. */
export function identificationReport(r: IdentificationEvalResult, withProbes = false): Record<string, unknown> {
  const { probes, ...rest } = r;
  return {
    ...rest,
    sets: r.sets.map((s) => ({
      ...s,
      rank1: round(s.rank1),
      rank5: round(s.rank5),
      tpirAtFpir: s.tpirAtFpir.map(roundTpir),
      atCalibrated: s.atCalibrated && roundPoint(s.atCalibrated),
      atDefault: roundPoint(s.atDefault),
    })),
    pooled: r.pooled && {
      ...r.pooled,
      rank1: round(r.pooled.rank1),
      rank5: round(r.pooled.rank5),
      tpirAtFpir: r.pooled.tpirAtFpir.map(roundTpir),
      atDefault: roundPoint(r.pooled.atDefault),
    },
    calibration: r.calibration && { ...r.calibration, threshold: round(r.calibration.threshold, 6), atRounded: roundPoint(r.calibration.atRounded) },
    elapsedSec: round(r.elapsedSec, 1),
    ...(withProbes
      ? { probes: probes.map((p) => ({ ...p, topScore: Number.isFinite(p.topScore) ? round(p.topScore, 6) : null })) }
      : {}),
  };
}

async function cli(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, { sets: 'string', shared: 'string', probes: 'boolean' });
  const shared = flags.shared ? path.resolve(String(flags.shared)) : defaultSharedDir();
  const dataDir = path.join(shared, 'data');
  const sets = flags.sets ? String(flags.sets).split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  for (const s of IDENTIFICATION_SETS) if (!sets || sets.includes(s.id)) requireDir(path.join(dataDir, s.dir), `set ${s.id}`);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const pool = await startEvalPool(evalEngineSettings(shared), true, log);
  try {
    const r = await runIdentificationEval({ pool, dataDir, sets, log });
    if (r.pooled && r.calibration) {
      const t = r.pooled.tpirAtFpir.find((x) => x.fpir === CALIBRATION_FPIR)!;
      log(
        `pooled (${r.pooled.sets.join(' + ')}): rank-1 ${(r.pooled.rank1 * 100).toFixed(2)}%, TPIR@FPIR=1% ${(t.tpir * 100).toFixed(2)}% ` +
          `at threshold ${r.calibration.threshold.toFixed(4)} (rounded ${r.calibration.rounded.toFixed(3)}), ` +
          `${r.pooled.genuineProbes} genuine / ${r.pooled.impostorProbes} impostor probes, ${r.elapsedSec.toFixed(1)} s`,
      );
    }
    process.stdout.write(`${JSON.stringify(identificationReport(r, flags.probes === true), null, 2)}\n`);
    return 0;
  } finally {
    await pool.close();
  }
}

runIfMain(import.meta.url, 'identification-eval', cli);
