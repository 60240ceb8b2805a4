/**
 * Ready-made scenarios for synthetic-video.ts. Faces are single-face, near-frontal LFW photographs of five people who
 * each have nine more photographs in the same folder (usable as a gallery); the background is a still of vtest.avi, a
 * surveillance scene whose pedestrians are far too small for a face detector (checked at generation: truth
 * background.faces lists anything the detector finds there).
 */
import type { ActorSpec, Scenario } from './synthetic-video.js';
import { seededRandom } from '../util/seeded-random.js';

const LFW = 'faces/lfw_original_krasserm';
const photo = (name: string, n: number) => `${LFW}/${name}/${name}_${String(n).padStart(4, '0')}.jpg`;

/** Per person, photographs on which the detector finds exactly one, near-frontal face (|yaw| < 0.3). */
export const FACE_PHOTOS: Record<string, string[]> = {
  Ariel_Sharon: [photo('Ariel_Sharon', 2), photo('Ariel_Sharon', 6), photo('Ariel_Sharon', 1)],
  Colin_Powell: [photo('Colin_Powell', 4), photo('Colin_Powell', 5), photo('Colin_Powell', 7)],
  George_W_Bush: [photo('George_W_Bush', 6), photo('George_W_Bush', 7), photo('George_W_Bush', 1)],
  Tony_Blair: [photo('Tony_Blair', 2), photo('Tony_Blair', 3), photo('Tony_Blair', 5)],
  Vladimir_Putin: [photo('Vladimir_Putin', 6), photo('Vladimir_Putin', 10), photo('Vladimir_Putin', 8)],
};

const BACKGROUND = { video: 'video/vtest.avi', time: 0 };

/**
 * 12 s at 25 fps, 640x480, five people:
 *  1 Powell enters left, exits right; 2 Bush enters right, exits left, crossing in front of 1 around frame 123;
 *  3 Putin close to the camera all along, missing for frames 140-144 (a 5-frame dropout);
 *  4 Blair small and far, walks behind the lamp post (an occluder drawn over the real one) and leaves on the right;
 *  5 Sharon enters right at frame 150, passes in front of 3 around frame 205 and leaves through the bottom.
 * 1 and 2 also pass behind the lamp post (their faces are wider than it, so they stay mostly visible).
 */
export function defaultScenario(): Scenario {
  return {
    name: 'default',
    width: 640,
    height: 480,
    fps: 25,
    frames: 300,
    seed: 1,
    background: BACKGROUND,
    noise: 3,
    jitter: 1,
    actors: [
      { image: FACE_PHOTOS.Colin_Powell[0], faceHeight: 110, keyframes: [{ frame: 0, cx: -50, cy: 170 }, { frame: 200, cx: 690, cy: 150 }] },
      { image: FACE_PHOTOS.George_W_Bush[0], faceHeight: 100, keyframes: [{ frame: 30, cx: 700, cy: 190 }, { frame: 270, cx: -60, cy: 170 }] },
      {
        image: FACE_PHOTOS.Vladimir_Putin[0],
        faceHeight: 130,
        keyframes: [{ frame: 0, cx: 470, cy: 330 }, { frame: 299, cx: 420, cy: 320 }],
        visible: [[0, 140], [145, 300]],
      },
      { image: FACE_PHOTOS.Tony_Blair[0], faceHeight: 70, keyframes: [{ frame: 40, cx: -30, cy: 90 }, { frame: 299, cx: 670, cy: 110 }] },
      {
        image: FACE_PHOTOS.Ariel_Sharon[0],
        faceHeight: 90,
        keyframes: [{ frame: 150, cx: 700, cy: 280 }, { frame: 230, cx: 380, cy: 360 }, { frame: 290, cx: 250, cy: 520 }],
      },
    ],
    // The lamp post of vtest.avi, drawn as a solid bar so that it hides whoever passes behind it.
    occluders: [{ box: [348, 20, 366, 330], color: [178, 186, 190] }],
  };
}

/**
 * 1.6 s, three people, for tests: 1 drops out for frames 10-12, 2 is hidden by an occluder for frames 30-34, 3 enters
 * through the right edge.
 */
export function shortScenario(): Scenario {
  return {
    name: 'short',
    width: 640,
    height: 480,
    fps: 25,
    frames: 40,
    seed: 2,
    background: BACKGROUND,
    noise: 3,
    actors: [
      {
        image: FACE_PHOTOS.Colin_Powell[0],
        faceHeight: 100,
        keyframes: [{ frame: 0, cx: 120, cy: 200 }, { frame: 39, cx: 300, cy: 190 }],
        visible: [[0, 10], [13, 40]],
      },
      { image: FACE_PHOTOS.George_W_Bush[0], faceHeight: 120, keyframes: [{ frame: 0, cx: 480, cy: 300 }, { frame: 39, cx: 470, cy: 310 }] },
      { image: FACE_PHOTOS.Tony_Blair[0], faceHeight: 70, keyframes: [{ frame: 0, cx: 660, cy: 90 }, { frame: 39, cx: 520, cy: 100 }] },
    ],
    occluders: [{ box: [380, 210, 560, 400], frames: [30, 35] }],
  };
}

export interface RandomScenarioOptions {
  actors?: number;
  frames?: number;
  width?: number;
  height?: number;
  fps?: number;
}

/**
 * People walking straight across the picture from one edge to another, at random times, sizes (60-140 px) and
 * depths; a third of them drop out for 3-8 frames. The same seed gives the same scenario.
 */
export function randomScenario(seed: number, o: RandomScenarioOptions = {}): Scenario {
  const rand = seededRandom(seed);
  const width = o.width ?? 640;
  const height = o.height ?? 480;
  const frames = o.frames ?? 300;
  const count = o.actors ?? 5;
  const people = Object.keys(FACE_PHOTOS);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  /** A point just outside edge e (0 left, 1 right, 2 top, 3 bottom), margin m. */
  const edgePoint = (e: number, m: number) => {
    const along = (0.15 + 0.7 * rand());
    if (e < 2) return { cx: e === 0 ? -m : width + m, cy: along * height };
    return { cx: along * width, cy: e === 2 ? -m : height + m };
  };
  const actors: ActorSpec[] = [];
  for (let i = 0; i < count; i++) {
    const person = people[i % people.length];
    const faceHeight = Math.round(60 + 80 * rand());
    const margin = faceHeight * 0.6;
    const from = Math.floor(rand() * 4);
    const to = (from + 1 + Math.floor(rand() * 3)) % 4;
    const a = edgePoint(from, margin);
    const b = edgePoint(to, margin);
    const duration = Math.round(frames * (0.35 + 0.4 * rand()));
    const start = Math.floor(rand() * (frames - duration));
    const actor: ActorSpec = {
      image: pick(FACE_PHOTOS[person]),
      faceHeight,
      keyframes: [{ frame: start, ...a }, { frame: start + duration, ...b }],
      depth: rand(),
    };
    if (rand() < 1 / 3) {
      const gapStart = start + Math.round(duration * (0.3 + 0.4 * rand()));
      actor.visible = [[start, gapStart], [gapStart + 3 + Math.floor(rand() * 6), start + duration + 1]];
    }
    actors.push(actor);
  }
  return { name: `random-${seed}`, width, height, fps: o.fps ?? 25, frames, seed, background: BACKGROUND, noise: 3, jitter: 1, actors };
}

/** Scenario by name: "default", "short" or "random" (with seed). */
export function scenarioByName(name: string, seed = 1): Scenario {
  if (name === 'default') return defaultScenario();
  if (name === 'short') return shortScenario();
  if (name === 'random') return randomScenario(seed);
  throw new Error(`unknown scenario "${name}" (known: default, short, random)`);
}
