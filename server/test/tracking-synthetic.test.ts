import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessBus } from '../src/bus/in-process-bus.js';
import { videoFrames } from '../src/cameras/video-frames.js';
import { defaultScenario, randomScenario, FACE_PHOTOS } from '../src/eval/synthetic-scenarios.js';
import { generateSyntheticVideo, type Scenario, type SyntheticTruth } from '../src/eval/synthetic-video.js';
import { evaluateTracking, type TrackBox } from '../src/eval/tracking-metrics.js';
import { createRecognition, openCore, type Core } from '../src/main.js';
import type { BusTopics, TrackEvent } from '../src/recognition/track-event.js';
import { SHARED_DIR, SHARED_MODELS, sharedAvailable, sharedData } from './shared-fixtures.js';

const run = sharedAvailable('tracking on synthetic video') ? describe : describe.skip;

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

function trackBoxes(events: TrackEvent[], truth: SyntheticTruth): TrackBox[] {
  const clip = (b: number[]) => [Math.max(0, b[0]), Math.max(0, b[1]), Math.min(truth.width, b[2]), Math.min(truth.height, b[3])] as [number, number, number, number];
  return events.filter((e) => e.kind === 'started' || e.kind === 'updated').map((e) => ({ frame: e.frame, trackId: e.trackId, box: clip(e.box) }));
}

run('tracking on synthetic video', () => {
  let dir: string;
  let core: Core;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-trk-'));
    core = await openCore({ ...process.env, BOOSTFACE_DATA_DIR: path.join(dir, 'data'), BOOSTFACE_MODELS: SHARED_MODELS, BOOSTFACE_UPDATE_MS: '0' }, { log: () => undefined });
  }, 120_000);
  afterAll(async () => {
    await core?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const scenario of [defaultScenario(), randomScenario(1), randomScenario(2)] as Scenario[]) {
    it(`measures ${scenario.name}`, async () => {
      let t0 = performance.now();
      const { videoPath, truth } = await generateSyntheticVideo(scenario, path.join(dir, 'video'), { sharedDir: SHARED_DIR });
      const tGen = performance.now() - t0;
      t0 = performance.now();
      const events = await trackVideo(core, videoPath, scenario.name, scenario.fps);
      const tRun = performance.now() - t0;
      const s = evaluateTracking(truth.boxes, trackBoxes(events, truth), { events: true });
      const { perGt, events: evs, ...rest } = s;
      console.log(scenario.name, `gen ${tGen.toFixed(0)} ms, run ${tRun.toFixed(0)} ms`, JSON.stringify(rest));
      for (const g of perGt) console.log(JSON.stringify(g));
      const switches = evs!.filter((e) => e.type === 'switch');
      console.log('switches', JSON.stringify(switches));
      const fps = evs!.filter((e) => e.type === 'fp');
      console.log('fp', fps.length, JSON.stringify(fps.slice(0, 40)));
      const misses = evs!.filter((e) => e.type === 'miss');
      const byGt = new Map<string, number[]>();
      for (const m of misses) if (m.type === 'miss') byGt.set(String(m.gtId), [...(byGt.get(String(m.gtId)) ?? []), m.frame]);
      for (const [g, fs] of byGt) console.log('miss', g, fs.join(','));
      console.log('actors', truth.actors.map((a) => a.identity).join(','));
      expect(s.gtTrajectories).toBeGreaterThan(0);
    }, 300_000);
  }
});
void FACE_PHOTOS;
void sharedData;
