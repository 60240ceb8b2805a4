import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InProcessBus } from '../bus/in-process-bus.js';
import type { Gallery } from '../gallery/gallery.js';
import { sqliteAlertStore, type Alert, type AlertStore } from '../store/alert-store.js';
import { openStoreDb } from '../store/store-db.js';
import { AlertRules, type AlertRuleOptions } from './alert-rules.js';
import type { BusTopics, TrackEvent } from './track-event.js';

let dir: string;
let db: ReturnType<typeof openStoreDb>;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-rules-'));
  db = openStoreDb(dir);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

// Only getIdentity is used by the rules.
const gallery = {
  getIdentity: async (id: string) => ({ id, name: id, notes: '', tags: id === 'villain' ? ['watchlist'] : [], createdAt: 0, updatedAt: 0, templateCount: 1 }),
} as unknown as Gallery;

const ev = (kind: TrackEvent['kind'], trackId: string, ts: number, identity: string | null = null, cameraId = 'c1'): TrackEvent => ({
  kind, cameraId, trackId, frame: ts / 40, ts, box: [0, 0, 10, 10], landmarks: [], identity: identity ? { id: identity, name: identity, score: 0.6 } : null,
  score: identity ? 0.6 : 0.2, label: identity ?? 'Unknown 1', quality: 0.5,
});

/** Rules over the events of a local source (this process' cameras), publishing on `bus`. */
function rulesOn(source: InProcessBus<BusTopics>, bus: InProcessBus<BusTopics>, store: AlertStore, options: AlertRuleOptions) {
  return new AlertRules({ trackEvents: (h) => source.subscribe('trackEvents', h), bus, gallery, store, options });
}

describe('AlertRules', () => {
  it('alerts once per track for a watchlist identity, stores and publishes it', async () => {
    const bus = new InProcessBus<BusTopics>();
    const published: Alert[] = [];
    bus.subscribe('alerts', (a) => published.push(a));
    const store = sqliteAlertStore(db);
    const rules = rulesOn(bus, bus, store, { unknownAfterMs: 0, unknownCameras: null });
    for (const e of [ev('started', 't1', 0), ev('identified', 't1', 40, 'villain'), ev('identified', 't1', 80, 'villain'), ev('started', 't2', 0), ev('identified', 't2', 40, 'friend')]) bus.publish('trackEvents', e);
    await rules.idle();
    expect(published.map((a) => [a.kind, a.trackId, a.identityId, a.payload.label])).toEqual([['watchlist', 't1', 'villain', 'villain']]);
    // Stored before it was published: a subscriber can acknowledge it at once.
    expect((await store.list()).map((a) => a.id)).toEqual([published[0].id]);
    rules.close();
  });

  it('sees only the events of its own source, not those the bus brings from other processes', async () => {
    const local = new InProcessBus<BusTopics>();
    const bus = new InProcessBus<BusTopics>();
    const published: Alert[] = [];
    bus.subscribe('alerts', (a) => published.push(a));
    const store = sqliteAlertStore(db);
    const rules = rulesOn(local, bus, store, { unknownAfterMs: 0, unknownCameras: null });
    bus.publish('trackEvents', ev('identified', 'elsewhere', 40, 'villain'));
    local.publish('trackEvents', ev('identified', 'here', 40, 'villain', 'c2'));
    await rules.idle();
    expect(published.map((a) => a.trackId)).toEqual(['here']);
    expect((await store.list()).map((a) => a.trackId)).toEqual(['here']);
    rules.close();
  });

  it('does not repeat a watchlist alert for the same person on the same camera within the repeat window', async () => {
    const bus = new InProcessBus<BusTopics>();
    const store = sqliteAlertStore(db);
    const rules = rulesOn(bus, bus, store, { unknownAfterMs: 0, unknownCameras: null, repeatAfterMs: 60_000 });
    const seq = [ev('identified', 't1', 1000, 'villain'), ev('ended', 't1', 2000, 'villain'), ev('identified', 't2', 30_000, 'villain'), ev('identified', 't3', 40_000, 'villain', 'c2'), ev('identified', 't4', 70_000, 'villain')];
    for (const e of seq) bus.publish('trackEvents', e);
    await rules.idle();
    expect((await store.list()).map((a) => [a.trackId, a.cameraId]).reverse()).toEqual([['t1', 'c1'], ['t3', 'c2'], ['t4', 'c1']]);
  });

  it('alerts on an unknown person lingering on a watched camera', async () => {
    const bus = new InProcessBus<BusTopics>();
    const store = sqliteAlertStore(db);
    const rules = rulesOn(bus, bus, store, { unknownAfterMs: 5000, unknownCameras: ['c1'] });
    for (const e of [ev('started', 'a', 0), ev('updated', 'a', 4000), ev('updated', 'a', 5000), ev('updated', 'a', 6000), ev('started', 'b', 0, null, 'c2'), ev('updated', 'b', 9000, null, 'c2'), ev('started', 'c', 0), ev('identified', 'c', 6000, 'friend')])
      bus.publish('trackEvents', e);
    await rules.idle();
    expect((await store.list()).map((a) => [a.kind, a.trackId, a.at])).toEqual([['unknown', 'a', 5000]]);
  });
});
