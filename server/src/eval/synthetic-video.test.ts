import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_DIR, sharedAvailable } from '../../test/shared-fixtures.js';
import type { Face, RgbImage } from '../engine/types.js';
import { iou } from './detection-metrics.js';
import { randomScenario, shortScenario } from './synthetic-scenarios.js';
import { actorPosition, generateSyntheticVideo, openEngineDetector, validateScenario, type ActorSpec, type SyntheticVideo, type TruthBox } from './synthetic-video.js';
import { seededRandom } from '../util/seeded-random.js';

describe('scenario helpers', () => {
  const actor: ActorSpec = {
    image: 'x.jpg',
    faceHeight: 80,
    keyframes: [{ frame: 10, cx: 0, cy: 100 }, { frame: 20, cx: 100, cy: 100 }, { frame: 30, cx: 100, cy: 0 }],
  };

  it('interpolates positions between keyframes and is absent outside its life', () => {
    expect(actorPosition(actor, 9)).toBeUndefined();
    expect(actorPosition(actor, 10)).toEqual({ cx: 0, cy: 100 });
    expect(actorPosition(actor, 15)).toEqual({ cx: 50, cy: 100 });
    expect(actorPosition(actor, 20)).toEqual({ cx: 100, cy: 100 });
    expect(actorPosition(actor, 27)).toEqual({ cx: 100, cy: 30 });
    expect(actorPosition(actor, 30)).toEqual({ cx: 100, cy: 0 });
    expect(actorPosition(actor, 31)).toBeUndefined();
    expect(actorPosition({ ...actor, keyframes: [{ frame: 5, cx: 1, cy: 2 }] }, 5)).toEqual({ cx: 1, cy: 2 });
  });

  it('rejects scenarios the renderer or encoder cannot honour', () => {
    const ok = shortScenario();
    expect(() => validateScenario(ok)).not.toThrow();
    expect(() => validateScenario({ ...ok, width: 641 })).toThrow(/even/);
    expect(() => validateScenario({ ...ok, actors: [] })).toThrow(/no actors/);
    const backwards = { ...actor, keyframes: [...actor.keyframes].reverse() };
    expect(() => validateScenario({ ...ok, actors: [backwards] })).toThrow(/ascending/);
  });

  it('draws the same random numbers for the same seed', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 100 }, () => a());
    expect(xs).toEqual(Array.from({ length: 100 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(seededRandom(43)()).not.toBe(xs[0]);
  });

  it('builds random scenarios deterministically, with people entering and leaving through the edges', () => {
    const s = randomScenario(7, { actors: 6 });
    expect(randomScenario(7, { actors: 6 })).toEqual(s);
    expect(randomScenario(8, { actors: 6 })).not.toEqual(s);
    expect(() => validateScenario(s)).not.toThrow();
    expect(s.actors).toHaveLength(6);
    for (const a of s.actors) {
      expect(a.faceHeight).toBeGreaterThanOrEqual(60);
      expect(a.faceHeight).toBeLessThanOrEqual(140);
      for (const k of [a.keyframes[0], a.keyframes[a.keyframes.length - 1]]) {
        const outside = k.cx < 0 || k.cx > s.width || k.cy < 0 || k.cy > s.height;
        expect(outside).toBe(true);
        expect(k.frame).toBeGreaterThanOrEqual(0);
        expect(k.frame).toBeLessThan(s.frames);
      }
    }
  });
});

/** All frames of a video as RGB. */
function decodeVideo(file: string, width: number, height: number): RgbImage[] {
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { maxBuffer: 1 << 30 });
  const size = width * height * 3;
  return Array.from({ length: raw.length / size }, (_, i) => ({ data: new Uint8Array(raw.subarray(i * size, (i + 1) * size)), width, height }));
}

describe.skipIf(!sharedAvailable('synthetic video'))('synthetic video on the shared faces', () => {
  const scenario = shortScenario();
  let dir: string;
  let out: SyntheticVideo;
  let frames: RgbImage[];
  const boxesOf = (gtId: number): TruthBox[] => out.truth.boxes.filter((b) => b.gtId === gtId);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'boostface-synthetic-'));
    out = await generateSyntheticVideo(scenario, dir, { sharedDir: SHARED_DIR });
    frames = decodeVideo(out.videoPath, scenario.width, scenario.height);
  }, 60_000);
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('encodes every frame at the scenario size and rate', () => {
    const probe = JSON.parse(
      execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames,width,height,r_frame_rate,pix_fmt', '-of', 'json', out.videoPath], {
        encoding: 'utf8',
      }),
    ).streams[0];
    expect(probe).toMatchObject({ width: 640, height: 480, r_frame_rate: '25/1', pix_fmt: 'yuv420p', nb_read_frames: String(scenario.frames) });
    expect(frames).toHaveLength(scenario.frames);
  });

  it('records actors and boxes that follow the keyframes at the requested face height', () => {
    expect(out.truth.actors.map((a) => a.identity)).toEqual(['Colin_Powell', 'George_W_Bush', 'Tony_Blair']);
    expect(out.truth.background.faces).toEqual([]);
    for (const b of boxesOf(2)) {
      const pos = actorPosition(scenario.actors[1], b.frame)!;
      // The sprite is placed at a whole pixel: the centre is off by at most half a pixel.
      expect(Math.abs((b.box[0] + b.box[2]) / 2 - pos.cx)).toBeLessThanOrEqual(0.51);
      expect(Math.abs((b.box[1] + b.box[3]) / 2 - pos.cy)).toBeLessThanOrEqual(0.51);
      expect(b.box[3] - b.box[1]).toBeCloseTo(120, 0);
    }
  });

  it('marks dropouts, occlusions and faces mostly outside the picture as not required', () => {
    const flags = (gtId: number, fs: number[]) => fs.map((f) => boxesOf(gtId).find((b) => b.frame === f)).map((b) => b && [b.required, b.visible]);
    expect(flags(1, [9, 10, 11, 12, 13])).toEqual([[true, 1], [false, 0], [false, 0], [false, 0], [true, 1]]);
    expect(flags(2, [29, 30, 34, 35])).toEqual([[true, 1], [false, 0], [false, 0], [true, 1]]);
    const blair = boxesOf(3);
    expect(blair[0]).toMatchObject({ frame: 0, required: false });
    expect(blair[0].fullBox![2]).toBeGreaterThan(640);
    expect(blair[0].box[2]).toBe(640);
    expect(blair[blair.length - 1]).toMatchObject({ frame: 39, required: true, visible: 1 });
  });

  it('puts the faces where a detector finds them, and hides what it says is hidden', async () => {
    const engine = await openEngineDetector(SHARED_DIR);
    try {
      const sampled = [0, 11, 20, 32, 39];
      const found = new Map<number, Face[]>();
      for (const f of sampled) found.set(f, await engine.detect(frames[f], {}));
      const bestIou = (b: TruthBox) => Math.max(0, ...found.get(b.frame)!.map((d) => iou(d.box, b.box)));
      const required = out.truth.boxes.filter((b) => sampled.includes(b.frame) && b.required);
      const hits = required.filter((b) => bestIou(b) >= 0.5);
      expect(required.length).toBeGreaterThanOrEqual(10);
      expect(hits.length / required.length).toBeGreaterThanOrEqual(0.9);
      // Dropped-out and occluded faces are really gone.
      for (const b of out.truth.boxes.filter((x) => sampled.includes(x.frame) && x.visible === 0)) expect(bestIou(b)).toBeLessThan(0.3);
      // Nothing else is detected on the sampled frames.
      const extra = sampled.flatMap((f) => found.get(f)!.filter((d) => !out.truth.boxes.some((b) => b.frame === f && iou(d.box, b.box) >= 0.5)));
      expect(extra).toEqual([]);
    } finally {
      await engine.close();
    }
  }, 60_000);
});
