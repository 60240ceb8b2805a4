import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { SnapshotStore } from './snapshot-store.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('SnapshotStore', () => {
  it('writes the face and a clipped context crop as JPEG, replaces them, and removes them', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-snap-'));
    dirs.push(dir);
    const store = new SnapshotStore(dir);
    const crop = new Uint8Array(112 * 112 * 3).fill(200);
    const frame = { width: 640, height: 360, data: new Uint8Array(640 * 360 * 3).fill(50) };
    const ts = Date.UTC(2026, 10, 28, 12);
    const rel = await store.write('cam/1', 'trk:9', ts, crop, 112, frame, [600, 10, 640, 60]);
    expect(rel.face).toBe(path.join('cam_1', '2026-11-28', 'trk_9-face.jpg'));
    const face = await sharp(store.resolve(rel.face)).metadata();
    expect([face.format, face.width, face.height]).toEqual(['jpeg', 112, 112]);
    const ctx = await sharp(store.resolve(rel.context)).metadata();
    // 50 px face x 2.5 = 125 px around the centre (620, 35), clipped at the right and top edges
    expect([ctx.width, ctx.height]).toEqual([640 - 557, 98]);
    await store.write('cam/1', 'trk:9', ts, crop, 112, frame, [100, 100, 140, 140]);
    expect(fs.readdirSync(path.join(store.root, 'cam_1', '2026-11-28')).sort()).toEqual(['trk_9-context.jpg', 'trk_9-face.jpg']);
    expect(await store.remove([rel.face, rel.context, 'cam_1/missing.jpg', null])).toBe(2);
    expect(() => store.resolve('../store.sqlite')).toThrow(/outside/);
  });
});
