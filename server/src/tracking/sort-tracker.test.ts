import { describe, expect, it } from 'vitest';
import type { Box } from '../engine/types.js';
import { iou, iouMatrix, linearAssignment } from './assignment.js';
import { matrix } from './matrix.js';
import { seededRandom } from '../util/seeded-random.js';
import { isTrackableBox, SortTracker, type Detection, type TrackerUpdate } from './sort-tracker.js';

const face = (cx: number, cy: number, size = 60): Box => [cx - size / 2, cy - size / 2, cx + size / 2, cy + size / 2];
const det = (box: Box, payload = ''): Detection<string> => ({ box, score: 0.9, payload });
const stateOf = (u: TrackerUpdate<string>, id: number) => u.tracks.find((t) => t.id === id)?.state;

describe('SortTracker', () => {
  it('follows one face moving linearly under one id, confirmed after minHits, with a converging estimate', () => {
    const tracker = new SortTracker<string>();
    const truth = (k: number) => face(100 + 6 * k, 300 - 2 * k, 80);
    let u!: TrackerUpdate<string>;
    for (let k = 0; k < 40; k++) {
      u = tracker.update([det(truth(k), `frame ${k}`)]);
      expect(u.assignments).toEqual([1]);
      expect(u.tracks).toHaveLength(1);
      expect(u.tracks[0].state).toBe(k < 2 ? 'tentative' : 'confirmed');
      expect(u.confirmed).toEqual(k === 2 ? [1] : []);
      expect(u.tracks[0].matched).toBe(true);
      expect(u.tracks[0].last.payload).toBe(`frame ${k}`);
    }
    const t = u.tracks[0];
    expect([t.hits, t.age, t.missed]).toEqual([40, 40, 0]);
    t.box.forEach((v, i) => expect(Math.abs(v - truth(39)[i])).toBeLessThan(0.05));
    expect(t.velocity[0]).toBeCloseTo(6, 2);
    expect(t.velocity[1]).toBeCloseTo(-2, 2);
  });

  it('keeps ids through a crossing when velocities are consistent (the last boxes alone would swap them)', () => {
    // A moves right, B left, 20 px a frame, B 10 px lower; they pass each other around frame 7-8.
    const a = (k: number) => face(100 + 20 * k, 100);
    const b = (k: number) => face(400 - 20 * k, 110);
    // At frame 8 each detection overlaps the other face's previous box more than its own: no prediction, no luck.
    expect(iou(a(7), b(8))).toBeGreaterThan(iou(a(7), a(8)));
    expect(iou(b(7), a(8))).toBeGreaterThan(iou(b(7), b(8)));

    const tracker = new SortTracker<string>();
    for (let k = 0; k < 16; k++) {
      // Alternate the detection order so the ids cannot follow the indices.
      const flip = k % 2 === 1;
      const u = tracker.update(flip ? [det(b(k), 'B'), det(a(k), 'A')] : [det(a(k), 'A'), det(b(k), 'B')]);
      const [idA, idB] = flip ? [u.assignments[1], u.assignments[0]] : u.assignments;
      expect([idA, idB], `frame ${k}`).toEqual([1, 2]);
    }
  });

  it('recovers a face after a short occlusion under the same id', () => {
    const tracker = new SortTracker<string>();
    const at = (k: number) => face(200 + 4 * k, 200);
    for (let k = 0; k < 10; k++) tracker.update([det(at(k))]);
    const first = tracker.update([]);
    expect(first.lost).toEqual([1]);
    expect(first.tracks.map((t) => [t.id, t.state, t.missed, t.matched])).toEqual([[1, 'lost', 1, false]]);
    // While lost the estimate keeps moving with the face.
    expect(first.tracks[0].box[0]).toBeCloseTo(at(10)[0], 0);
    for (let k = 11; k < 15; k++) {
      const u = tracker.update([]);
      expect(u.lost).toEqual([]);
      expect(stateOf(u, 1)).toBe('lost');
    }
    const back = tracker.update([det(at(15), 'back')]);
    expect(back.assignments).toEqual([1]);
    expect(back.recovered).toEqual([1]);
    expect(back.confirmed).toEqual([]);
    expect(back.tracks[0]).toMatchObject({ id: 1, state: 'confirmed', missed: 0, sinceMatch: 0, hits: 11, age: 16 });
  });

  it('keeps a lost face at its last size, so that it is recovered after its boxes shrank', () => {
    // A face walking right at 4 px per frame turns away: its boxes shrink from 80 to 56 px in 4 frames, then it is not
    // detected for 8 frames and comes back at 64 px. Extrapolating the shrink would have collapsed the box.
    const tracker = new SortTracker<string>();
    const area = ([x1, y1, x2, y2]: Box) => (x2 - x1) * (y2 - y1);
    for (let k = 0; k < 10; k++) tracker.update([det(face(200 + 4 * k, 200, 80))]);
    for (let k = 10; k < 14; k++) tracker.update([det(face(200 + 4 * k, 200, 80 - 6 * (k - 9)))]);
    let u = tracker.update([]);
    const firstMiss = area(u.tracks[0].box);
    for (let k = 15; k < 22; k++) u = tracker.update([]);
    expect(area(u.tracks[0].box)).toBeCloseTo(firstMiss, 6);
    expect(u.tracks[0].box[0]).toBeGreaterThan(200 + 4 * 21 - 40);
    const back = tracker.update([det(face(200 + 4 * 22, 200, 64))]);
    expect(back.assignments).toEqual([1]);
    expect(back.recovered).toEqual([1]);
  });

  it('ends a track after more than maxAge missed steps; the face comes back under a new id', () => {
    const tracker = new SortTracker<string>({ maxAge: 3 });
    for (let k = 0; k < 5; k++) tracker.update([det(face(200, 200))]);
    for (let miss = 1; miss <= 3; miss++) expect(stateOf(tracker.update([]), 1)).toBe('lost');
    const gone = tracker.update([]);
    expect(gone.tracks).toEqual([]);
    expect(gone.ended.map((t) => [t.id, t.state, t.missed, t.wasConfirmed])).toEqual([[1, 'ended', 4, true]]);
    const again = tracker.update([det(face(200, 200))]);
    expect(again.assignments).toEqual([2]);
    expect(again.tracks[0].state).toBe('tentative');
  });

  it('ends lost tracks by time with maxAgeMs, counting dropped frames', () => {
    const tracker = new SortTracker<string>({ maxAgeMs: 200, frameIntervalMs: 40 }); // 5 frame intervals
    for (let k = 0; k < 3; k++) tracker.update([det(face(200, 200))]);
    expect(stateOf(tracker.update([], 2), 1)).toBe('lost');
    expect(stateOf(tracker.update([], 3), 1)).toBe('lost'); // 200 ms unmatched: not more than maxAgeMs
    expect(tracker.update([], 0.5).ended.map((t) => t.id)).toEqual([1]);
    expect(() => new SortTracker({ maxAgeMs: 200 })).toThrow(/frameIntervalMs/);
  });

  it('reports births and deaths, and flush ends what is left', () => {
    const tracker = new SortTracker<string>({ maxAge: 2 });
    const a = (k: number) => face(100 + 2 * k, 100);
    const b = (k: number) => face(400, 300 - 3 * k);
    const events: string[] = [];
    for (let k = 0; k < 20; k++) {
      const u = tracker.update(k >= 5 && k < 12 ? [det(b(k), 'B'), det(a(k), 'A')] : [det(a(k), 'A')]);
      for (const id of u.confirmed) events.push(`${k}: confirmed ${id}`);
      for (const id of u.lost) events.push(`${k}: lost ${id}`);
      for (const t of u.ended) events.push(`${k}: ended ${t.id} (${t.last.payload})`);
    }
    expect(events).toEqual(['2: confirmed 1', '7: confirmed 2', '12: lost 2', '14: ended 2 (B)']);
    const flushed = tracker.flush();
    expect(flushed.map((t) => [t.id, t.state, t.last.payload, t.wasConfirmed])).toEqual([[1, 'ended', 'A', true]]);
    expect(tracker.flush()).toEqual([]);
    expect(tracker.update([det(a(0))]).assignments).toEqual([3]); // ids are never reused
  });

  it('never confirms a one-frame false detection (tentative flicker)', () => {
    const tracker = new SortTracker<string>();
    const seen: number[] = [];
    for (let k = 0; k < 10; k++) {
      const dets = [det(face(100, 100), 'real')];
      if (k === 4) dets.push(det(face(500, 500), 'flicker'));
      if (k === 6 || k === 7) dets.push(det(face(700, 100), 'twice'));
      const u = tracker.update(dets);
      seen.push(...u.confirmed);
      if (k === 4) expect(u.tracks.map((t) => [t.id, t.state])).toEqual([[1, 'confirmed'], [2, 'tentative']]);
      if (k === 5) {
        expect(u.ended.map((t) => [t.id, t.state, t.wasConfirmed, t.last.payload])).toEqual([[2, 'ended', false, 'flicker']]);
        expect(u.lost).toEqual([]);
      }
      if (k === 8) expect(u.ended.map((t) => [t.id, t.hits, t.wasConfirmed])).toEqual([[3, 2, false]]);
    }
    expect(seen).toEqual([1]);
  });

  it('matches a fast face across dropped frames because the prediction uses dt', () => {
    const at = (k: number) => face(100 + 25 * k, 200);
    const run = (dtForGap: number) => {
      const tracker = new SortTracker<string>();
      for (let k = 0; k < 6; k++) tracker.update([det(at(k))]);
      // Frames 6-8 dropped by the scheduler: the next one is 4 intervals later, 100 px further (more than a face).
      return tracker.update([det(at(9))], dtForGap);
    };
    expect(iou(face(100 + 25 * 6, 200), at(9))).toBe(0); // one interval of prediction cannot reach it
    const honest = run(4);
    expect(honest.assignments).toEqual([1]);
    expect(honest.tracks.map((t) => [t.id, t.state, t.age])).toEqual([[1, 'confirmed', 7]]);
    const naive = run(1);
    expect(naive.assignments).toEqual([2]);
    expect(naive.lost).toEqual([1]);

    // Fractional steps: a stream sampled at twice the nominal rate.
    const half = new SortTracker<string>();
    for (let k = 0; k < 12; k++) expect(half.update([det(face(100 + 12.5 * k, 200))], 0.5).assignments).toEqual([1]);
    expect(half.update([], 0.5).tracks[0].velocity[0]).toBeCloseTo(25, 0);
  });

  it('gates before assigning: a pair below iouThreshold never displaces a valid match', () => {
    // Two standing tracks (T1 at x=0, T2 at x=58.3) and two detections, d0 at 25 and d1 at -60, all 100 px wide.
    const box = (x: number): Box => [x, 0, x + 100, 100];
    const [t1, t2, d0, d1] = [box(0), box(58.3), box(25), box(-60)];
    const overlap = iouMatrix([t1, t2], [d0, d1]);
    // Ungated, the optimum pairs T1-d1 (IoU 0.25, below 0.3) with T2-d0, so T1 would lose d0 once gated after.
    const ungated = linearAssignment(matrix(2, 2, overlap.data.map((v) => -v)));
    expect(Array.from(ungated.rowToCol)).toEqual([1, 0]);
    expect(overlap.data[1]).toBeLessThan(0.3);

    const tracker = new SortTracker<string>({ minHits: 1 });
    expect(tracker.update([det(t1), det(t2)]).assignments).toEqual([1, 2]);
    const u = tracker.update([det(d0, 'd0'), det(d1, 'd1')]);
    expect(u.assignments).toEqual([1, 3]);
    expect(u.lost).toEqual([2]);
  });

  it('breaks ties by lower detection index and lower track id', () => {
    const tracker = new SortTracker<string>({ minHits: 1 });
    tracker.update([det(face(100, 100))]);
    // A duplicated detection: the first one continues track 1, the second starts track 2.
    expect(tracker.update([det(face(100, 100), 'x'), det(face(100, 100), 'y')]).assignments).toEqual([1, 2]);
    // Two identical tracks and one detection: the lower id keeps it.
    const u = tracker.update([det(face(100, 100))]);
    expect(u.assignments).toEqual([1]);
    expect(u.lost).toEqual([2]);
  });

  it('rejects invalid input before changing any state', () => {
    const tracker = new SortTracker<string>();
    tracker.update([det(face(100, 100))]);
    expect(() => tracker.update([det(face(100, 100)), det([0, 0, NaN, 10])])).toThrow(/detection 1 has an invalid box/);
    expect(() => tracker.update([det([5, 5, 5, 20])])).toThrow(RangeError); // zero width
    expect(() => tracker.update([det([5, 20, 10, 5])])).toThrow(RangeError); // inverted
    expect(() => tracker.update([], 0)).toThrow(/dt/);
    expect(() => tracker.update([], Infinity)).toThrow(/dt/);
    // Nothing happened: the track is still at its first step and matches the next detection.
    const u = tracker.update([det(face(100, 100))]);
    expect(u.tracks.map((t) => [t.id, t.age, t.hits])).toEqual([[1, 2, 2]]);
    expect(isTrackableBox([0, 0, 1, 1])).toBe(true);
    expect(isTrackableBox([0, 0, 0, 1])).toBe(false);
    expect(isTrackableBox([0, 0, Infinity, 1])).toBe(false);
  });

  it('validates options', () => {
    expect(() => new SortTracker({ iouThreshold: 1.5 })).toThrow(/iouThreshold/);
    expect(() => new SortTracker({ minHits: 0 })).toThrow(/minHits/);
    expect(() => new SortTracker({ maxAge: -1 })).toThrow(/maxAge/);
    expect(() => new SortTracker({ maxAge: 1.5 })).toThrow(/maxAge/);
    expect(() => new SortTracker({ iouThreshold: undefined, minHits: undefined })).not.toThrow();
  });

  it('with maxAge 0 and minHits 1, confirms at birth and ends on the first miss', () => {
    const tracker = new SortTracker<string>({ minHits: 1, maxAge: 0 });
    const born = tracker.update([det(face(100, 100))]);
    expect(born.confirmed).toEqual([1]);
    const miss = tracker.update([]);
    expect(miss.lost).toEqual([]);
    expect(miss.ended.map((t) => [t.id, t.wasConfirmed])).toEqual([[1, true]]);
  });

  it('is deterministic: the same noisy scene twice gives identical output', () => {
    const scene = (seed: number) => {
      const rand = seededRandom(seed);
      const faces = Array.from({ length: 6 }, () => ({ x: rand() * 1000, y: rand() * 600, vx: rand() * 16 - 8, vy: rand() * 8 - 4, size: 40 + rand() * 80 }));
      return Array.from({ length: 120 }, () => {
        const dt = rand() < 0.2 ? 2 : 1;
        const dets: Detection<string>[] = [];
        faces.forEach((f, i) => {
          f.x += f.vx * dt;
          f.y += f.vy * dt;
          if (rand() < 0.85) dets.push(det(face(f.x + rand() * 4 - 2, f.y + rand() * 4 - 2, f.size * (0.95 + rand() * 0.1)), `face ${i}`));
        });
        if (rand() < 0.1) dets.push(det(face(rand() * 1000, rand() * 600, 50), 'false positive'));
        return { dets, dt };
      });
    };
    const run = () => {
      const tracker = new SortTracker<string>();
      return [...scene(42).map(({ dets, dt }) => tracker.update(dets, dt)), tracker.flush()];
    };
    const first = run();
    expect(JSON.stringify(run())).toBe(JSON.stringify(first));

    // And the run itself is right: six confirmed ids, each holding exactly one face, false positives never confirmed.
    const payloadsById = new Map<number, Set<string>>();
    for (const u of first.slice(0, -1) as TrackerUpdate<string>[]) {
      expect(new Set(u.assignments).size).toBe(u.assignments.length);
      for (const t of u.tracks) expect(t.box.every(Number.isFinite)).toBe(true);
      for (const t of u.tracks.filter((t) => t.matched && t.wasConfirmed)) {
        payloadsById.set(t.id, (payloadsById.get(t.id) ?? new Set()).add(t.last.payload));
      }
    }
    const faceOfId = [...payloadsById.values()].map((s) => [...s]);
    expect(faceOfId.every((names) => names.length === 1)).toBe(true);
    expect(faceOfId.flat().sort()).toEqual(['face 0', 'face 1', 'face 2', 'face 3', 'face 4', 'face 5']);
  });
});
