/**
 * The WebAssembly SIMD kernels against the JavaScript references, bit for bit: letterboxTensor vs letterboxTensorJs
 * and warpAffine vs warpAffineJs on random images of many shapes and on real photographs.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedAvailable, sharedData } from '../../../test/shared-fixtures.js';
import type * as AlignModule from '../align.js';
import { readImageFile } from '../image-decode.js';
import type * as TensorModule from '../image-tensor.js';
import type { Point, RgbImage } from '../types.js';
import type * as WasmModule from './preprocess-wasm.js';
import { seededRandom } from '../../util/seeded-random.js';

const SERVER = path.resolve(import.meta.dirname, '../../..');

let tensor: typeof TensorModule;
let align: typeof AlignModule;
let wasm: typeof WasmModule;
const savedEnv = process.env.BOOSTFACE_PREPROCESS;

beforeAll(async () => {
  // Build the module when it is missing or older than its source, then load the engine modules with it enabled.
  execFileSync(process.execPath, [path.join(SERVER, 'scripts/build-wasm.mjs'), '--if-stale'], { stdio: 'inherit' });
  delete process.env.BOOSTFACE_PREPROCESS;
  wasm = await import('./preprocess-wasm.js');
  tensor = await import('../image-tensor.js');
  align = await import('../align.js');
}, 120_000);
afterAll(() => {
  if (savedEnv !== undefined) process.env.BOOSTFACE_PREPROCESS = savedEnv;
});

/** Random image: noise, or a smooth gradient with noise (resampling then hits every weight, not just extremes). */
function randomImage(width: number, height: number, rand: () => number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  if (rand() < 0.5) {
    for (let i = 0; i < data.length; i++) data[i] = Math.floor(rand() * 256);
  } else {
    const fx = rand() * 0.2, fy = rand() * 0.2;
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        for (let c = 0; c < 3; c++) {
          const v = 128 + 100 * Math.sin(fx * x * (c + 1) + fy * y) + rand() * 20 - 10;
          data[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
        }
  }
  return { data, width, height };
}

/** First differing index of two typed arrays compared as raw bytes (-1 when identical). */
function firstDiff(a: Float32Array | Uint8Array, b: Float32Array | Uint8Array): number {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength), y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  if (x.length !== y.length) return Math.min(x.length, y.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

const PRES = [
  { colorOrder: 'RGB' as const, mean: 127.5, std: 128 }, // SCRFD: the float32 path
  { colorOrder: 'BGR' as const, mean: 127.5, std: 128 },
  { colorOrder: 'RGB' as const, mean: 127.5, std: 127.5 }, // not exact in float32: the table path
  { colorOrder: 'BGR' as const, mean: 0, std: 1 },
  { colorOrder: 'RGB' as const, mean: 103.94, std: 57.1 },
  { colorOrder: 'BGR' as const, mean: 0, std: 255 },
];

function checkLetterbox(img: RgbImage, w: number, h: number, pre: (typeof PRES)[number], label: string): void {
  const ref = tensor.letterboxTensorJs(img, w, h, pre);
  // A reused output buffer full of garbage: every element must be written.
  const got = tensor.letterboxTensor(img, w, h, pre, new Float32Array(3 * w * h).fill(Number.NaN));
  expect(got.scale, label).toBe(ref.scale);
  const at = firstDiff(got.tensor, ref.tensor);
  expect(at, `${label}: first difference at float ${at >> 2} (${got.tensor[at >> 2]} vs ${ref.tensor[at >> 2]})`).toBe(-1);
}

describe('WebAssembly preprocessing', () => {
  it('is loaded', () => {
    expect(wasm.preprocessBackend.kind, wasm.preprocessBackend.reason).toBe('wasm-simd');
    expect(wasm.wasmPreprocess).not.toBeNull();
  });

  it('letterboxes bit-identically to the reference on chosen shapes', () => {
    const rand = seededRandom(1);
    const shapes: [number, number][] = [
      [1, 1], [1, 2], [2, 1], [1, 9], [9, 1], [2, 2], [3, 3], [5, 7], [7, 5], [8, 8], [15, 16], [17, 13],
      [63, 64], [640, 640], [641, 480], [480, 641], [1000, 3], [3, 1000], [250, 250], [500, 375], [375, 500],
      [1126, 661], [661, 1126], [2000, 1428], [1428, 2000], [1280, 720], [4000, 31],
    ];
    const targets: [number, number][] = [[640, 640], [320, 320], [32, 32], [33, 17], [17, 33], [1, 1], [7, 640]];
    let n = 0;
    for (const [sw, sh] of shapes) {
      const img = randomImage(sw, sh, rand);
      for (const [tw, th] of targets) {
        if (sw * sh > 1e6 && tw * th < 1e5) continue; // large sources: the detector sizes are enough
        const pre = PRES[n++ % PRES.length];
        checkLetterbox(img, tw, th, pre, `${sw}x${sh} -> ${tw}x${th} ${JSON.stringify(pre)}`);
      }
    }
  });

  it('letterboxes bit-identically on 400 random shapes, scales and normalizations', () => {
    const rand = seededRandom(2);
    const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
    const calls = wasm.preprocessCalls.resize;
    for (let i = 0; i < 400; i++) {
      const img = randomImage(int(1, 300), int(1, 300), rand);
      const tw = int(1, 200), th = int(1, 200);
      const colorOrder = rand() < 0.5 ? ('RGB' as const) : ('BGR' as const);
      const pre = rand() < 0.7 ? PRES[i % PRES.length] : { colorOrder, mean: rand() * 255, std: 0.5 + rand() * 200 };
      checkLetterbox(img, tw, th, pre, `#${i} ${img.width}x${img.height} -> ${tw}x${th} ${JSON.stringify(pre)}`);
    }
    expect(wasm.preprocessCalls.resize - calls).toBe(400);
  });

  it('warps bit-identically to the reference under random affine maps, inside, across and outside the image', () => {
    const rand = seededRandom(3);
    const images = [[1, 1], [2, 3], [7, 5], [40, 30], [250, 250], [640, 480], [333, 777]].map(([w, h]) => randomImage(w, h, rand));
    const calls = wasm.preprocessCalls.warp;
    for (let i = 0; i < 1500; i++) {
      const img = images[i % images.length];
      const [ow, oh] = i % 10 === 0 ? [1 + Math.floor(rand() * 9), 1 + Math.floor(rand() * 9)] : i % 10 === 1 ? [224, 224] : [112, 112];
      // Forward map (source to crop): rotation, scale, some shear, translation putting the crop anywhere near the image.
      const s = Math.exp((rand() - 0.5) * 4), th = (rand() - 0.5) * 2 * Math.PI, shear = rand() < 0.3 ? (rand() - 0.5) * 0.5 : 0;
      const cx = (rand() * 1.6 - 0.3) * img.width, cy = (rand() * 1.6 - 0.3) * img.height;
      const a = s * Math.cos(th), b = -s * Math.sin(th) + shear, d = s * Math.sin(th), e = s * Math.cos(th);
      let M: AlignModule.Affine = [a, b, ow / 2 - (a * cx + b * cy), d, e, oh / 2 - (d * cx + e * cy)];
      if (i % 7 === 0) M = [1, 0, -Math.round(cx) + Math.floor(rand() * 5), 0, 1, -Math.round(cy) + Math.floor(rand() * 5)]; // integer shifts: weight 32768
      if (i % 11 === 0) M = [s, 0, -cx * s, 0, s, -cy * s]; // axis-aligned scaling
      const ref = align.warpAffineJs(img, M, ow, oh);
      const got = align.warpAffine(img, M, ow, oh);
      const at = firstDiff(got, ref);
      expect(at, `#${i} ${img.width}x${img.height} M=${M.map((v) => v.toFixed(4))} -> ${ow}x${oh}: byte ${at} ${got[at]} vs ${ref[at]}`).toBe(-1);
    }
    // Nearly all went through WebAssembly (some crops are far larger than the output and stay in JavaScript).
    expect(wasm.preprocessCalls.warp - calls).toBeGreaterThan(1000);
  });

  it('declines to JavaScript on degenerate maps and huge coordinates, with identical results', () => {
    const img = randomImage(50, 40, seededRandom(4));
    for (const M of [
      [0, 0, 0, 0, 0, 0],
      [1, 2, 3, 2, 4, 6],
      [1e-9, 0, 0, 0, 1e-9, 0],
      [1, 0, 1e9, 0, 1, -1e9],
      [Number.NaN, 0, 0, 0, 1, 0],
    ] as AlignModule.Affine[]) {
      const ref = align.warpAffineJs(img, M, 16, 16);
      expect(firstDiff(align.warpAffine(img, M, 16, 16), ref), String(M)).toBe(-1);
    }
  });

  it('aligns random landmark sets bit-identically', () => {
    const rand = seededRandom(5);
    const img = randomImage(800, 600, rand);
    for (let i = 0; i < 300; i++) {
      const s = 0.3 + rand() * 4, th = (rand() - 0.5) * 1.5, cx = rand() * 800, cy = rand() * 600;
      const lm = align.ARCFACE_TEMPLATE.map(([x, y]): Point => {
        const u = (x - 56) * s + (rand() - 0.5) * 4, v = (y - 60) * s + (rand() - 0.5) * 4;
        return [cx + u * Math.cos(th) - v * Math.sin(th), cy + u * Math.sin(th) + v * Math.cos(th)];
      });
      const M = align.estimateSimilarity(lm, align.ARCFACE_TEMPLATE);
      expect(firstDiff(align.alignFace(img, lm), align.warpAffineJs(img, M, 112, 112)), `#${i}`).toBe(-1);
    }
  });
});

describe.skipIf(!sharedAvailable('WebAssembly preprocessing on real images'))('WebAssembly preprocessing on real images', () => {
  // The parity golden set: the three face_recognition scenes, portraits, WIDER groups, LFW; with their faces.
  const golden = JSON.parse(readFileSync(path.join(SERVER, 'test/golden/parity-640.json'), 'utf8')) as {
    images: { path: string; faces: { landmarks: Point[] }[] }[];
  };

  it('letterboxes the scenes and the golden images bit-identically at 640 and 320, RGB and BGR', async () => {
    expect(golden.images.filter((i) => i.path.includes('/_scenes/')).length).toBe(3);
    for (const entry of golden.images) {
      const img = await readImageFile(sharedData(entry.path));
      for (const size of [640, 320]) for (const pre of PRES.slice(0, 3)) checkLetterbox(img, size, size, pre, `${entry.path} ${size} ${JSON.stringify(pre)}`);
    }
  });

  it('aligns every golden face bit-identically', async () => {
    let faces = 0;
    for (const entry of golden.images) {
      const img = await readImageFile(sharedData(entry.path));
      for (const f of entry.faces) {
        const M = align.estimateSimilarity(f.landmarks, align.ARCFACE_TEMPLATE);
        expect(firstDiff(align.alignFace(img, f.landmarks), align.warpAffineJs(img, M, 112, 112)), entry.path).toBe(-1);
        faces++;
      }
    }
    expect(faces).toBeGreaterThan(50);
  });
});
