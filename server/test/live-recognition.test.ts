/**
 * Live recognition on real video with real models: hamilton_whitehouse_clip.mp4 with the face_recognition_examples
 * people enrolled. What is on screen (checked by eye on the frames): Lin-Manuel Miranda on stage, then an audience
 * shot, then Lin-Manuel Miranda in close-up; after the last cut (7.1 s) the audience with Barack Obama in profile
 * (face box about x 314-390) beside Michelle Obama (not enrolled, x 382-460). opera_arcade_walkers.mp4 shows only people
 * nobody enrolled.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessBus } from '../src/bus/in-process-bus.js';
import { videoFrames } from '../src/cameras/video-frames.js';
import { readImageFile } from '../src/engine/image-decode.js';
import { createRecognition, openCore, type Core } from '../src/main.js';
import type { BusTopics, TrackEvent } from '../src/recognition/track-event.js';
import { REPO_ROOT, SHARED_MODELS, sharedAvailable, sharedData } from './shared-fixtures.js';

const run = sharedAvailable('live recognition') ? describe : describe.skip;
const HAMILTON = sharedData('video/hamilton_whitehouse_clip.mp4');
const OPERA = sharedData('video/opera_arcade_walkers.mp4');
const GALLERY = sharedData('faces/face_recognition_examples');
/** The last cut falls between 7007 ms (last close-up frame) and 7040 ms. */
const LAST_CUT_MS = 7020;

async function trackVideo(core: Core, file: string, cameraId: string): Promise<TrackEvent[]> {
  const bus = new InProcessBus<BusTopics>();
  const events: TrackEvent[] = [];
  bus.subscribe('trackEvents', (e) => events.push(e));
  const recognition = createRecognition(core, bus);
  const pipeline = recognition.camera(cameraId, { frameIntervalMs: 1000 / 30 });
  let start: number | undefined;
  for await (const frame of videoFrames(file, { cameraId })) {
    start ??= frame.ts;
    await pipeline.handle({ ...frame, ts: frame.ts });
  }
  await recognition.stopAll();
  // Times relative to the video start, for the assertions.
  return events.map((e) => ({ ...e, ts: e.ts - start! }));
}

/** Per track: its final decision (from `ended`), first and last time, box centres. */
function summarize(events: TrackEvent[]) {
  const tracks = new Map<string, { name: string | null; from: number; to: number; xs: number[] }>();
  for (const e of events) {
    const t = tracks.get(e.trackId) ?? { name: null, from: e.ts, to: e.ts, xs: [] };
    t.from = Math.min(t.from, e.ts);
    t.to = Math.max(t.to, e.ts);
    t.xs.push((e.box[0] + e.box[2]) / 2);
    if (e.kind === 'ended') t.name = e.identity?.name ?? null;
    tracks.set(e.trackId, t);
  }
  return [...tracks.entries()].map(([id, t]) => ({ id, ...t }));
}

run('live recognition on real video', () => {
  let dir: string;
  let core: Core;
  let hamilton: TrackEvent[];
  let closed = false;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-live-'));
    core = await openCore({ ...process.env, BOOSTFACE_DATA_DIR: dir, BOOSTFACE_MODELS: SHARED_MODELS }, { log: () => undefined });
    for (const person of fs.readdirSync(GALLERY).filter((p) => !p.startsWith('_')).sort()) {
      const files = fs.readdirSync(path.join(GALLERY, person)).map((f) => path.join(GALLERY, person, f));
      const images = files.map((f) => ({ name: f, bytes: new Uint8Array(fs.readFileSync(f)) }));
      const { identity } = await core.enrollment.enroll({ name: person }, images);
      expect(identity, person).not.toBeNull();
    }
    hamilton = await trackVideo(core, HAMILTON, 'hamilton');
  }, 300_000);

  afterAll(async () => {
    if (!closed) await core?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('names the Obama and Lin-Manuel Miranda tracks and nobody else', () => {
    const tracks = summarize(hamilton);
    const named = tracks.filter((t) => t.name);
    expect(new Set(named.map((t) => t.name))).toEqual(new Set(['barack_obama', 'lin_manuel_miranda']));
    for (const t of named.filter((x) => x.name === 'barack_obama')) {
      expect(t.from, 'Obama only after the last cut').toBeGreaterThanOrEqual(LAST_CUT_MS);
      for (const x of t.xs) expect(x, 'Obama face position').toBeGreaterThan(330), expect(x).toBeLessThan(365);
    }
    for (const t of named.filter((x) => x.name === 'lin_manuel_miranda')) expect(t.to, 'Lin-Manuel Miranda only before the last cut').toBeLessThan(LAST_CUT_MS);
    // Every other track stays unknown under its own anonymous label.
    const unknown = tracks.filter((t) => !t.name);
    expect(unknown.length).toBeGreaterThanOrEqual(8);
    const labels = new Set(hamilton.filter((e) => e.kind === 'ended' && !e.identity).map((e) => e.label));
    expect(labels.size).toBe(unknown.length);
    for (const l of labels) expect(l).toMatch(/^Unknown \d+$/);
  });

  it('emits a consistent event stream: started first, ended last, identified only with a name', () => {
    const byTrack = new Map<string, TrackEvent[]>();
    for (const e of hamilton) byTrack.set(e.trackId, [...(byTrack.get(e.trackId) ?? []), e]);
    for (const [id, evs] of byTrack) {
      expect(evs[0].kind, id).toBe('started');
      expect(evs.at(-1)!.kind, id).toBe('ended');
      expect(evs.filter((e) => e.kind === 'ended')).toHaveLength(1);
      for (let i = 1; i < evs.length; i++) expect(evs[i].frame).toBeGreaterThanOrEqual(evs[i - 1].frame);
    }
    for (const e of hamilton.filter((x) => x.kind === 'identified')) expect(e.identity?.score).toBeGreaterThanOrEqual(core.matchThreshold);
  });

  it('stores a sighting with snapshots per track, searchable by face', async () => {
    const ended = hamilton.filter((e) => e.kind === 'ended');
    expect(await core.sightings.count()).toBe(ended.length);
    const obama = (await core.sightings.list({ identityId: ended.find((e) => e.identity?.name === 'barack_obama')!.identity!.id })).items;
    expect(obama.length).toBeGreaterThanOrEqual(1);
    expect(fs.existsSync(core.snapshots.resolve(obama[0].faceSnapshot!))).toBe(true);
    expect(fs.existsSync(core.snapshots.resolve(obama[0].contextSnapshot!))).toBe(true);
    // "Where was this face seen" searches the sightings' own embeddings (no enrollment involved): in a photo of Obama
    // and Biden, Obama's face finds his sighting, Biden's (never on camera) finds nothing.
    const photo = await readImageFile(sharedData('faces/face_recognition_examples/_scenes/obama_and_biden.jpg'));
    const { faces } = await core.pool.analyze(photo, { embed: true });
    const found = await Promise.all(faces.map(async (f) => (await core.sightings.searchByFace(f.embedding!, { threshold: core.matchThreshold, limit: 3 })).map((h) => h.sighting.identityName)));
    expect(found.filter((names) => names.length > 0)).toEqual([['barack_obama']]);
    expect(faces.length).toBeGreaterThanOrEqual(2);
  });

  it('enrolls a stranger from a track, who is then named on the next pass', async () => {
    // Michelle Obama: the unknown track right of Obama after the last cut.
    const tracks = summarize(hamilton);
    const michelle = tracks.find((t) => !t.name && t.from >= LAST_CUT_MS && t.xs.every((x) => x > 400 && x < 440))!;
    expect(michelle).toBeDefined();
    const bus = new InProcessBus<BusTopics>();
    const recognition = createRecognition(core, bus);
    // The track's faces live in the recognition that tracked it; track the clip once more and enroll from that run.
    const events: TrackEvent[] = [];
    bus.subscribe('trackEvents', (e) => events.push(e));
    const pipeline = recognition.camera('hamilton', { frameIntervalMs: 1000 / 30 });
    let start: number | undefined;
    for await (const frame of videoFrames(HAMILTON, { cameraId: 'hamilton' })) {
      start ??= frame.ts;
      await pipeline.handle(frame);
      if (frame.ts - start > LAST_CUT_MS + 1500) break;
    }
    await recognition.idle();
    const live = recognition.tracks('hamilton').find((t) => (t.box[0] + t.box[2]) / 2 > 400 && (t.box[0] + t.box[2]) / 2 < 440);
    expect(live, 'Michelle Obama track on the second pass').toBeDefined();
    const { identity, results } = await recognition.enrollFromTrack(live!.trackId, { name: 'Michelle Obama' });
    expect(identity?.name).toBe('Michelle Obama');
    expect(results.filter((r) => r.status === 'accepted').length).toBeGreaterThanOrEqual(1);
    await recognition.stopAll();
    const third = summarize(await trackVideo(core, HAMILTON, 'hamilton-3'));
    const named = third.filter((t) => t.name === 'Michelle Obama');
    expect(named.length).toBeGreaterThanOrEqual(1);
    for (const t of named) expect(t.from).toBeGreaterThanOrEqual(LAST_CUT_MS);
    expect(third.filter((t) => t.name === 'barack_obama').length).toBeGreaterThanOrEqual(1);
  });

  it('boostface track: nobody enrolled walks through the opera arcade, so no track gets a name', async () => {
    // The CLI is another process: it needs the data directory's gallery lock.
    await core.close();
    closed = true;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.join(REPO_ROOT, 'server/bin/boostface.js'), 'track', '--data-dir', dir, '--no-sightings', OPERA],
      { env: { ...process.env, BOOSTFACE_MODELS: SHARED_MODELS }, maxBuffer: 64 << 20 },
    );
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
    const ended = lines.filter((l) => l.kind === 'ended');
    expect(ended.length).toBeGreaterThanOrEqual(5);
    expect(lines.every((l) => l.identity === null)).toBe(true);
    expect(Object.keys(lines[0]).sort()).toEqual(['box', 'camera', 'frame', 'identity', 'kind', 'label', 'score', 'track', 'ts']);
    expect(lines[0]).toMatchObject({ kind: 'started', camera: 'opera_arcade_walkers.mp4' });
    expect(Math.max(...lines.map((l) => l.ts))).toBeLessThanOrEqual(4200);
  }, 120_000);
});
