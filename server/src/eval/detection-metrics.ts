/**
 * Face-detection metrics against annotated boxes, and parsers for the WIDER FACE and dlib annotation files.
 *
 * Matching (per image, VOC/COCO style): detections with score ≥ the threshold are taken in descending score order;
 * each one matches the not-yet-matched counted box with the highest IoU ≥ iouThr (a hit). Failing that, if it overlaps
 * an ignore box with IoU ≥ iouThr it is ignored (neither hit nor false positive; an ignore box may absorb any number of
 * detections, like a COCO crowd region). Otherwise it is a false positive (this includes a second detection on a face
 * that is already matched). Recall = hits / counted boxes; false positives are reported per image.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export type BoxXYXY = [x1: number, y1: number, x2: number, y2: number];

export interface Detection {
  box: BoxXYXY;
  score: number;
}

export interface GroundTruth {
  /** Boxes the setting counts (a miss lowers recall). */
  counted: BoxXYXY[];
  /** Boxes the setting does not count: a detection on one is neither a hit nor a false positive. */
  ignore: BoxXYXY[];
}

export interface ImageMatch {
  hits: number;
  counted: number;
  falsePositives: number;
  ignored: number;
  /** For each counted box, the score of the detection that matched it, or null. */
  matchedScores: (number | null)[];
}

export interface DetectionSummary {
  images: number;
  counted: number;
  hits: number;
  recall: number;
  falsePositives: number;
  fpPerImage: number;
  ignored: number;
}

export function iou(a: BoxXYXY, b: BoxXYXY): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const area = (r: BoxXYXY) => Math.max(0, r[2] - r[0]) * Math.max(0, r[3] - r[1]);
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** Match one image's detections to its ground truth (see the module comment for the rules). */
export function matchImage(dets: Detection[], gt: GroundTruth, opts: { scoreThr: number; iouThr: number }): ImageMatch {
  const kept = dets
    .map((d, i) => ({ d, i }))
    .filter(({ d }) => d.score >= opts.scoreThr)
    .sort((a, b) => b.d.score - a.d.score || a.i - b.i)
    .map(({ d }) => d);
  const matched: (number | null)[] = gt.counted.map(() => null);
  let hits = 0;
  let falsePositives = 0;
  let ignored = 0;
  for (const d of kept) {
    let best = -1;
    let bestIou = opts.iouThr;
    for (let g = 0; g < gt.counted.length; g++) {
      if (matched[g] !== null) continue;
      const o = iou(d.box, gt.counted[g]);
      if (o >= bestIou && (best < 0 || o > bestIou)) {
        best = g;
        bestIou = o;
      }
    }
    if (best >= 0) {
      matched[best] = d.score;
      hits++;
    } else if (gt.ignore.some((b) => iou(d.box, b) >= opts.iouThr)) {
      ignored++;
    } else {
      falsePositives++;
    }
  }
  return { hits, counted: gt.counted.length, falsePositives, ignored, matchedScores: matched };
}

/** Sum per-image matches over a set of images. Images absent from `dets` count as having no detections. */
export function evaluateDetections(
  gts: Map<string, GroundTruth>,
  dets: Map<string, Detection[]>,
  opts: { scoreThr: number; iouThr: number },
): DetectionSummary {
  let counted = 0;
  let hits = 0;
  let falsePositives = 0;
  let ignored = 0;
  for (const [key, gt] of gts) {
    const m = matchImage(dets.get(key) ?? [], gt, opts);
    counted += m.counted;
    hits += m.hits;
    falsePositives += m.falsePositives;
    ignored += m.ignored;
  }
  const images = gts.size;
  return {
    images,
    counted,
    hits,
    recall: counted > 0 ? hits / counted : NaN,
    falsePositives,
    fpPerImage: images > 0 ? falsePositives / images : NaN,
    ignored,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// WIDER FACE

export interface WiderBox {
  box: BoxXYXY;
  /** blur, expression, illumination, invalid, occlusion, pose (official attribute codes). */
  attrs: number[];
}

/**
 * Parse a WIDER FACE bbx_gt file: per image a path line, a count n, then max(n, 1) lines `x1 y1 w h attrs…`
 * (an image with no faces has one all-zero line). Boxes become [x1, y1, x1 + w, y1 + h]. Keys are the path lines.
 */
export function parseWiderGt(text: string): Map<string, WiderBox[]> {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const out = new Map<string, WiderBox[]>();
  let i = 0;
  while (i < lines.length) {
    const name = lines[i++];
    if (name === '') continue;
    const n = Number(lines[i++]);
    if (!Number.isInteger(n) || n < 0) throw new Error(`WIDER gt: bad face count "${lines[i - 1]}" after ${name}`);
    const boxes: WiderBox[] = [];
    for (let k = 0; k < Math.max(n, 1); k++) {
      const v = (lines[i++] ?? '').split(/\s+/).map(Number);
      if (v.length < 4 || v.some((x) => !Number.isFinite(x))) throw new Error(`WIDER gt: bad box line for ${name}`);
      if (n > 0) boxes.push({ box: [v[0], v[1], v[0] + v[2], v[1] + v[3]], attrs: v.slice(4) });
    }
    out.set(name, boxes);
  }
  return out;
}

export type WiderSetting = 'easy' | 'medium' | 'hard';
export const WIDER_SETTINGS: WiderSetting[] = ['easy', 'medium', 'hard'];

/** `wider_val_subset_eval_sets.json`: official image name → setting → 1-based indices of the counted boxes. */
export type WiderEvalSets = Record<string, Record<WiderSetting, number[]>>;

export function parseWiderEvalSets(json: string): WiderEvalSets {
  const parsed = JSON.parse(json) as { images?: WiderEvalSets };
  if (!parsed.images) throw new Error('WIDER eval sets: no "images" object');
  return parsed.images;
}

/** Split an image's boxes into counted and ignore for one setting (boxes not listed are ignore regions). */
export function widerGroundTruth(boxes: WiderBox[], countedIndices1: number[]): GroundTruth {
  const set = new Set(countedIndices1);
  for (const k of set) if (k < 1 || k > boxes.length) throw new Error(`WIDER eval set index ${k} out of range 1..${boxes.length}`);
  return {
    counted: boxes.filter((_, i) => set.has(i + 1)).map((b) => b.box),
    ignore: boxes.filter((_, i) => !set.has(i + 1)).map((b) => b.box),
  };
}

export interface WiderImage {
  /** Path relative to the shared data folder, e.g. detection/wider_face_val_subset/resized_416x416/0--Parade/x.jpg. */
  key: string;
  /** Official WIDER name, e.g. 0--Parade/x.jpg. */
  official: string;
  boxes: WiderBox[];
  /** Ground truth per setting. */
  gt: Record<WiderSetting, GroundTruth>;
}

export const WIDER_DIR = 'detection/wider_face_val_subset';

/**
 * Load the WIDER validation subset: the 103 resized images with the boxes of the resized gt file, and the 2 images at
 * original resolution with the official boxes (the full subset gt file lists all 105 in original coordinates; only the
 * images stored at original resolution take their boxes from it).
 */
export async function loadWiderSubset(dataDir: string): Promise<WiderImage[]> {
  const dir = path.join(dataDir, WIDER_DIR);
  const [resizedText, fullText, setsText] = await Promise.all([
    readFile(path.join(dir, 'wider_face_val_bbx_gt_subset_resized_416.txt'), 'utf8'),
    readFile(path.join(dir, 'wider_face_val_bbx_gt_subset.txt'), 'utf8'),
    readFile(path.join(dir, 'wider_val_subset_eval_sets.json'), 'utf8'),
  ]);
  const sets = parseWiderEvalSets(setsText);
  const out: WiderImage[] = [];
  const add = (stored: string, official: string, boxes: WiderBox[]) => {
    const s = sets[official];
    if (!s) throw new Error(`WIDER eval sets: no entry for ${official}`);
    const gt = Object.fromEntries(WIDER_SETTINGS.map((k) => [k, widerGroundTruth(boxes, s[k] ?? [])])) as Record<WiderSetting, GroundTruth>;
    out.push({ key: `${WIDER_DIR}/${stored}`, official, boxes, gt });
  };
  for (const [stored, boxes] of parseWiderGt(resizedText)) {
    const m = /^resized_416x416\/(.+)$/.exec(stored);
    if (!m) throw new Error(`WIDER resized gt: unexpected path ${stored}`);
    add(stored, m[1], boxes);
  }
  const resized = new Set(out.map((w) => w.official));
  for (const [official, boxes] of parseWiderGt(fullText)) {
    if (resized.has(official)) continue;
    add(`original_resolution/${official}`, official, boxes);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// dlib imglab XML

export interface DlibImage {
  /** File attribute as written in the XML (relative to the XML's folder). */
  file: string;
  boxes: BoxXYXY[];
}

function attr(tag: string, name: string): string | undefined {
  return new RegExp(`\\b${name}\\s*=\\s*(['"])(.*?)\\1`).exec(tag)?.[2];
}

/** Parse dlib imglab XML: `<image file=…>` with `<box top left width height/>` children → [left, top, left+width, top+height]. */
export function parseDlibXml(xml: string): DlibImage[] {
  const noComments = xml.replace(/<!--[\s\S]*?-->/g, '');
  const out: DlibImage[] = [];
  const imageRe = /<image\b([^>]*?)(\/>|>([\s\S]*?)<\/image>)/g;
  for (let m; (m = imageRe.exec(noComments)); ) {
    const file = attr(m[1], 'file');
    if (!file) throw new Error('dlib XML: <image> without file');
    const boxes: BoxXYXY[] = [];
    const boxRe = /<box\b([^>]*?)\/?>/g;
    for (let b; (b = boxRe.exec(m[3] ?? '')); ) {
      if (attr(b[1], 'ignore') === '1') continue;
      const [top, left, width, height] = ['top', 'left', 'width', 'height'].map((k) => Number(attr(b![1], k)));
      if (![top, left, width, height].every(Number.isFinite)) throw new Error(`dlib XML: bad box in ${file}`);
      boxes.push([left, top, left + width, top + height]);
    }
    out.push({ file, boxes });
  }
  return out;
}

export const DLIB_DIR = 'detection/dlib_pascal_voc_faces';

/** The dlib face set: keys relative to the shared data folder (the XML names files; they sit in images/). */
export async function loadDlibFaces(dataDir: string): Promise<{ key: string; gt: GroundTruth }[]> {
  const xml = await readFile(path.join(dataDir, DLIB_DIR, 'training.xml'), 'latin1');
  return parseDlibXml(xml).map((img) => ({
    key: `${DLIB_DIR}/images/${img.file.replace(/^images\//, '')}`,
    gt: { counted: img.boxes, ignore: [] },
  }));
}
