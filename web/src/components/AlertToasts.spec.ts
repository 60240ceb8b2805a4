// @vitest-environment happy-dom
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Alert } from '../lib/graphql/operations.js';
import type { AlertCenter } from '../lib/wall/alert-center.svelte.js';
import AlertToasts from './AlertToasts.svelte';

let app: ReturnType<typeof mount> | null = null;
afterEach(() => {
  if (app) unmount(app);
  app = null;
  document.body.innerHTML = '';
});

const alert = (id: string, ackBy: string | null = null): Alert => ({
  id,
  at: new Date().toISOString(),
  kind: 'watchlist',
  cameraId: 'gate',
  trackId: `gate-x-${id}`,
  label: 'Ada Lovelace',
  rule: null,
  identity: { id: 'i1', name: 'Ada Lovelace', score: 0.61 },
  snapshot: null,
  acknowledgedAt: ackBy ? new Date().toISOString() : null,
  acknowledgedBy: ackBy,
});

/** The part of AlertCenter the toasts use. */
function center(list: Alert[]) {
  return { toasts: list.slice(0, 3), open: list.filter((a) => !a.acknowledgedAt), acknowledge: vi.fn(async () => undefined) };
}

const all = (id: string) => [...document.querySelectorAll(`[data-testid="${id}"]`)] as HTMLElement[];

describe('AlertToasts', () => {
  it('offers Acknowledge to roles that may, and calls it with the alert id', () => {
    const c = center([alert('a1'), alert('a2')]);
    app = mount(AlertToasts, { target: document.body, props: { alerts: c as unknown as AlertCenter, canAck: true, cameraName: (id: string) => id.toUpperCase() } });
    expect(all('alert-toast')).toHaveLength(2);
    expect(all('alert-toast')[0].textContent).toContain('GATE');
    all('alert-ack')[1].click();
    expect(c.acknowledge).toHaveBeenCalledWith('a2');
  });

  it('hides Acknowledge from viewers', () => {
    app = mount(AlertToasts, { target: document.body, props: { alerts: center([alert('a1')]) as unknown as AlertCenter, canAck: false, cameraName: (id: string) => id } });
    expect(all('alert-toast')).toHaveLength(1);
    expect(all('alert-ack')).toHaveLength(0);
  });

  it('shows who acknowledged an alert, and counts the open ones not shown', () => {
    const list = [alert('a1', 'alice'), alert('a2'), alert('a3'), alert('a4'), alert('a5')];
    app = mount(AlertToasts, { target: document.body, props: { alerts: center(list) as unknown as AlertCenter, canAck: true, cameraName: (id: string) => id } });
    expect(all('alert-acked-by')[0].textContent).toContain('alice');
    expect(all('alert-ack')).toHaveLength(2);
    expect(all('alert-more')[0].textContent).toContain('+2');
  });

  it('collapses until the next alert', () => {
    app = mount(AlertToasts, { target: document.body, props: { alerts: center([alert('a1')]) as unknown as AlertCenter, canAck: true, cameraName: (id: string) => id } });
    all('alert-collapse')[0].click();
    flushSync();
    expect(all('alert-toast')).toHaveLength(0);
    expect(all('alert-expand')[0].textContent).toContain('1 open alert');
  });
});
