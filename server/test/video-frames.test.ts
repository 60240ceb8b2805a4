import { describe, expect, it } from 'vitest';
import { videoFrames } from '../src/cameras/video-frames.js';
import { sharedAvailable, sharedData } from './shared-fixtures.js';

const run = sharedAvailable('video frames') ? describe : describe.skip;

run('videoFrames (offline, every frame, real ffmpeg)', () => {
  it('yields every frame of a file in order to a slow consumer, with presentation times', async () => {
    const seqs: number[] = [];
    const pts: number[] = [];
    let i = 0;
    for await (const f of videoFrames(sharedData('video/hamilton_whitehouse_clip.mp4'), { cameraId: 'clip' })) {
      expect([f.cameraId, f.image.width, f.image.height, f.image.data.length]).toEqual(['clip', 640, 360, 640 * 360 * 3]);
      seqs.push(f.seq);
      pts.push(f.ptsMs!);
      // slow at first: ffmpeg must wait (paused), not lose frames
      if (i++ < 30) await new Promise((r) => setTimeout(r, 10));
    }
    expect(seqs.length).toBe(275);
    expect(seqs).toEqual(seqs.map((_, k) => k));
    expect(pts[274]).toBeCloseTo((274 * 1000) / 29.97, 0);
  });

  it('stops ffmpeg when the consumer stops early', async () => {
    let n = 0;
    for await (const _ of videoFrames(sharedData('video/opera_arcade_walkers.mp4'), { width: 640 })) if (++n === 5) break;
    expect(n).toBe(5);
  });

  it('fails with the ffmpeg error for a missing file', async () => {
    const read = async () => {
      for await (const _ of videoFrames('/nonexistent/clip.mp4')) return;
    };
    await expect(read()).rejects.toThrow(/cannot read \/nonexistent\/clip.mp4: .*No such file/);
  });
});
