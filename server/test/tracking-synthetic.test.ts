/**
 * Tracking and recognition accuracy through the real live pipeline (inference pool detector → SORT tracker → per-track
 * recognizer) on synthetic videos with ground truth: LFW faces composited over a real background, moving along known
 * paths, crossing, hidden behind each other and behind an occluder, dropping out (src/eval/synthetic-video.ts).
 *
 * Every `started` / `updated` event is the box a client draws on that frame (BOOSTFACE_UPDATE_MS=0: one per matched
 * frame); those boxes are scored against the truth with CLEAR MOT and IDF1 (src/eval/tracking-metrics.ts). The five
 * people are enrolled from three OTHER photographs each: each actor must be named, and no box drawn with another's name.
 * Floors and measured values: docs/tracking.md (measured on the 2-core development machine, CPU provider).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessBus } from '../src/bus/in-process-bus.js';
import { videoFrames } from '../src/cameras/video-frames.js';
import { iou, type BoxXYXY } from '../src/eval/detection-metrics.js';
import { defaultScenario, FACE_PHOTOS, randomScenario } from '../src/eval/synthetic-scenarios.js';
import { generateSyntheticVideo, type Scenario, type SyntheticTruth } from '../src/eval/synthetic-video.js';
import { evaluateTracking, type TrackBox, type TrackingSummary } from '../src/eval/tracking-metrics.js';
import { createRecognition, openCore, type Core } from '../src/main.js';
import type { BusTopics, TrackEvent } from '../src/recognition/track-event.js';
import { SHARED_DIR, SHARED_MODELS, sharedAvailable, sharedData } from './shared-fixtures.js';

const run = sharedAvailable('tracking on synthetic video') ? describe : describe.skip;

/** Gallery photographs: the first three of each person that no scenario composites into a video. */
function galleryPhotos(person: string): string[] {
  const used = new Set(FACE_PHOTOS[person].map((p) => path.basename(p)));
  const dir = sharedData('faces/lfw_original_krasserm', person);
  return fs.readdirSync(dir).filter((f) => !used.has(f)).sort().slice(0, 3).map((f) => path.join(dir, f));
}

/** Every frame of the video through one camera pipeline; all events, after the last track ended. */
async function trackVideo(core: Core, file: string, cameraId: string, fps: number): Promise<TrackEvent[]> {
  const bus = new InProcessBus<BusTopics>();
  const events: TrackEvent[] = [];
  bus.subscribe('trackEvents', (e) => events.push(e));
  const recognition = createRecognition(core, bus, { sightings: false });
  const pipeline = recognition.camera(cameraId, { frameIntervalMs: 1000 / fps });
  for await (const frame of videoFrames(file, { cameraId })) await pipeline.handle(frame);
  await recognition.stopAll();
  return events;
}

/** A box a client draws (one per started/updated event, on its frame), with the actor it shows. */
interface DrawnBox extends TrackBox {
  trackId: string;
  /** The name drawn with it; null while the track is unknown. */
  name: string | null;
  /** The actor whose truth box it overlaps best at IoU ≥ 0.5 (hidden or clipped faces included); null: none. */
  gtId: number | null;
}

function drawnBoxes(events: TrackEvent[], truth: SyntheticTruth): DrawnBox[] {
  const truthByFrame = new Map<number, SyntheticTruth['boxes']>();
  for (const b of truth.boxes) truthByFrame.set(b.frame, [...(truthByFrame.get(b.frame) ?? []), b]);
  // Clipped to the picture, like the truth.
  const clip = ([x1, y1, x2, y2]: BoxXYXY): BoxXYXY => [Math.max(0, x1), Math.max(0, y1), Math.min(truth.width, x2), Math.min(truth.height, y2)];
  return events
    .filter((e) => e.kind === 'started' || e.kind === 'updated')
    .map((e) => {
      const box = clip(e.box);
      const best = (truthByFrame.get(e.frame) ?? []).map((g) => ({ g, v: iou(g.box, box) })).sort((a, b) => b.v - a.v)[0];
      return { frame: e.frame, trackId: e.trackId, box, name: e.identity?.name ?? null, gtId: best && best.v >= 0.5 ? best.g.gtId : null };
    });
}

/** A name on a box that shows someone else (or nobody). */
const wrongName = (d: DrawnBox, truth: SyntheticTruth) => d.name !== null && (d.gtId === null || d.name !== truth.actors[d.gtId - 1].identity);

/** Per track: the actor most of its boxes show (null: none), its box count and its final name (from `ended`). */
function trackSummaries(events: TrackEvent[], drawn: DrawnBox[]) {
  const ids = [...new Set(drawn.map((d) => d.trackId))];
  return ids.map((trackId) => {
    const own = drawn.filter((d) => d.trackId === trackId);
    const count = new Map<number | null, number>();
    for (const d of own) count.set(d.gtId, (count.get(d.gtId) ?? 0) + 1);
    const gtId = [...count.entries()].sort((a, b) => b[1] - a[1])[0][0];
    const finalName = events.find((e) => e.trackId === trackId && e.kind === 'ended')?.identity?.name ?? null;
    return { trackId, gtId, boxes: own.length, finalName };
  });
}

interface Floors {
  mota: number;
  idf1: number;
  motp: number;
  idSwitches: number;
  /** Most track ids on one ground-truth trajectory. */
  tracksPerActor: number;
  /** Tracks whose boxes mostly show no actor. */
  falseTracks: number;
  mostlyTracked: number;
  /** Drawn boxes labelled with another actor's name (a track carried from one person onto another keeps its name). */
  wrongNames: number;
  /**
   * Per actor, the fraction of its drawn boxes that carry its name (the first embedding takes a few frames), and its
   * main track ends with its name; 0: not checked.
   */
  named: number;
}

const crowd = (seed: number, actors: number): Scenario => ({ ...randomScenario(seed, { actors }), name: `random${actors}-${seed}` });

/**
 * Floors: the figures measured on the development machine (docs/tracking.md), less a margin. The first two clips
 * always run (about 45 s on 2 cores); the crowded ones (2 more minutes) with BOOSTFACE_TRACKING_EXTENDED=1.
 */
const BASE: { scenario: Scenario; floors: Floors }[] = [
  // Measured: MOTA 0.965, MOTP 0.946, IDF1 0.982, no switch, one id per actor, no wrong name, named ≥ 0.99.
  { scenario: defaultScenario(), floors: { mota: 0.94, motp: 0.92, idf1: 0.95, idSwitches: 1, tracksPerActor: 2, falseTracks: 0, mostlyTracked: 5, wrongNames: 0, named: 0.85 } },
  // Measured: MOTA 0.968, MOTP 0.948, IDF1 0.984, no switch, one id per actor, no wrong name, named ≥ 0.94.
  { scenario: randomScenario(6), floors: { mota: 0.94, motp: 0.92, idf1: 0.95, idSwitches: 1, tracksPerActor: 2, falseTracks: 0, mostlyTracked: 5, wrongNames: 0, named: 0.85 } },
];

/**
 * Crowds: 8 and 10 people. Where a face comes out from behind another one where that one was, SORT can carry the
 * track over to it, and the track keeps its name (a known weakness, docs/tracking.md): wrong-name boxes are bounded
 * here, not forbidden, and name coverage is not checked (named 0).
 */
const EXTENDED: { scenario: Scenario; floors: Floors }[] = [
  // Measured: MOTA 0.929, IDF1 0.952, 1 switch, 13 wrong-name boxes of 640.
  { scenario: crowd(7, 8), floors: { mota: 0.9, motp: 0.92, idf1: 0.92, idSwitches: 2, tracksPerActor: 2, falseTracks: 0, mostlyTracked: 8, wrongNames: 30, named: 0 } },
  // Measured: MOTA 0.933, IDF1 0.931, 1 switch, 61 wrong-name boxes of 808.
  { scenario: crowd(12, 8), floors: { mota: 0.9, motp: 0.92, idf1: 0.9, idSwitches: 2, tracksPerActor: 2, falseTracks: 0, mostlyTracked: 8, wrongNames: 45, named: 0 } },
  // Measured: MOTA 0.953, IDF1 0.916, no switch but one track carried from one person to another, 60 wrong of 945.
  { scenario: crowd(16, 10), floors: { mota: 0.92, motp: 0.92, idf1: 0.89, idSwitches: 2, tracksPerActor: 2, falseTracks: 0, mostlyTracked: 10, wrongNames: 20, named: 0 } },
];

const CASES = process.env.BOOSTFACE_TRACKING_EXTENDED === '1' ? [...BASE, ...EXTENDED] : BASE;

run('tracking and recognition on synthetic video with ground truth', () => {
  let dir: string;
  let core: Core;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-tracking-'));
    core = await openCore(
      { ...process.env, BOOSTFACE_DATA_DIR: path.join(dir, 'data'), BOOSTFACE_MODELS: SHARED_MODELS, BOOSTFACE_UPDATE_MS: '0' },
      { log: () => undefined },
    );
    for (const person of Object.keys(FACE_PHOTOS)) {
      const images = galleryPhotos(person).map((f) => ({ name: f, bytes: new Uint8Array(fs.readFileSync(f)) }));
      const { identity, results } = await core.enrollment.enroll({ name: person }, images);
      expect(identity?.name, person).toBe(person);
      expect(results.filter((r) => r.status === 'accepted').length, person).toBeGreaterThanOrEqual(2);
    }
  }, 120_000);

  afterAll(async () => {
    await core?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const { scenario, floors } of CASES) {
    describe(scenario.name, () => {
      let truth: SyntheticTruth;
      let events: TrackEvent[];
      let summary: TrackingSummary;
      let drawn: DrawnBox[];
      let tracks: ReturnType<typeof trackSummaries>;

      beforeAll(async () => {
        const video = await generateSyntheticVideo(scenario, path.join(dir, 'video'), { sharedDir: SHARED_DIR });
        truth = video.truth;
        events = await trackVideo(core, video.videoPath, scenario.name, scenario.fps);
        drawn = drawnBoxes(events, truth);
        summary = evaluateTracking(truth.boxes, drawn);
        tracks = trackSummaries(events, drawn);
        const s = summary;
        const f3 = (x: number) => x.toFixed(3);
        const wrong = drawn.filter((d) => wrongName(d, truth)).length;
        const named = truth.actors.map((a) => {
          const own = drawn.filter((d) => d.gtId === a.gtId);
          return own.filter((d) => d.name === a.identity).length / own.length;
        });
        console.log(
          `${scenario.name}: MOTA ${f3(s.mota)} MOTP ${f3(s.motp)} IDF1 ${f3(s.idf1)} switches ${s.idSwitches} fragmentations ${s.fragmentations}` +
            ` fp ${s.fp} fn ${s.fn} of ${s.gtBoxes}, ${s.trackTrajectories} tracks for ${s.gtTrajectories} actors (ids per actor ${s.perGt.map((g) => g.trackIds.length).join(' ')}),` +
            ` MT ${s.mostlyTracked} PT ${s.partiallyTracked} ML ${s.mostlyLost}; wrong names ${wrong} of ${drawn.length} boxes, named ${named.map((x) => x.toFixed(2)).join(' ')}`,
        );
      }, 180_000);

      it('follows every actor with few ids and no false tracks (CLEAR MOT, IDF1)', () => {
        expect(summary.gtTrajectories).toBe(truth.actors.length);
        expect(summary.mota).toBeGreaterThanOrEqual(floors.mota);
        expect(summary.motp).toBeGreaterThanOrEqual(floors.motp);
        expect(summary.idf1).toBeGreaterThanOrEqual(floors.idf1);
        expect(summary.idSwitches).toBeLessThanOrEqual(floors.idSwitches);
        expect(summary.mostlyTracked).toBeGreaterThanOrEqual(floors.mostlyTracked);
        for (const g of summary.perGt) expect(g.trackIds.length, `ids on actor ${g.gtId}`).toBeLessThanOrEqual(floors.tracksPerActor);
        expect(tracks.filter((t) => t.gtId === null).length).toBeLessThanOrEqual(floors.falseTracks);
      });

      it("names each actor and draws no box with another actor's name", () => {
        expect(drawn.filter((d) => wrongName(d, truth)).length).toBeLessThanOrEqual(floors.wrongNames);
        if (floors.named === 0) return;
        for (const a of truth.actors) {
          const own = drawn.filter((d) => d.gtId === a.gtId);
          expect(own.filter((d) => d.name === a.identity).length / own.length, a.identity).toBeGreaterThanOrEqual(floors.named);
          // The actor's main track ends with the actor's name.
          const main = tracks.filter((t) => t.gtId === a.gtId).sort((x, y) => y.boxes - x.boxes)[0];
          expect(main?.finalName, a.identity).toBe(a.identity);
        }
      });
    });
  }
});
