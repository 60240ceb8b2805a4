/**
 * BoostFace's Prometheus metrics on a registry of their own (never prom-client's global one, so that tests and several
 * servers in one process do not collide), rendered for GET /metrics.
 *
 * Two kinds of input:
 * - events, as they happen: stage latencies (histograms, seconds), subscription open/close and per-stream counters;
 * - live objects, read at scrape time through `collectFrom(sources)`: per-camera frame counters and source state,
 *   queue depths, the event bus. Those series mirror the sources: a camera no longer listed disappears, and a counter
 *   that restarts from 0 (a camera restarted) reads as a counter reset, which rate() handles.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SourceState } from '../cameras/source-health.js';
import type { TrackEventKind } from '../recognition/track-event.js';
import type { StreamCounters } from './subscription-stream.js';

/** One camera as seen at scrape time. Counts are cumulative since the camera's pipeline (re)started. */
export interface CameraSample {
  id: string;
  state: SourceState;
  /** Frames decoded from the source. */
  framesReceived: number;
  /** Frames handed to detection. */
  framesProcessed: number;
  /** Frames replaced by a newer one before detection took them (detection too slow). */
  framesDropped: number;
  /** Frames skipped by the camera's detect-fps cap. */
  framesSkipped: number;
  reconnects: number;
}

/** The event bus's counters (RedisBus.stats fits). */
export interface BusSample {
  published: number;
  dropped: number;
  /** Events of other replicas delivered here. */
  delivered: number;
  connected: boolean;
}

/** Read at every scrape; each is optional, and one that throws is skipped for that scrape (and counted). */
export interface MetricsSources {
  cameras?: () => Iterable<CameraSample>;
  /** Queue depths by name, e.g. { inference: pool.pending }. */
  queues?: () => Record<string, number>;
  /** Undefined when the bus keeps no counters (in-process). */
  bus?: () => BusSample | undefined;
}

export interface MetricsOptions {
  /** Process and Node.js metrics (CPU, memory, event loop lag, GC); default true. */
  defaultMetrics?: boolean;
  /** Clock for the detect-fps gauge, ms (tests). */
  now?: () => number;
}

export interface Metrics {
  readonly registry: Registry;
  /** Detection of one frame (submitted → faces), seconds. */
  readonly detectSeconds: Histogram<'camera'>;
  /** One embedding batch (all cameras share the batches), seconds. */
  readonly embedBatchSeconds: Histogram;
  /** A frame's capture time → its track event published, seconds, per event kind. */
  readonly frameToEventSeconds: Histogram<'camera' | 'kind'>;
  readonly subscriptionsActive: Gauge<'kind'>;
  subscriptionOpened(kind: string): void;
  subscriptionClosed(kind: string): void;
  /** Counters for one subscription stream of this kind (createEventStream's `counters`). */
  streamCounters(kind: string): StreamCounters;
  /** Registers scrape-time sources; a later call replaces the sources it names and keeps the others. */
  collectFrom(sources: MetricsSources): void;
  /** Drops a removed camera's event-driven series (the scrape-time ones follow the sources by themselves). */
  forgetCamera(cameraId: string): void;
  /** The exposition for GET /metrics: reads the sources, then renders every metric. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** Every source state and track-event kind, as records so that the compiler flags one added to the types. */
const SOURCE_STATES = Object.keys({ starting: 1, live: 1, reconnecting: 1, ended: 1, stopped: 1, failed: 1 } satisfies Record<SourceState, 1>);
const EVENT_KINDS = Object.keys({ started: 1, updated: 1, identified: 1, ended: 1 } satisfies Record<TrackEventKind, 1>);

/** Seconds, from 2.5 ms to 10 s: CPU detection runs 10–200 ms, frame → event adds embedding and search. */
const LATENCY_BUCKETS = [0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10];
/** The detect-fps gauge is measured over at least this long between scrapes. */
const MIN_FPS_INTERVAL_MS = 1000;

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const now = options.now ?? (() => performance.now());
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  const camera = ['camera'] as const;
  const cameraCounter = (name: string, help: string) => new Counter({ name: `boostface_camera_${name}_total`, help, labelNames: camera, registers });
  const framesReceived = cameraCounter('frames_received', 'Frames decoded from the camera source.');
  const framesProcessed = cameraCounter('frames_processed', 'Frames handed to face detection.');
  const framesDropped = cameraCounter('frames_dropped', 'Frames replaced by a newer one before detection took them (detection too slow).');
  const framesSkipped = cameraCounter('frames_skipped', "Frames skipped by the camera's detect-fps cap.");
  const reconnects = cameraCounter('reconnects', 'Source restarts after the first run.');
  const detectFps = new Gauge({ name: 'boostface_camera_detect_fps', help: 'Frames detected per second since the previous scrape (at least 1 s before).', labelNames: camera, registers });
  const sourceState = new Gauge({ name: 'boostface_camera_source_state', help: 'Source state: 1 for the current state, 0 for the others.', labelNames: ['camera', 'state'] as const, registers });

  const detectSeconds = new Histogram({ name: 'boostface_detect_duration_seconds', help: 'Detection of one frame, submitted to faces.', labelNames: camera, buckets: LATENCY_BUCKETS, registers });
  const embedBatchSeconds = new Histogram({ name: 'boostface_embed_batch_duration_seconds', help: 'One embedding batch.', buckets: LATENCY_BUCKETS, registers });
  const frameToEventSeconds = new Histogram({
    name: 'boostface_frame_to_event_seconds',
    help: "A frame's capture time to its track event being published.",
    labelNames: ['camera', 'kind'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });

  const queueDepth = new Gauge({ name: 'boostface_queue_depth', help: 'Jobs waiting or running, per queue.', labelNames: ['queue'] as const, registers });

  const kind = ['kind'] as const;
  const subscriptionsActive = new Gauge({ name: 'boostface_subscriptions_active', help: 'Open subscriptions, per kind.', labelNames: kind, registers });
  const delivered = new Counter({ name: 'boostface_subscription_events_delivered_total', help: 'Events delivered to subscribers.', labelNames: kind, registers });
  const coalesced = new Counter({ name: 'boostface_subscription_events_coalesced_total', help: 'Queued events replaced by a newer one of the same key (box updates of a track).', labelNames: kind, registers });
  const dropped = new Counter({ name: 'boostface_subscription_events_dropped_total', help: 'Droppable events discarded for a subscriber that fell behind.', labelNames: kind, registers });
  const overflowed = new Counter({ name: 'boostface_subscriptions_overflowed_total', help: 'Subscriptions closed because the subscriber stayed behind.', labelNames: kind, registers });

  const busPublished = new Counter({ name: 'boostface_bus_published_total', help: 'Events the bus sent to the other replicas.', registers });
  const busDropped = new Counter({ name: 'boostface_bus_dropped_total', help: 'Events the bus could not send to the other replicas (Redis down or slow).', registers });
  const busDelivered = new Counter({ name: 'boostface_bus_delivered_total', help: 'Events of other replicas delivered here.', registers });
  const busConnected = new Gauge({ name: 'boostface_bus_connected', help: '1 while the bus is connected to Redis with every subscription live.', registers });

  const sourceErrors = new Counter({ name: 'boostface_metrics_source_errors_total', help: 'Scrape-time sources that threw (their series are missing from that scrape).', labelNames: ['source'] as const, registers });

  const sources: MetricsSources = {};
  /** Per camera: the previous fps measurement point and the last rate. */
  const fpsState = new Map<string, { at: number; count: number; fps: number | undefined }>();

  const read = <T>(name: keyof MetricsSources, get: (() => T) | undefined): T | undefined => {
    if (!get) return undefined;
    try {
      return get();
    } catch {
      sourceErrors.inc({ source: name });
      return undefined;
    }
  };

  const measureFps = (id: string, count: number, at: number): number | undefined => {
    const prev = fpsState.get(id);
    if (!prev || count < prev.count) {
      fpsState.set(id, { at, count, fps: undefined });
      return undefined;
    }
    if (at - prev.at < MIN_FPS_INTERVAL_MS) return prev.fps;
    const fps = ((count - prev.count) * 1000) / (at - prev.at);
    fpsState.set(id, { at, count, fps });
    return fps;
  };

  const refresh = () => {
    const cameraList = read('cameras', sources.cameras && (() => [...sources.cameras!()]));
    for (const m of [framesReceived, framesProcessed, framesDropped, framesSkipped, reconnects]) m.reset();
    detectFps.reset();
    sourceState.reset();
    const at = now();
    const seen = new Set<string>();
    for (const c of cameraList ?? []) {
      const labels = { camera: c.id };
      seen.add(c.id);
      framesReceived.inc(labels, c.framesReceived);
      framesProcessed.inc(labels, c.framesProcessed);
      framesDropped.inc(labels, c.framesDropped);
      framesSkipped.inc(labels, c.framesSkipped);
      reconnects.inc(labels, c.reconnects);
      for (const state of SOURCE_STATES) sourceState.set({ camera: c.id, state }, state === c.state ? 1 : 0);
      const fps = measureFps(c.id, c.framesProcessed, at);
      if (fps !== undefined) detectFps.set(labels, fps);
    }
    // A failed read keeps the fps baselines (the cameras are still there); a camera no longer listed loses its own.
    if (cameraList) for (const id of fpsState.keys()) if (!seen.has(id)) fpsState.delete(id);

    queueDepth.reset();
    for (const [queue, depth] of Object.entries(read('queues', sources.queues) ?? {})) queueDepth.set({ queue }, depth);

    for (const m of [busPublished, busDropped, busDelivered, busConnected]) m.reset();
    const bus = read('bus', sources.bus);
    if (bus) {
      busPublished.inc(bus.published);
      busDropped.inc(bus.dropped);
      busDelivered.inc(bus.delivered);
      busConnected.set(bus.connected ? 1 : 0);
    } else {
      // No bus counters (in-process bus): leave the series out rather than report zeros and "disconnected".
      for (const m of [busPublished, busDropped, busDelivered, busConnected]) m.remove();
    }
  };

  const countersByKind = new Map<string, StreamCounters>();

  return {
    registry,
    detectSeconds,
    embedBatchSeconds,
    frameToEventSeconds,
    subscriptionsActive,
    subscriptionOpened: (k) => subscriptionsActive.inc({ kind: k }),
    subscriptionClosed: (k) => subscriptionsActive.dec({ kind: k }),
    streamCounters(k) {
      let c = countersByKind.get(k);
      if (!c) {
        const labels = { kind: k };
        const [d, co, dr, o] = [delivered.labels(labels), coalesced.labels(labels), dropped.labels(labels), overflowed.labels(labels)];
        c = { delivered: () => d.inc(), coalesced: () => co.inc(), dropped: () => dr.inc(), overflowed: () => o.inc() };
        countersByKind.set(k, c);
      }
      return c;
    },
    collectFrom(more) {
      Object.assign(sources, more);
    },
    forgetCamera(cameraId) {
      detectSeconds.remove({ camera: cameraId });
      for (const kind of EVENT_KINDS) frameToEventSeconds.remove({ camera: cameraId, kind });
      fpsState.delete(cameraId);
    },
    async render() {
      refresh();
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
