/**
 * The server's live path end to end with real parts: a camera added at run time (a real-time file source decoded by
 * ffmpeg), the latest-wins scheduler with a detect-fps cap, detection and recognition in the worker pool, track events
 * on the bus, sightings in the store; camera configuration persisted across restarts of the live system.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceHealth } from '../src/cameras/source-health.js';
import { openCore, startLive, type Core, type Live } from '../src/main.js';
import type { TrackEvent } from '../src/recognition/track-event.js';
import { SHARED_MODELS, sharedAvailable, sharedData } from './shared-fixtures.js';

const run = sharedAvailable('live system') ? describe : describe.skip;
const HAMILTON = sharedData('video/hamilton_whitehouse_clip.mp4');
const GALLERY = sharedData('faces/face_recognition_examples');

function waitFor<T>(what: string, check: () => T | undefined, timeoutMs: number): Promise<T> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      const v = check();
      if (v !== undefined) return resolve(v);
      if (Date.now() - t0 > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 50);
    };
    tick();
  });
}

run('live system: cameras → scheduler → pipeline → bus', () => {
  let dir: string;
  let core: Core;
  let live: Live | undefined;
  const events: TrackEvent[] = [];
  const health: { id: string; h: SourceHealth; at: number }[] = [];
  const received: number[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-sys-'));
    core = await openCore({ ...process.env, BOOSTFACE_DATA_DIR: dir, BOOSTFACE_MODELS: SHARED_MODELS }, { log: () => undefined });
    for (const person of ['barack_obama', 'lin_manuel_miranda']) {
      const files = fs.readdirSync(path.join(GALLERY, person)).map((f) => path.join(GALLERY, person, f));
      await core.enrollment.enroll({ name: person }, files.map((f) => ({ name: f, bytes: new Uint8Array(fs.readFileSync(f)) })));
    }
    live = await startLive(core, { log: () => undefined, retention: false, onHealth: (id, h) => health.push({ id, h, at: Date.now() }) });
    live.bus.subscribe('trackEvents', (e) => {
      events.push(e);
      received.push(Date.now() - e.ts);
    });
  }, 120_000);

  afterAll(async () => {
    await live?.stop();
    await core?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('recognizes faces on a camera added at run time, paced in real time and capped in detect fps', async () => {
    const status = await live!.cameras.add({ id: 'stage', name: 'Stage', url: HAMILTON, realtime: true, detectFps: 12 });
    expect(status.camera).toMatchObject({ id: 'stage', kind: 'file', detectFps: 12 });
    const t0 = Date.now();
    await waitFor('the clip to end', () => health.find((x) => x.id === 'stage' && x.h.state === 'ended'), 60_000);
    const playedMs = Date.now() - t0;
    // ended is final for a file: the pipeline ends its tracks and stops
    await waitFor('the last ended event', () => (events.filter((e) => e.kind === 'ended').length >= events.filter((e) => e.kind === 'started').length ? true : undefined), 30_000);
    expect(playedMs, 'real-time pacing of a 9.2 s clip').toBeGreaterThan(8000);
    const states = health.filter((x) => x.id === 'stage').map((x) => x.h.state);
    expect(states[0]).toBe('live');
    expect(states.at(-1)).toBe('ended');
    const names = new Set(events.filter((e) => e.kind === 'identified').map((e) => e.identity?.name));
    expect(names).toEqual(new Set(['lin_manuel_miranda', 'barack_obama']));
    const frames = new Set(events.map((e) => e.frame));
    // 275 frames at 29.97 fps capped at 12 detect fps: about 110 frames detected; events only name detected frames
    expect(frames.size).toBeLessThanOrEqual(130);
    expect(await core.sightings.count()).toBe(events.filter((e) => e.kind === 'ended').length);
    expect(live!.schedulerStats('stage')).toBeUndefined(); // the finished camera's scheduler is gone
  }, 120_000);

  it('keeps camera configuration across restarts and applies updates and removal at run time', async () => {
    await live!.cameras.update('stage', { name: 'Main stage', enabled: false });
    await live!.cameras.add({ id: 'lobby', name: 'Lobby', url: HAMILTON, enabled: false, width: 320 });
    await live!.stop();
    live = await startLive(core, { log: () => undefined, retention: false });
    expect(live.cameras.list().map((c) => [c.camera.id, c.camera.name, c.camera.enabled, c.health.state])).toEqual([
      ['lobby', 'Lobby', false, 'stopped'],
      ['stage', 'Main stage', false, 'stopped'],
    ]);
    await expect(live.cameras.add({ id: 'lobby', name: 'again', url: HAMILTON })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(live.cameras.add({ id: 'bad', name: 'bad', url: HAMILTON, detectFps: -1 })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await live.cameras.remove('lobby');
    expect(live.cameras.list().map((c) => c.camera.id)).toEqual(['stage']);
    await live.stop();
    live = await startLive(core, { log: () => undefined, retention: false });
    expect(live.cameras.list().map((c) => c.camera.id)).toEqual(['stage']);
  }, 60_000);
});
