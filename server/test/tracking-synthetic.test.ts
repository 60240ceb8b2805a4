/**
 * Tracking and recognition accuracy through the real live pipeline (inference pool detector → SORT tracker → per-track
 * recognizer) on synthetic videos with ground truth: LFW faces composited over a real background, moving along known
 * paths, crossing, hidden behind each other and behind an occluder, dropping out (src/eval/synthetic-video.ts).
 *
 * Every `started` / `updated` event is the box a client draws on that frame (BOOSTFACE_UPDATE_MS=0: one per matched
 * frame); those boxes are scored against the truth with CLEAR MOT and IDF1 (src/eval/tracking-metrics.ts). The five
 * actors are enrolled from three OTHER photographs each, and every track must carry its actor's name or none.
 * Floors and measured values: docs/tracking.md (figures measured on the 2-core development machine, CPU provider).
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

/** The boxes a client draws: one per started/updated event, on its frame, clipped to the picture like the truth. */
function drawnBoxes(events: TrackEvent[], truth: SyntheticTruth): TrackBox[] {
  const clip = ([x1, y1, x2, y2]: BoxXYXY): BoxXYXY => [Math.max(0, x1), Math.max(0, y1), Math.min(truth.width, x2), Math.min(truth.height, y2)];
  return events.filter((e) => e.kind === 'started' || e.kind === 'updated').map((e) => ({ frame: e.frame, trackId: e.trackId, box: clip(e.box) }));
}

interface TrackOutcome {
  trackId: string;
  /** Ground-truth actor its boxes overlap most often (IoU ≥ 0.5, hidden or clipped faces included); null: none. */
  gtId: number | null;
  boxes: number;
  /** Every name the track carried in any event, and the final one (from `ended`). */
  names: Set<string>;
  finalName: string | null;
}

function trackOutcomes(events: TrackEvent[], boxes: TrackBox[], truth: SyntheticTruth): TrackOutcome[] {
  const truthByFrame = new Map<number, SyntheticTruth['boxes']>();
  for (const b of truth.boxes) truthByFrame.set(b.frame, [...(truthByFrame.get(b.frame) ?? []), b]);
  const votes = new Map<string, Map<number, number>>();
  for (const b of boxes) {
    const best = (truthByFrame.get(b.frame) ?? []).map((g) => ({ g, v: iou(g.box, b.box) })).sort((x, y) => y.v - x.v)[0];
    const perGt = votes.get(String(b.trackId)) ?? new Map<number, number>();
    votes.set(String(b.trackId), perGt);
    if (best && best.v >= 0.5) perGt.set(best.g.gtId, (perGt.get(best.g.gtId) ?? 0) + 1);
  }
  return [...votes.entries()].map(([trackId, perGt]) => {
    const own = events.filter((e) => e.trackId === trackId);
    const top = [...perGt.entries()].sort((a, b) => b[1] - a[1])[0];
    return {
      trackId,
      gtId: top ? top[0] : null,
      boxes: boxes.filter((b) => b.trackId === trackId).length,
      names: new Set(own.flatMap((e) => (e.identity ? [e.identity.name] : []))),
      finalName: own.find((e) => e.kind === 'ended')?.identity?.name ?? null,
    };
  });
}

interface Floors {
  mota: number;
  idf1: number;
  motp: number;
  idSwitches: number;
  /** Most track ids on one ground-truth trajectory. */
  tracksPerActor: number;
  /** Track ids matched to no actor. */
  falseTracks: number;
  mostlyTracked: number;
}

/** Measured on the development machine, less a margin (docs/tracking.md). */
const CASES: { scenario: Scenario; floors: Floors }[] = [
  { scenario: defaultScenario(), floors: { mota: 0.94, idf1: 0.95, motp: 0.9, idSwitches: 1, tracksPerActor: 2, falseTracks: 0, mostlyTracked: 5 } },
  { scenario: randomScenario(6), floors: { mota: 0.94, idf1: 0.95, motp: 0.9, idSwitches: 1, tracksPerActor: 2, falseTracks: 0, mostlyTracked: 5 } },
  { scenario: { ...randomScenario(7, { actors: 8 }), name: 'random8-7' }, floors: { mota: 0.9, idf1: 0.9, motp: 0.9, idSwitches: 2, tracksPerActor: 2, falseTracks: 0, mostlyTracked: 8 } },
  { scenario: { ...randomScenario(12, { actors: 8 }), name: 'random8-12' }, floors: { mota: 0.9, idf1: 0.9, motp: 0.9, idSwitches: 2, tracksPerActor: 2, falseTracks: 0, mostlyTracked: 8 } },
  { scenario: { ...randomScenario(16, { actors: 10 }), name: 'random10-16' }, floors: { mota: 0.9, idf1: 0.9, motp: 0.9, idSwitches: 2, tracksPerActor: 2, falseTracks: 0, mostlyTracked: 8 } },
];

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
      let outcomes: TrackOutcome[];

      beforeAll(async () => {
        const video = await generateSyntheticVideo(scenario, path.join(dir, 'video'), { sharedDir: SHARED_DIR });
        truth = video.truth;
        events = await trackVideo(core, video.videoPath, scenario.name, scenario.fps);
        const boxes = drawnBoxes(events, truth);
        summary = evaluateTracking(truth.boxes, boxes, { events: true });
        outcomes = trackOutcomes(events, boxes, truth);
        const { perGt, events: _e, ...totals } = summary;
        const f3 = (x: number) => x.toFixed(3);
        console.log(
          `${scenario.name}: MOTA ${f3(totals.mota)} MOTP ${f3(totals.motp)} IDF1 ${f3(totals.idf1)} switches ${totals.idSwitches} frag ${totals.fragmentations}` +
            ` fp ${totals.fp} fn ${totals.fn} / ${totals.gtBoxes}, tracks ${totals.trackTrajectories} for ${totals.gtTrajectories} actors,` +
            ` MT ${totals.mostlyTracked} PT ${totals.partiallyTracked} ML ${totals.mostlyLost}; tracks per actor ${perGt.map((g) => g.trackIds.length).join(' ')}`,
        );
        for (const o of outcomes) console.log(`  ${o.trackId} gt ${o.gtId} (${o.gtId && truth.actors[o.gtId - 1].identity}) boxes ${o.boxes} names [${[...o.names]}] final ${o.finalName}`);
      }, 180_000);

      it('follows every actor with few ids and no false tracks (CLEAR MOT, IDF1)', () => {
        expect(summary.gtTrajectories).toBe(truth.actors.length);
        expect(summary.mota).toBeGreaterThanOrEqual(floors.mota);
        expect(summary.motp).toBeGreaterThanOrEqual(floors.motp);
        expect(summary.idf1).toBeGreaterThanOrEqual(floors.idf1);
        expect(summary.idSwitches).toBeLessThanOrEqual(floors.idSwitches);
        expect(summary.mostlyTracked).toBeGreaterThanOrEqual(floors.mostlyTracked);
        for (const g of summary.perGt) expect(g.trackIds.length, `actor ${g.gtId}`).toBeLessThanOrEqual(floors.tracksPerActor);
        expect(outcomes.filter((o) => o.gtId === null).length).toBeLessThanOrEqual(floors.falseTracks);
      });

      it("names each actor's track and never gives a track another actor's name", () => {
        for (const o of outcomes) {
          const actor = o.gtId === null ? null : truth.actors[o.gtId - 1].identity;
          for (const name of o.names) expect(name, `track ${o.trackId} of ${actor}`).toBe(actor);
        }
        for (const a of truth.actors) {
          const longest = outcomes.filter((o) => o.gtId === a.gtId).sort((x, y) => y.boxes - x.boxes)[0];
          expect(longest?.finalName, a.identity).toBe(a.identity);
        }
      });
    });
  }
});
