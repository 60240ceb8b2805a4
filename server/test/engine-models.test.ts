import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineSettings, poolConfig } from '../src/config.js';
import { alignFace } from '../src/engine/align.js';
import { FaceAnalyzer } from '../src/engine/face-analyzer.js';
import { readImageFile } from '../src/engine/image-decode.js';
import { Recognizer } from '../src/engine/recognizer.js';
import { cosine } from '../src/engine/vector.js';
import { ScrfdDetector } from '../src/engine/scrfd-detector.js';
import { InferencePool } from '../src/engine/worker-pool.js';
import { resolveModel } from '../src/models/manifest.js';
import { SHARED_MODELS, sharedAvailable, sharedData } from './shared-fixtures.js';

const cpu = { providers: ['cpu' as const], threads: 1 };
const scene = (f: string) => sharedData('faces/face_recognition_examples', f);

describe.skipIf(!sharedAvailable('engine with real models'))('engine on the shared models', () => {
  let analyzer: FaceAnalyzer;
  beforeAll(async () => {
    analyzer = await FaceAnalyzer.open({
      detector: resolveModel(SHARED_MODELS, 'scrfd_2.5g_bnkps', 'detector'),
      recognizer: resolveModel(SHARED_MODELS, 'fr_feature_dynbatch', 'recognizer'),
      session: cpu,
    });
  });
  afterAll(() => analyzer?.release());

  it('finds both people in two_people.jpg with landmarks inside their boxes', async () => {
    const img = await readImageFile(scene('_scenes/two_people.jpg'));
    const faces = await analyzer.analyze(img, { embed: true });
    expect(faces).toHaveLength(2);
    for (const f of faces) {
      expect(f.score).toBeGreaterThan(0.7);
      for (const [x, y] of f.landmarks) {
        expect(x).toBeGreaterThan(f.box[0]);
        expect(x).toBeLessThan(f.box[2]);
        expect(y).toBeGreaterThan(f.box[1]);
        expect(y).toBeLessThan(f.box[3]);
      }
      expect(f.embedding).toHaveLength(512);
      expect(cosine(f.embedding!, f.embedding!)).toBeCloseTo(1, 5);
      expect(f.quality!.interOcular).toBeGreaterThan(20);
    }
    expect(cosine(faces[0].embedding!, faces[1].embedding!)).toBeLessThan(0.3);
  });

  it('tells the same person from a different one', async () => {
    const emb = async (f: string) => (await analyzer.analyze(await readImageFile(scene(f)), { embed: true, maxFaces: 1 }))[0].embedding!;
    const [a, b, c] = await Promise.all([emb('barack_obama/obama.jpg'), emb('barack_obama/obama2.jpg'), emb('joe_biden/biden.jpg')]);
    expect(cosine(a, b)).toBeGreaterThan(0.5);
    expect(cosine(a, c)).toBeLessThan(0.2);
  });

  it('keeps the main faces with maxFaces', async () => {
    const img = await readImageFile(sharedData('faces/bbt_cast/_scenes_unlabeled/bbt1.jpg'));
    const all = await analyzer.analyze(img);
    const one = await analyzer.analyze(img, { maxFaces: 1 });
    expect(all.length).toBeGreaterThan(1);
    expect(one).toHaveLength(1);
    expect(all.map((f) => f.box)).toContainEqual(one[0].box);
  });

  it('gives identical embeddings from the fixed-batch and dynamic-batch files', async () => {
    const fixed = await Recognizer.open(resolveModel(SHARED_MODELS, 'fr_feature', 'recognizer'), cpu);
    expect(fixed.maxBatch).toBe(1);
    expect(analyzer.recognizer!.maxBatch).toBe(32);
    const img = await readImageFile(scene('_scenes/two_people.jpg'));
    const faces = await analyzer.analyze(img);
    const crops = [...faces, faces[0]].map((f) => alignFace(img, f.landmarks));
    const [a, b] = [await fixed.embed(crops), await analyzer.recognizer!.embed(crops)];
    expect(a).toHaveLength(3);
    a.forEach((e, i) => expect(cosine(e, b[i])).toBeGreaterThan(0.99999));
    await fixed.release();
  });

  it('runs SCRFD-500M with the same head decoding', async () => {
    const det = await ScrfdDetector.open(resolveModel(SHARED_MODELS, 'det_500m', 'detector'), cpu);
    const faces = await det.detect(await readImageFile(scene('_scenes/two_people.jpg')), { detSize: 320 });
    expect(faces).toHaveLength(2);
    await det.release();
  });

  it('refuses a model whose shapes do not fit the role, naming the file', async () => {
    const asDetector = { ...resolveModel(SHARED_MODELS, 'fr_feature', 'recognizer'), spec: { ...resolveModel(SHARED_MODELS, 'fr_feature', 'recognizer').spec, family: 'scrfd' } };
    await expect(ScrfdDetector.open(asDetector, cpu)).rejects.toMatchObject({ code: 'MODEL_MISMATCH', message: expect.stringContaining('fr_feature.onnx') });
    const det = resolveModel(SHARED_MODELS, 'scrfd_2.5g_bnkps', 'detector');
    await expect(Recognizer.open({ ...det, spec: { ...det.spec, role: 'recognizer' } }, cpu)).rejects.toMatchObject({ code: 'MODEL_MISMATCH', message: expect.stringContaining('scrfd_2.5g_bnkps.onnx') });
    await expect(ScrfdDetector.open(resolveModel(SHARED_MODELS, 'yunet_2026may', 'detector'), cpu)).rejects.toThrow(/yunet.*not supported/);
    expect(() => resolveModel(SHARED_MODELS, 'fr_feature', 'detector')).toThrow(/is a recognizer, not a detector/);
  });

  it('falls back to CPU explicitly when an accelerator provider cannot load', async () => {
    const det = await ScrfdDetector.open(resolveModel(SHARED_MODELS, 'det_500m', 'detector'), { providers: ['cuda', 'cpu'], threads: 1 });
    if (det.provider === 'cpu') expect(det.fallbacks[0]).toMatch(/^cuda unavailable/);
    await det.release();
  });
});

describe.skipIf(!sharedAvailable('inference worker pool'))('inference worker pool', () => {
  let pool: InferencePool;
  beforeAll(async () => {
    const settings = engineSettings({ BOOSTFACE_MODELS: SHARED_MODELS, BOOSTFACE_WORKERS: '2', BOOSTFACE_THREADS: '1', BOOSTFACE_INFERENCE_NICE: '10' });
    pool = await InferencePool.start(poolConfig(settings, { recognizer: true }));
  });
  afterAll(() => pool?.close());

  it('analyzes concurrently in workers and returns the same faces as the calling thread would', async () => {
    expect(pool.size).toBe(2);
    expect(pool.info.recognizer?.file).toBe('fr_feature_dynbatch.onnx');
    const files = ['_scenes/two_people.jpg', '_scenes/obama_and_biden.jpg', '_scenes/kit_with_rose.jpg', 'joe_biden/biden.jpg'];
    const images = await Promise.all(files.map((f) => readImageFile(scene(f))));
    const results = await Promise.all(images.map((img) => pool.analyze(img, { embed: true })));
    const local = await FaceAnalyzer.open({ ...poolConfig(engineSettings({ BOOSTFACE_MODELS: SHARED_MODELS, BOOSTFACE_THREADS: '1' }), { recognizer: true }) });
    for (let i = 0; i < images.length; i++) {
      const here = await local.analyze(images[i], { embed: true });
      expect(results[i].faces.map((f) => f.box)).toEqual(here.map((f) => f.box));
      results[i].faces.forEach((f, j) => expect(cosine(f.embedding!, here[j].embedding!)).toBeCloseTo(1, 5));
      expect(results[i].timing.detectRunMs).toBeGreaterThan(0);
    }
    await local.release();
  });

  it('runs its threads at the inference niceness, the calling thread at its own', () => {
    // /proc/self/task/<tid>/stat field 19 is the thread's nice value; the pool's threads carry its niceness (10 here).
    const niceOf = (tid: string) => {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    };
    const own = niceOf(String(process.pid));
    expect(own).toBe(os.getPriority());
    if (own >= 10) return; // started nicer than the pool's niceness already: nothing to tell apart
    const nices = fs.readdirSync('/proc/self/task').map(niceOf);
    expect(nices.filter((n) => n === 10).length).toBeGreaterThanOrEqual(2);
  });

  it('embeds aligned crops and reports engine errors as codes', async () => {
    const img = await readImageFile(scene('_scenes/two_people.jpg'));
    const { faces } = await pool.analyze(img, {});
    const { embeddings } = await pool.embed(faces.map((f) => alignFace(img, f.landmarks)));
    expect(embeddings).toHaveLength(2);
    await expect(pool.analyze(img, { detSize: 100 })).rejects.toMatchObject({ code: 'BAD_DET_SIZE' });
    expect(pool.pending).toBe(0);
  });

  it('says which model file is missing', () => {
    const s = engineSettings({ BOOSTFACE_MODELS: path.join(SHARED_MODELS, 'nowhere') });
    expect(() => poolConfig(s, { recognizer: true })).toThrow(/no detector model in .*nowhere/);
    const bad = engineSettings({ BOOSTFACE_MODELS: SHARED_MODELS, BOOSTFACE_DETECTOR: 'missing.onnx' });
    expect(() => poolConfig(bad, { recognizer: false })).toThrow(/"missing.onnx" not found/);
  });
});
