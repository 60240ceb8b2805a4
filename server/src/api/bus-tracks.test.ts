import { GraphQLError } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessBus } from '../bus/in-process-bus.js';
import type { BusTopics, TrackEvent } from '../recognition/track-event.js';
import { BusTracks } from './bus-tracks.js';

const event = (kind: TrackEvent['kind'], trackId: string, cameraId = 'door', ts = 1000): TrackEvent => ({
  kind,
  cameraId,
  trackId,
  frame: ts / 40,
  ts,
  box: [1, 2, 3, 4],
  landmarks: [],
  identity: kind === 'identified' ? { id: 'i1', name: 'Ada', score: 0.6 } : null,
  score: null,
  label: kind === 'identified' ? 'Ada' : 'Unknown 1',
  quality: 0.5,
});

describe('BusTracks', () => {
  let now = 0;
  const boards: BusTracks[] = [];
  afterEach(() => {
    for (const b of boards.splice(0)) b.close();
  });
  const setup = () => {
    now = 10_000;
    const bus = new InProcessBus<BusTopics>();
    const board = new BusTracks({ bus, lostAfterMs: 2000, forgetAfterMs: 30_000, now: () => now });
    boards.push(board);
    return { bus, board };
  };

  it('rebuilds live tracks from events: started, updated, identified, ended', () => {
    const { bus, board } = setup();
    bus.publish('trackEvents', event('started', 't1', 'door', 1000));
    bus.publish('trackEvents', event('started', 't2', 'gate', 1000));
    bus.publish('trackEvents', event('identified', 't1', 'door', 1400));
    expect(board.tracks('door')).toEqual([
      expect.objectContaining({ trackId: 't1', state: 'confirmed', startedAt: 1000, lastSeenAt: 1400, label: 'Ada', identity: { id: 'i1', name: 'Ada', score: 0.6 }, frames: 2 }),
    ]);
    expect(board.tracks().map((t) => t.trackId).sort()).toEqual(['t1', 't2']);
    bus.publish('trackEvents', event('ended', 't1'));
    expect(board.tracks().map((t) => t.trackId)).toEqual(['t2']);
  });

  it('a silent track is lost, then forgotten; a camera that restarts forgets its tracks', () => {
    const { bus, board } = setup();
    bus.publish('trackEvents', event('started', 't1'));
    bus.publish('trackEvents', event('started', 't2', 'gate'));
    now += 2500;
    expect(board.tracks('door')[0].state).toBe('lost');
    bus.publish('cameraStatus', { cameraId: 'gate', health: { state: 'starting', since: now, framesReceived: 0, reconnects: 0 } });
    expect(board.tracks('gate')).toEqual([]);
    now += 30_000;
    expect(board.tracks()).toEqual([]);
  });

  it('refuses enroll-from-track and "this is not X" on a live track with UNAVAILABLE / WORKER_ONLY', async () => {
    const { bus, board } = setup();
    bus.publish('trackEvents', event('started', 't1'));
    const err = await board.enrollFromTrack('t1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphQLError);
    expect((err as GraphQLError).extensions).toEqual({ code: 'UNAVAILABLE', reason: 'WORKER_ONLY' });
    expect((err as Error).message).toMatch(/only the worker running camera door holds/);
    await expect(board.rejectTrackMatch('t1')).rejects.toMatchObject({ extensions: { code: 'UNAVAILABLE' } });
    // an unknown id fails as LiveRecognition does (so that "this is not X" falls back to the stored sighting)
    await expect(board.rejectTrackMatch('zz')).rejects.toMatchObject({ name: 'GalleryError', code: 'NOT_FOUND', message: expect.stringMatching(/no recent track/) });
  });
});
