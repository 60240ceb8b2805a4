/**
 * Synthetic face videos with known ground truth, for measuring detection + tracking.
 *
 * Real face photographs (from the shared faces folder) are cut out with a soft elliptical mask and moved over a still
 * frame of a real video along keyframed straight-line paths; frames are composited here as RGB and encoded by ffmpeg
 * (H.264, yuv420p). The ground-truth box of an actor is the box the engine's detector reports on its source photograph,
 * scaled and offset to where the photograph is drawn, so it matches what a detector reports on the video up to the
 * detector's own scale jitter.
 *
 * Frames are numbered from 0. A ground-truth box is written for every frame in which the actor is alive (between its
 * first and last keyframe) and its face box touches the picture; it is clipped to the picture and `required` is false
 * (do-not-care, see tracking-metrics.ts) when less than `minVisible` of the face is visible: outside the picture,
 * under an occluder or a nearer actor, or in a frame where the actor is hidden.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { evalEngineSettings, defaultSharedDir } from './eval-common.js';
import type { BoxXYXY } from './detection-metrics.js';
import type { GtBox } from './tracking-metrics.js';
import { poolConfig } from '../config.js';
import { FaceAnalyzer } from '../engine/face-analyzer.js';
import { readImageFile } from '../engine/image-decode.js';
import { fittedDetSize } from '../engine/scrfd-detector.js';
import type { DetectOptions, Face, RgbImage } from '../engine/types.js';
import { seededRandom } from '../util/seeded-random.js';

export interface Keyframe {
  frame: number;
  /** Centre of the face box in video pixels (may lie outside the picture, for entries and exits). */
  cx: number;
  cy: number;
}

export interface ActorSpec {
  /** Face photograph: a path relative to the shared data folder (e.g. "faces/lfw_original_krasserm/…"), or absolute. */
  image: string;
  /** Height of the detector's face box in video pixels. */
  faceHeight: number;
  /** At least one, ascending frames; positions are interpolated linearly, the actor lives from the first to the last. */
  keyframes: Keyframe[];
  /** Frame ranges [start, end) in which the actor is drawn; default: its whole life. Gaps simulate dropouts. */
  visible?: [number, number][];
  /** Drawing order: a higher depth is nearer the camera and drawn over lower ones (default: index in the list). */
  depth?: number;
}

export interface OccluderSpec {
  box: BoxXYXY;
  /** Frame range [start, end) in which it is drawn; default: always. */
  frames?: [number, number];
  color?: [number, number, number];
}

export interface Scenario {
  name: string;
  width: number;
  height: number;
  fps: number;
  frames: number;
  /** Seeds the pixel noise and the position jitter. */
  seed: number;
  /** Still background: a frame of a video (path relative to the shared data folder, or absolute) at `time` seconds. */
  background: { video: string; time: number };
  actors: ActorSpec[];
  occluders?: OccluderSpec[];
  /** Uniform per-pixel noise amplitude in grey levels, new every frame (default 0). */
  noise?: number;
  /** Uniform random offset of every actor in every frame, in pixels (default 0). */
  jitter?: number;
  /** Visible fraction of a face below which its box is not required (default 0.5). */
  minVisible?: number;
}

export interface TruthActor {
  gtId: number;
  image: string;
  /** Identity: the name of the folder holding the photograph. */
  identity: string;
  faceHeight: number;
  /** The detector's face box and score on the source photograph. */
  sourceBox: BoxXYXY;
  sourceScore: number;
}

export interface TruthBox extends GtBox {
  gtId: number;
  /** Clipped to the picture. */
  box: BoxXYXY;
  required: boolean;
  /** Fraction of the face box visible (inside the picture, drawn, not covered). */
  visible: number;
  /** The face box before clipping, present only when clipping changed it. */
  fullBox?: BoxXYXY;
}

export interface SyntheticTruth {
  scenario: string;
  width: number;
  height: number;
  fps: number;
  frames: number;
  seed: number;
  detector: string;
  background: { video: string; time: number; faces: { box: BoxXYXY; score: number }[] };
  actors: TruthActor[];
  /** Sorted by frame, then gtId. */
  boxes: TruthBox[];
}

/** Must leave the image usable (e.g. InferencePool.analyze without transfer). */
export type DetectFn = (img: RgbImage, opts: DetectOptions) => Promise<Face[]>;

export interface GenerateOptions {
  /** Shared folder holding data/ and models/ (default: ../shared beside the checkout or BOOSTFACE_SHARED). */
  sharedDir?: string;
  /** Face detector; default: the engine's detector (BOOSTFACE_* settings, models from the shared folder). */
  detect?: DetectFn;
  /** Recorded in the truth when `detect` is given. */
  detectorName?: string;
  ffmpeg?: string;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface SyntheticVideo {
  videoPath: string;
  gtPath: string;
  truth: SyntheticTruth;
}

/** Mask ellipse radii as multiples of the face box half-size: wide enough to keep the hair, chin and ears. */
const MASK_RX = 1.5;
const MASK_RY = 1.35;
/** Normalized ellipse radius where the feathered edge starts. */
const MASK_SOLID = 0.78;
/** Visibility is sampled on this many points per side of the face box. */
const VIS_GRID = 12;
const DEFAULT_OCCLUDER_COLOR: [number, number, number] = [96, 96, 100];
/** Detector score threshold for the background check and the source photographs. */
const DETECT_THRESHOLD = 0.5;

/** Face cut-out scaled for one actor: RGB and alpha over its own rectangle, face box relative to that rectangle. */
interface Sprite {
  width: number;
  height: number;
  rgb: Uint8Array;
  alpha: Float32Array;
  face: BoxXYXY;
}

/** Actor centre at a frame, or undefined outside its life. */
export function actorPosition(actor: ActorSpec, frame: number): { cx: number; cy: number } | undefined {
  const k = actor.keyframes;
  if (frame < k[0].frame || frame > k[k.length - 1].frame) return undefined;
  let i = 0;
  while (i < k.length - 1 && k[i + 1].frame < frame) i++;
  const a = k[i];
  const b = k[Math.min(i + 1, k.length - 1)];
  const t = b.frame > a.frame ? (frame - a.frame) / (b.frame - a.frame) : 0;
  return { cx: a.cx + (b.cx - a.cx) * t, cy: a.cy + (b.cy - a.cy) * t };
}

const isDrawn = (actor: ActorSpec, frame: number) => !actor.visible || actor.visible.some(([s, e]) => frame >= s && frame < e);
const occluderActive = (o: OccluderSpec, frame: number) => !o.frames || (frame >= o.frames[0] && frame < o.frames[1]);

export function validateScenario(s: Scenario): void {
  const fail = (msg: string) => {
    throw new Error(`scenario "${s.name}": ${msg}`);
  };
  for (const [k, v] of [['width', s.width], ['height', s.height], ['frames', s.frames], ['fps', s.fps]] as const) {
    if (!(v > 0) || (k !== 'fps' && !Number.isInteger(v))) fail(`${k} must be a positive${k === 'fps' ? '' : ' integer'}, got ${v}`);
  }
  if (s.width % 2 || s.height % 2) fail('width and height must be even (yuv420p)');
  if (s.actors.length === 0) fail('no actors');
  s.actors.forEach((a, i) => {
    if (a.keyframes.length === 0) fail(`actor ${i + 1} has no keyframes`);
    if (a.keyframes.some((k, j) => j > 0 && k.frame <= a.keyframes[j - 1].frame)) fail(`actor ${i + 1}: keyframes must have ascending frames`);
    if (!(a.faceHeight >= 8)) fail(`actor ${i + 1}: faceHeight must be at least 8 px`);
  });
}

function resolveShared(sharedDir: string, p: string): string {
  return path.isAbsolute(p) ? p : path.join(sharedDir, 'data', p);
}

/** One still frame of a video, scaled and centre-cropped to width x height. */
export async function extractFrame(ffmpeg: string, video: string, time: number, width: number, height: number): Promise<RgbImage> {
  const args = ['-v', 'error', '-ss', String(time), '-i', video, '-frames:v', '1'];
  args.push('-vf', `scale=${width}:${height}:force_original_aspect_ratio=increase,crop=${width}:${height}`);
  args.push('-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1');
  const proc = spawn(ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  let stderr = '';
  proc.stdout.on('data', (c: Buffer) => chunks.push(c));
  proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const [code] = (await once(proc, 'close')) as [number | null];
  const data = Buffer.concat(chunks);
  if (code !== 0 || data.length !== width * height * 3) {
    throw new Error(`ffmpeg could not read a ${width}x${height} frame at ${time} s of ${video}: ${stderr.trim() || `exit ${code}`}`);
  }
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height };
}

/** The photograph's main face: the best-scoring one whose centre is nearest the middle (LFW faces are centred). */
function mainFace(faces: Face[], img: RgbImage): Face | undefined {
  const off = (f: Face) => Math.hypot((f.box[0] + f.box[2]) / 2 / img.width - 0.5, (f.box[1] + f.box[3]) / 2 / img.height - 0.5);
  return [...faces].sort((a, b) => off(a) - off(b))[0];
}

/** Scale the photograph so its face box is `faceHeight` tall and cut the masked ellipse around the face. */
async function makeSprite(img: RgbImage, face: BoxXYXY, faceHeight: number): Promise<Sprite> {
  const s = faceHeight / (face[3] - face[1]);
  const sw = Math.max(1, Math.round(img.width * s));
  const sh = Math.max(1, Math.round(img.height * s));
  const scaled = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(sw, sh, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer();
  const [fx1, fy1, fx2, fy2] = [face[0] * (sw / img.width), face[1] * (sh / img.height), face[2] * (sw / img.width), face[3] * (sh / img.height)];
  const ecx = (fx1 + fx2) / 2;
  const ecy = (fy1 + fy2) / 2;
  const rx = ((fx2 - fx1) / 2) * MASK_RX;
  const ry = ((fy2 - fy1) / 2) * MASK_RY;
  const x0 = Math.max(0, Math.floor(ecx - rx));
  const y0 = Math.max(0, Math.floor(ecy - ry));
  const x1 = Math.min(sw, Math.ceil(ecx + rx));
  const y1 = Math.min(sh, Math.ceil(ecy + ry));
  const width = x1 - x0;
  const height = y1 - y0;
  const rgb = new Uint8Array(width * height * 3);
  const alpha = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    rgb.set(scaled.subarray(((y + y0) * sw + x0) * 3, ((y + y0) * sw + x1) * 3), y * width * 3);
    for (let x = 0; x < width; x++) {
      const d = Math.hypot((x + x0 + 0.5 - ecx) / rx, (y + y0 + 0.5 - ecy) / ry);
      const t = Math.min(1, Math.max(0, (1 - d) / (1 - MASK_SOLID)));
      alpha[y * width + x] = t * t * (3 - 2 * t);
    }
  }
  return { width, height, rgb, alpha, face: [fx1 - x0, fy1 - y0, fx2 - x0, fy2 - y0] };
}

interface Placed {
  actor: number;
  sprite: Sprite;
  /** Sprite origin in the picture (integer). */
  x: number;
  y: number;
  drawn: boolean;
}

function drawSprite(frame: Uint8Array, W: number, H: number, p: Placed): void {
  const { sprite: sp } = p;
  const xa = Math.max(0, -p.x);
  const xb = Math.min(sp.width, W - p.x);
  for (let sy = Math.max(0, -p.y); sy < Math.min(sp.height, H - p.y); sy++) {
    for (let sx = xa; sx < xb; sx++) {
      const a = sp.alpha[sy * sp.width + sx];
      if (a <= 0) continue;
      const si = (sy * sp.width + sx) * 3;
      const di = ((sy + p.y) * W + sx + p.x) * 3;
      for (let c = 0; c < 3; c++) frame[di + c] = Math.round(frame[di + c] + (sp.rgb[si + c] - frame[di + c]) * a);
    }
  }
}

function fillBox(frame: Uint8Array, W: number, H: number, box: BoxXYXY, color: [number, number, number]): void {
  const [x1, y1, x2, y2] = [Math.max(0, Math.round(box[0])), Math.max(0, Math.round(box[1])), Math.min(W, Math.round(box[2])), Math.min(H, Math.round(box[3]))];
  for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) frame.set(color, (y * W + x) * 3);
}

/** Fraction of the face box (on a grid of sample points) inside the picture and not covered by occluders or nearer actors. */
function visibleFraction(box: BoxXYXY, W: number, H: number, nearer: Placed[], occluders: BoxXYXY[]): number {
  let seen = 0;
  for (let i = 0; i < VIS_GRID; i++) {
    const py = box[1] + ((i + 0.5) / VIS_GRID) * (box[3] - box[1]);
    for (let j = 0; j < VIS_GRID; j++) {
      const px = box[0] + ((j + 0.5) / VIS_GRID) * (box[2] - box[0]);
      if (px < 0 || py < 0 || px >= W || py >= H) continue;
      if (occluders.some((o) => px >= o[0] && px < o[2] && py >= o[1] && py < o[3])) continue;
      const covered = nearer.some((p) => {
        const sx = Math.floor(px - p.x);
        const sy = Math.floor(py - p.y);
        return sx >= 0 && sy >= 0 && sx < p.sprite.width && sy < p.sprite.height && p.sprite.alpha[sy * p.sprite.width + sx] >= 0.5;
      });
      if (!covered) seen++;
    }
  }
  return seen / (VIS_GRID * VIS_GRID);
}

const round2 = (b: BoxXYXY): BoxXYXY => b.map((v) => Math.round(v * 100) / 100) as BoxXYXY;

/** Open the engine's detector alone (no recognizer) on the calling thread. */
export async function openEngineDetector(sharedDir: string): Promise<{ detect: DetectFn; name: string; close: () => Promise<void> }> {
  const cfg = poolConfig(evalEngineSettings(sharedDir), { recognizer: false });
  const analyzer = await FaceAnalyzer.open({ detector: cfg.detector, session: cfg.session });
  return {
    detect: (img, opts) => analyzer.detector.detect(img, opts),
    name: cfg.detector.spec.file,
    close: () => analyzer.release(),
  };
}

/** Spawn ffmpeg reading raw RGB frames on stdin; `write` respects back-pressure, `finish` waits for the file. */
function startEncoder(ffmpeg: string, s: Scenario, out: string) {
  const args = ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${s.width}x${s.height}`, '-r', String(s.fps), '-i', 'pipe:0'];
  args.push('-c:v', 'libx264', '-preset', 'medium', '-crf', '18', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', out);
  const proc = spawn(ffmpeg, args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  let failure: Error | undefined;
  const closed = new Promise<void>((resolve) => {
    proc.on('error', (err) => {
      failure = err;
      resolve();
    });
    proc.on('close', (code) => {
      if (code !== 0) failure ??= new Error(`ffmpeg failed (exit ${code}): ${stderr.trim()}`);
      resolve();
    });
  });
  // A dying ffmpeg closes its stdin: the write error is reported through `failure` instead.
  proc.stdin.on('error', () => undefined);
  return {
    async write(frame: Uint8Array) {
      if (failure) throw failure;
      if (!proc.stdin.write(frame)) await Promise.race([once(proc.stdin, 'drain'), closed]);
      if (failure) throw failure;
    },
    async finish() {
      proc.stdin.end();
      await closed;
      if (failure) throw failure;
    },
  };
}

/**
 * Render `scenario` to <outDir>/<name>.mp4 and write its ground truth to <outDir>/<name>.gt.json.
 * Deterministic: the same scenario, photographs, detector and ffmpeg give the same truth and pixels.
 */
export async function generateSyntheticVideo(scenario: Scenario, outDir: string, opts: GenerateOptions = {}): Promise<SyntheticVideo> {
  validateScenario(scenario);
  const sharedDir = opts.sharedDir ?? defaultSharedDir();
  const ffmpeg = opts.ffmpeg ?? 'ffmpeg';
  const log = opts.log ?? (() => undefined);
  const { width: W, height: H } = scenario;
  await mkdir(outDir, { recursive: true });
  const videoPath = path.join(outDir, `${scenario.name}.mp4`);
  const gtPath = path.join(outDir, `${scenario.name}.gt.json`);

  const engine = opts.detect ? undefined : await openEngineDetector(sharedDir);
  const detect = opts.detect ?? engine!.detect;
  const detectorName = opts.detectorName ?? engine?.name ?? 'custom';
  let background: RgbImage;
  let backgroundFaces: Face[];
  const actors: TruthActor[] = [];
  const sprites: Sprite[] = [];
  try {
    background = await extractFrame(ffmpeg, resolveShared(sharedDir, scenario.background.video), scenario.background.time, W, H);
    backgroundFaces = await detect(background, { scoreThreshold: DETECT_THRESHOLD });
    const sources = new Map<string, { img: RgbImage; face: Face }>();
    for (const [i, a] of scenario.actors.entries()) {
      let src = sources.get(a.image);
      if (!src) {
        const img = await readImageFile(resolveShared(sharedDir, a.image));
        // The fitted size: a 250 px portrait letterboxed up to 640 can miss its own close-up face.
        const faces = await detect(img, { detSize: fittedDetSize(img, 640), scoreThreshold: DETECT_THRESHOLD });
        const face = mainFace(faces, img);
        if (!face) throw new Error(`no face found in ${a.image}`);
        sources.set(a.image, (src = { img, face }));
      }
      sprites.push(await makeSprite(src.img, src.face.box, a.faceHeight));
      actors.push({
        gtId: i + 1,
        image: a.image,
        identity: path.basename(path.dirname(a.image)),
        faceHeight: a.faceHeight,
        sourceBox: round2(src.face.box),
        sourceScore: Math.round(src.face.score * 1000) / 1000,
      });
    }
  } finally {
    await engine?.close();
  }
  log(`${scenario.name}: ${actors.length} actors, ${scenario.frames} frames ${W}x${H} at ${scenario.fps} fps; detector ${detectorName}`);
  if (backgroundFaces.length > 0) log(`${scenario.name}: warning: the detector finds ${backgroundFaces.length} face(s) in the background`);

  // Nearest last, so that each actor is drawn over the ones behind it.
  const order = scenario.actors.map((a, i) => ({ i, depth: a.depth ?? i })).sort((a, b) => a.depth - b.depth || a.i - b.i).map((o) => o.i);
  const rand = seededRandom(scenario.seed);
  const noise = scenario.noise ?? 0;
  // A fixed table of noise read at a random offset each frame: cheap, and still new noise every frame.
  const noiseTable = noise > 0 ? Int8Array.from({ length: W * H * 3 + 65_537 }, () => Math.round((rand() * 2 - 1) * noise)) : undefined;
  const jitter = scenario.jitter ?? 0;
  const minVisible = scenario.minVisible ?? 0.5;
  const boxes: TruthBox[] = [];
  const encoder = startEncoder(ffmpeg, scenario, videoPath);
  const t0 = performance.now();
  try {
    for (let f = 0; f < scenario.frames; f++) {
      const frame = background.data.slice();
      if (noiseTable) {
        const off = Math.floor(rand() * 65_536);
        for (let p = 0; p < frame.length; p++) frame[p] = Math.min(255, Math.max(0, frame[p] + noiseTable[off + p]));
      }
      const placed: Placed[] = [];
      for (const i of order) {
        const pos = actorPosition(scenario.actors[i], f);
        if (!pos) continue;
        const sp = sprites[i];
        const jx = jitter ? (rand() * 2 - 1) * jitter : 0;
        const jy = jitter ? (rand() * 2 - 1) * jitter : 0;
        const x = Math.round(pos.cx + jx - (sp.face[0] + sp.face[2]) / 2);
        const y = Math.round(pos.cy + jy - (sp.face[1] + sp.face[3]) / 2);
        placed.push({ actor: i, sprite: sp, x, y, drawn: isDrawn(scenario.actors[i], f) });
      }
      const occluders = (scenario.occluders ?? []).filter((o) => occluderActive(o, f));
      for (const p of placed) if (p.drawn) drawSprite(frame, W, H, p);
      for (const o of occluders) fillBox(frame, W, H, o.box, o.color ?? DEFAULT_OCCLUDER_COLOR);
      await encoder.write(frame);

      placed.forEach((p, k) => {
        const full: BoxXYXY = [p.sprite.face[0] + p.x, p.sprite.face[1] + p.y, p.sprite.face[2] + p.x, p.sprite.face[3] + p.y];
        const clipped: BoxXYXY = [Math.max(0, full[0]), Math.max(0, full[1]), Math.min(W, full[2]), Math.min(H, full[3])];
        if (clipped[2] <= clipped[0] || clipped[3] <= clipped[1]) return;
        const nearer = placed.slice(k + 1).filter((q) => q.drawn);
        const visible = p.drawn ? visibleFraction(full, W, H, nearer, occluders.map((o) => o.box)) : 0;
        const clippedChanged = clipped.some((v, j) => v !== full[j]);
        boxes.push({
          frame: f,
          gtId: p.actor + 1,
          box: round2(clipped),
          required: visible >= minVisible,
          visible: Math.round(visible * 1000) / 1000,
          ...(clippedChanged ? { fullBox: round2(full) } : {}),
        });
      });
      if ((f + 1) % 100 === 0) log(`${scenario.name}: frame ${f + 1}/${scenario.frames} (${((f + 1) / ((performance.now() - t0) / 1000)).toFixed(0)} frames/s)`);
    }
  } finally {
    await encoder.finish();
  }
  boxes.sort((a, b) => a.frame - b.frame || a.gtId - b.gtId);

  const truth: SyntheticTruth = {
    scenario: scenario.name,
    width: W,
    height: H,
    fps: scenario.fps,
    frames: scenario.frames,
    seed: scenario.seed,
    detector: detectorName,
    background: {
      ...scenario.background,
      faces: backgroundFaces.map((f) => ({ box: round2(f.box), score: Math.round(f.score * 1000) / 1000 })),
    },
    actors,
    boxes,
  };
  await writeFile(gtPath, JSON.stringify(truth) + '\n');
  log(`${scenario.name}: wrote ${videoPath} and ${gtPath} (${boxes.length} boxes, ${boxes.filter((b) => b.required).length} required)`);
  return { videoPath, gtPath, truth };
}

export async function loadTruth(gtPath: string): Promise<SyntheticTruth> {
  return JSON.parse(await readFile(gtPath, 'utf8')) as SyntheticTruth;
}
