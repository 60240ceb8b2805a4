import { describe, expect, it } from 'vitest';
import { mergeAlerts, toastAlerts, upsertAlert, type AlertLike } from './alerts.js';

const a = (id: string, at: number, ack?: { at: number; by: string }): AlertLike => ({
  id,
  at: new Date(at).toISOString(),
  acknowledgedAt: ack ? new Date(ack.at).toISOString() : null,
  acknowledgedBy: ack?.by ?? null,
});

describe('alerts', () => {
  it('keeps alerts newest first and replaces by id', () => {
    let list = mergeAlerts([], [a('1', 1000), a('2', 3000), a('3', 2000)]);
    expect(list.map((x) => x.id)).toEqual(['2', '3', '1']);
    list = upsertAlert(list, a('3', 2000, { at: 4000, by: 'bob' }));
    expect(list.map((x) => x.id)).toEqual(['2', '3', '1']);
    expect(list[1].acknowledgedBy).toBe('bob');
  });

  it('never loses an acknowledgement to a stale copy', () => {
    const list = upsertAlert([a('1', 1000, { at: 2000, by: 'ann' })], a('1', 1000));
    expect(list[0].acknowledgedBy).toBe('ann');
  });

  it('caps the list', () => {
    const list = mergeAlerts([], Array.from({ length: 10 }, (_, i) => a(String(i), i * 1000)), 3);
    expect(list.map((x) => x.id)).toEqual(['9', '8', '7']);
  });

  it('toasts open alerts and recently acknowledged ones', () => {
    const list = mergeAlerts([], [a('open', 5000), a('justAcked', 4000, { at: 9000, by: 'ann' }), a('oldAck', 3000, { at: 1000, by: 'bo' })]);
    expect(toastAlerts(list, 10_000).map((x) => x.id)).toEqual(['open', 'justAcked']);
    expect(toastAlerts(list, 20_000).map((x) => x.id)).toEqual(['open']);
    expect(toastAlerts(list, 10_000, { max: 1, keepAckedMs: 8000 }).map((x) => x.id)).toEqual(['open']);
  });
});
