import { describe, expect, it } from 'vitest';
import { ActiveTracks, type TrackEventLike } from './active-tracks.js';

const ev = (trackId: string, kind: TrackEventLike['kind'], frame: number, over: Partial<TrackEventLike> = {}): TrackEventLike => ({
  trackId,
  cameraId: 'cam',
  kind,
  frame,
  ts: new Date(frame * 100).toISOString(),
  label: `Unknown ${trackId}`,
  quality: 0.5,
  identity: null,
  snapshot: null,
  ...over,
});
const snap = (n: number) => ({ faceUrl: `/f${n}`, contextUrl: `/c${n}` });
const ada = { id: 'i1', name: 'Ada', score: 0.6 };

describe('ActiveTracks', () => {
  it('keeps the latest event per track until it ends', () => {
    const t = new ActiveTracks();
    t.apply(ev('1', 'STARTED', 1), 0);
    t.apply(ev('1', 'UPDATED', 5), 0);
    t.apply(ev('1', 'UPDATED', 3), 0); // late, older event
    t.apply(ev('2', 'STARTED', 2), 0);
    expect(t.active().map((a) => [a.event.trackId, a.event.frame])).toEqual([
      ['1', 5],
      ['2', 2],
    ]);
    t.apply(ev('1', 'ENDED', 6), 0);
    expect(t.active().map((a) => a.event.trackId)).toEqual(['2']);
  });

  it('lists identified tracks first and filters by camera', () => {
    const t = new ActiveTracks();
    t.apply(ev('1', 'STARTED', 1), 0);
    t.apply(ev('2', 'IDENTIFIED', 1, { identity: ada, label: 'Ada', cameraId: 'other' }), 0);
    expect(t.active().map((a) => a.event.trackId)).toEqual(['2', '1']);
    expect(t.active(new Set(['cam'])).map((a) => a.event.trackId)).toEqual(['1']);
  });

  it('keeps a snapshot once seen', () => {
    const t = new ActiveTracks();
    t.apply(ev('1', 'UPDATED', 1, { snapshot: snap(1) }), 0);
    t.apply(ev('1', 'UPDATED', 2), 0);
    expect(t.active()[0].snapshot).toEqual(snap(1));
  });

  it('forgets tracks that went silent', () => {
    const t = new ActiveTracks({ staleMs: 1000, recentMax: 5 });
    t.apply(ev('1', 'UPDATED', 1), 0);
    t.apply(ev('2', 'UPDATED', 1), 900);
    t.prune(1500);
    expect(t.active().map((a) => a.event.trackId)).toEqual(['2']);
  });

  it('records identifications once per track and identity, newest first, with a later snapshot', () => {
    const t = new ActiveTracks({ staleMs: 1000, recentMax: 2 });
    t.apply(ev('1', 'IDENTIFIED', 1, { identity: ada, label: 'Ada' }), 0);
    t.apply(ev('1', 'UPDATED', 2, { identity: ada, label: 'Ada', snapshot: snap(2) }), 0);
    t.apply(ev('1', 'IDENTIFIED', 3, { identity: ada, label: 'Ada' }), 0);
    expect(t.recentIdentifications()).toHaveLength(1);
    expect(t.recentIdentifications()[0].snapshot).toEqual(snap(2));
    t.apply(ev('2', 'IDENTIFIED', 1, { identity: { id: 'i2', name: 'Bo' }, label: 'Bo' }), 0);
    t.apply(ev('3', 'IDENTIFIED', 1, { identity: { id: 'i3', name: 'Cy' }, label: 'Cy' }), 0);
    expect(t.recentIdentifications().map((r) => r.trackId)).toEqual(['3', '2']);
  });
});
