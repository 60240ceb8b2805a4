import { register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics, type CameraSample } from './metrics.js';
import { createEventStream } from './subscription-stream.js';

/** The value of one series in the text exposition, e.g. value(body, 'x_total{kind="a"}'); undefined when absent. */
function value(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const camera = (id: string, over: Partial<CameraSample> = {}): CameraSample => ({
  id,
  state: 'live',
  framesReceived: 100,
  framesProcessed: 40,
  framesDropped: 5,
  framesSkipped: 55,
  reconnects: 1,
  ...over,
});

describe('createMetrics', () => {
  it('renders event-driven metrics with their label values', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.detectSeconds.observe({ camera: 'door' }, 0.042);
    m.detectSeconds.observe({ camera: 'door' }, 0.3);
    m.embedBatchSeconds.observe(0.015);
    m.frameToEventSeconds.observe({ camera: 'door', kind: 'identified' }, 0.12);
    m.subscriptionOpened('trackEvents');
    m.subscriptionOpened('trackEvents');
    m.subscriptionOpened('alerts');
    m.subscriptionClosed('trackEvents');
    const c = m.streamCounters('trackEvents');
    c.delivered();
    c.delivered();
    c.coalesced();
    c.dropped();
    c.overflowed();
    expect(m.streamCounters('trackEvents')).toBe(c);

    const { contentType, body } = await m.render();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(value(body, 'boostface_detect_duration_seconds_count{camera="door"}')).toBe(2);
    expect(value(body, 'boostface_detect_duration_seconds_bucket{le="0.05",camera="door"}')).toBe(1);
    expect(value(body, 'boostface_detect_duration_seconds_sum{camera="door"}')).toBeCloseTo(0.342);
    expect(value(body, 'boostface_embed_batch_duration_seconds_count')).toBe(1);
    expect(value(body, 'boostface_frame_to_event_seconds_count{camera="door",kind="identified"}')).toBe(1);
    expect(value(body, 'boostface_subscriptions_active{kind="trackEvents"}')).toBe(1);
    expect(value(body, 'boostface_subscriptions_active{kind="alerts"}')).toBe(1);
    expect(value(body, 'boostface_subscription_events_delivered_total{kind="trackEvents"}')).toBe(2);
    expect(value(body, 'boostface_subscription_events_coalesced_total{kind="trackEvents"}')).toBe(1);
    expect(value(body, 'boostface_subscription_events_dropped_total{kind="trackEvents"}')).toBe(1);
    expect(value(body, 'boostface_subscriptions_overflowed_total{kind="trackEvents"}')).toBe(1);
    // Our own registry: nothing lands in prom-client's global one.
    expect(await globalRegistry.metrics()).not.toContain('boostface_');
  });

  it('counts what subscription streams report', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const s = createEventStream<{ track: string; update: boolean }>({
      capacity: 2,
      coalesceKey: (e) => (e.update ? e.track : undefined),
      counters: m.streamCounters('trackEvents'),
    });
    s.push({ track: 'a', update: true });
    s.push({ track: 'a', update: true });
    await s.iterator.next();
    const { body } = await m.render();
    expect(value(body, 'boostface_subscription_events_delivered_total{kind="trackEvents"}')).toBe(1);
    expect(value(body, 'boostface_subscription_events_coalesced_total{kind="trackEvents"}')).toBe(1);
  });

  it('reads cameras, queues and the bus at scrape time; series follow the sources', async () => {
    const m = createMetrics({ defaultMetrics: false });
    let cameras = [camera('door'), camera('lobby', { state: 'reconnecting', reconnects: 3 })];
    m.collectFrom({ cameras: () => cameras, queues: () => ({ inference: 7 }) });
    m.collectFrom({ bus: () => ({ published: 10, dropped: 2, delivered: 4, connected: true }) });

    let body = (await m.render()).body;
    expect(value(body, 'boostface_camera_frames_received_total{camera="door"}')).toBe(100);
    expect(value(body, 'boostface_camera_frames_processed_total{camera="door"}')).toBe(40);
    expect(value(body, 'boostface_camera_frames_dropped_total{camera="door"}')).toBe(5);
    expect(value(body, 'boostface_camera_frames_skipped_total{camera="door"}')).toBe(55);
    expect(value(body, 'boostface_camera_reconnects_total{camera="lobby"}')).toBe(3);
    expect(value(body, 'boostface_camera_source_state{camera="lobby",state="reconnecting"}')).toBe(1);
    expect(value(body, 'boostface_camera_source_state{camera="lobby",state="live"}')).toBe(0);
    expect(value(body, 'boostface_camera_source_state{camera="door",state="live"}')).toBe(1);
    expect(body.match(/^boostface_camera_source_state\{camera="door"/gm)).toHaveLength(6);
    expect(value(body, 'boostface_queue_depth{queue="inference"}')).toBe(7);
    expect(value(body, 'boostface_bus_published_total')).toBe(10);
    expect(value(body, 'boostface_bus_dropped_total')).toBe(2);
    expect(value(body, 'boostface_bus_delivered_total')).toBe(4);
    expect(value(body, 'boostface_bus_connected')).toBe(1);

    // A camera removed, another's counters moved on: the next scrape shows exactly that.
    cameras = [camera('door', { framesProcessed: 90, state: 'failed' })];
    m.collectFrom({ bus: () => undefined });
    body = (await m.render()).body;
    expect(value(body, 'boostface_camera_frames_processed_total{camera="door"}')).toBe(90);
    expect(value(body, 'boostface_camera_source_state{camera="door",state="failed"}')).toBe(1);
    expect(body).not.toContain('camera="lobby"');
    expect(value(body, 'boostface_queue_depth{queue="inference"}')).toBe(7); // kept: collectFrom replaces only what it names
    expect(value(body, 'boostface_bus_published_total')).toBeUndefined();
    expect(value(body, 'boostface_bus_connected')).toBeUndefined();
  });

  it('measures detect fps between scrapes at least 1 s apart, and restarts after a counter reset', async () => {
    let t = 0;
    const m = createMetrics({ defaultMetrics: false, now: () => t });
    let processed = 0;
    m.collectFrom({ cameras: () => [camera('door', { framesProcessed: processed })] });
    const fps = async () => value((await m.render()).body, 'boostface_camera_detect_fps{camera="door"}');

    expect(await fps()).toBeUndefined(); // one point is no rate
    t = 2000;
    processed = 50;
    expect(await fps()).toBe(25);
    t = 2500;
    processed = 60;
    expect(await fps()).toBe(25); // too soon: the last rate stands
    t = 3000;
    processed = 80;
    expect(await fps()).toBe(30); // 30 frames over the 1 s since the 2 s point
    t = 4000;
    processed = 3; // the camera restarted
    expect(await fps()).toBeUndefined();
    t = 6000;
    processed = 23;
    expect(await fps()).toBe(10);
  });

  it('a throwing source does not fail the scrape; it is counted and the others are rendered', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.collectFrom({
      cameras: () => {
        throw new Error('gone');
      },
      queues: () => ({ inference: 2 }),
    });
    const { body } = await m.render();
    expect(value(body, 'boostface_metrics_source_errors_total{source="cameras"}')).toBe(1);
    expect(value(body, 'boostface_queue_depth{queue="inference"}')).toBe(2);
  });

  it('forgetCamera drops a removed camera from the latency histograms', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.detectSeconds.observe({ camera: 'door' }, 0.05);
    m.detectSeconds.observe({ camera: 'lobby' }, 0.05);
    m.frameToEventSeconds.observe({ camera: 'door', kind: 'started' }, 0.1);
    m.frameToEventSeconds.observe({ camera: 'door', kind: 'ended' }, 0.1);
    m.forgetCamera('door');
    const { body } = await m.render();
    expect(body).not.toContain('camera="door"');
    expect(value(body, 'boostface_detect_duration_seconds_count{camera="lobby"}')).toBe(1);
  });

  it('includes the process and Node.js default metrics', async () => {
    const { body } = await createMetrics().render();
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(body).toMatch(new RegExp(`^${name} `, 'm'));
    }
  });
});
