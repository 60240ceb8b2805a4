import { describe, expect, it } from 'vitest';
import type { Face } from '../engine/types.js';
import type { Sighting } from '../store/sighting-store.js';
import type { TrackEvent } from './track-event.js';
import { TrackRecognizer, type RecognitionPorts } from './track-recognizer.js';

const quality = (faceWidth: number) => ({ detScore: 0.9, interOcular: faceWidth * 0.4, faceWidth, blur: 150, yaw: 0, pitch: 0, roll: 0 });
const face = (x: number, y: number, w = 60, tag = 0): Face => ({
  box: [x, y, x + w, y + w * 1.2],
  score: 0.9,
  landmarks: [[x + 20, y + 25], [x + 40, y + 25], [x + 30, y + 40], [x + 22, y + 55], [x + 38, y + 55]],
  quality: quality(w),
  crop: Uint8Array.of(tag),
});
const frame = (seq: number) => ({ seq, ts: 1000 + seq * 40, image: { width: 640, height: 480, data: new Uint8Array(0) } });

function harness(identify: (tag: number) => { match: { id: string; name: string; score: number } | null; bestScore: number | null }, label?: RecognitionPorts['strangerLabel']) {
  const events: TrackEvent[] = [];
  const sightings: Sighting[] = [];
  const snapshots: string[] = [];
  let strangers = 0;
  const ports: RecognitionPorts = {
    embed: async (crop) => Float32Array.of(crop[0], 1),
    identify: async (e) => identify(e[0]),
    publish: (e) => events.push(e),
    writeSnapshot: async (trackId, ts) => {
      snapshots.push(`${trackId}@${ts}`);
      return { face: `${trackId}-face.jpg`, context: `${trackId}-context.jpg` };
    },
    saveSighting: (s) => void sightings.push(structuredClone(s)),
    strangerLabel: label ?? (() => `Unknown ${++strangers}`),
    onError: (what, err) => {
      throw new Error(`${what}: ${err}`);
    },
  };
  const rec = new TrackRecognizer('cam1', ports, { trackIdPrefix: 'cam1-r1-', tracker: { minHits: 3, maxAge: 2 }, updateIntervalMs: 100 });
  return { rec, events, sightings, snapshots };
}

describe('TrackRecognizer', () => {
  it('starts a track once confirmed, names it, coalesces box updates, ends it with a final sighting', async () => {
    const h = harness(() => ({ match: { id: 'p1', name: 'Ann', score: 0.6 }, bestScore: 0.6 }));
    for (let i = 0; i < 12; i++) {
      h.rec.process(frame(i), [face(100 + i * 3, 100)]);
      await h.rec.idle();
    }
    await h.rec.finish();
    const kinds = h.events.map((e) => `${e.kind}@${e.frame}`);
    expect(kinds[0]).toBe('started@2'); // minHits 3: frames 0, 1, 2
    expect(kinds[1]).toBe('identified@2');
    // 40 ms frames, updates at most every 100 ms: frames 5, 8, 11
    expect(kinds.filter((k) => k.startsWith('updated'))).toEqual(['updated@5', 'updated@8', 'updated@11']);
    expect(kinds.at(-1)).toBe('ended@11');
    const ended = h.events.at(-1)!;
    expect(ended).toMatchObject({ trackId: 'cam1-r1-1', identity: { id: 'p1', name: 'Ann', score: 0.6 }, label: 'Ann', snapshot: { face: 'cam1-r1-1-face.jpg' } });
    expect(ended.box).toEqual([133, 100, 193, 172]);
    const last = h.sightings.at(-1)!;
    expect(last).toMatchObject({ id: 'cam1-r1-1', identityId: 'p1', ended: true, startedAt: 1080, endedAt: 1440, frames: 10 });
    expect(Array.from(last.embedding!)).toEqual([0, 1]);
    expect(h.rec.stats.embeddings).toBe(1); // same quality throughout: one embedding, then periodic re-checks only after 30 frames
    expect(h.snapshots).toEqual(['cam1-r1-1@1080']);
  });

  it('keeps strangers unknown under a stable anonymous label', async () => {
    const h = harness(() => ({ match: null, bestScore: 0.2 }));
    for (let i = 0; i < 5; i++) h.rec.process(frame(i), [face(100, 100), face(400, 100, 60, 1)]);
    await h.rec.finish();
    const ended = h.events.filter((e) => e.kind === 'ended');
    expect(ended.map((e) => [e.trackId, e.label, e.identity, e.score])).toEqual([
      ['cam1-r1-1', 'Unknown 1', null, 0.2],
      ['cam1-r1-2', 'Unknown 2', null, 0.2],
    ]);
    expect(h.events.some((e) => e.kind === 'identified')).toBe(false);
  });

  it('starts a track as "Unknown" while its label is on the way; its later events and its sighting carry the label', async () => {
    let deliver: (label: string) => void = () => undefined;
    const h = harness(() => ({ match: null, bestScore: 0.2 }), () => new Promise<string>((resolve) => (deliver = resolve)));
    for (let i = 0; i < 3; i++) h.rec.process(frame(i), [face(100, 100)]);
    expect(h.events.map((e) => [e.kind, e.label])).toEqual([['started', 'Unknown']]);
    deliver('Unknown 17');
    await h.rec.idle();
    for (let i = 3; i < 9; i++) h.rec.process(frame(i), [face(100, 100)]);
    await h.rec.finish();
    expect(h.events.slice(1).map((e) => e.label)).toEqual(h.events.slice(1).map(() => 'Unknown 17'));
    expect(h.events.at(-1)!.kind).toBe('ended');
    expect(h.sightings.map((x) => x.label)).toEqual(['Unknown 17']);
  });

  it('gives each of two tracks its own decision and keeps embedded faces for enroll-from-track', async () => {
    const h = harness((tag) => (tag === 1 ? { match: { id: 'p2', name: 'Bob', score: 0.5 }, bestScore: 0.5 } : { match: null, bestScore: 0.1 }));
    for (let i = 0; i < 4; i++) h.rec.process(frame(i), [face(100, 100, 60, 0), face(400, 100, 60, 1)]);
    await h.rec.idle();
    expect(h.rec.tracks().map((t) => [t.trackId, t.label])).toEqual([
      ['cam1-r1-1', 'Unknown 1'],
      ['cam1-r1-2', 'Bob'],
    ]);
    for (let i = 4; i < 8; i++) h.rec.process(frame(i), []); // both lost, then ended after maxAge 2
    await h.rec.idle();
    expect(h.rec.tracks()).toEqual([]);
    expect(h.rec.trackFaces('cam1-r1-2')?.map((f) => f.crop[0])).toEqual([1]);
    expect(h.rec.trackFaces('nope')).toBeUndefined();
  });

  it('drops faces without a trackable box and does not embed faces too small to recognize', async () => {
    const h = harness(() => ({ match: { id: 'p1', name: 'Ann', score: 0.6 }, bestScore: 0.6 }));
    const bad: Face = { ...face(0, 0), box: [10, 10, 10, 30] };
    for (let i = 0; i < 5; i++) h.rec.process(frame(i), [face(100, 100, 14), bad]);
    await h.rec.finish();
    expect(h.rec.stats.detections).toBe(5);
    expect(h.rec.stats.embeddings).toBe(0);
    expect(h.events.filter((e) => e.kind === 'ended').map((e) => e.label)).toEqual(['Unknown 1']);
  });
});
