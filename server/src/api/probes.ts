/**
 * What orchestrators probe on every role: /healthz (the process answers), /readyz (started and not stopping: the
 * engine and the cameras this process knows, with their state), /metrics (Prometheus). The API server mounts these
 * routes beside GraphQL; a worker (`serve --role worker`, no GraphQL) serves them alone with `startProbeServer`.
 */
import http from 'node:http';
import express from 'express';
import { RedisBus } from '../bus/redis-bus.js';
import type { Role } from '../config.js';
import type { Core, Live } from '../main.js';
import { listen } from './listen.js';
import { createMetrics, type Metrics } from './metrics.js';

/** Feeds the metrics from a live system (cameras, queues, bus, stage timings, frame→event latency); returns the undo. */
export function observeLive(metrics: Metrics, core: Core, live: Live): () => void {
  metrics.collectFrom({
    cameras: () =>
      live.cameras.list().map((c) => {
        const sched = live.schedulerStats(c.camera.id);
        return {
          id: c.camera.id,
          state: c.health.state,
          framesReceived: c.health.framesReceived,
          framesProcessed: live.recognition.processedFrames(c.camera.id) ?? 0,
          framesDropped: sched?.dropped ?? 0,
          framesSkipped: sched?.skipped ?? 0,
          reconnects: c.health.reconnects,
        };
      }),
    queues: () => ({ inference: core.pool.pending }),
    bus: () => (live.bus instanceof RedisBus ? live.bus.stats : undefined),
  });
  const timing = (t: { stage: 'detect' | 'embed'; ms: number; cameraId?: string }) =>
    t.stage === 'detect' ? metrics.detectSeconds.observe({ camera: t.cameraId ?? '' }, t.ms / 1000) : metrics.embedBatchSeconds.observe(t.ms / 1000);
  live.recognition.timingObservers.add(timing);
  const offLatency = live.bus.subscribe('trackEvents', (e) => metrics.frameToEventSeconds.observe({ camera: e.cameraId, kind: e.kind }, Math.max(0, Date.now() - e.ts) / 1000));
  return () => {
    offLatency();
    live.recognition.timingObservers.delete(timing);
  };
}

export interface ProbeOptions {
  metrics: Metrics;
  core: Core;
  live: Live;
  role: Role;
  /** False once the process is stopping: /readyz answers 503. */
  ready: () => boolean;
}

export function probeRoutes(o: ProbeOptions): express.Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  router.get('/readyz', (_req, res) => {
    if (!o.ready()) return void res.status(503).json({ status: 'stopping' });
    res.json({ status: 'ready', role: o.role, engine: o.core.pool.info, cameras: o.live.cameras.list().map((c) => ({ id: c.camera.id, state: c.health.state })) });
  });
  router.get('/metrics', async (_req, res) => {
    const m = await o.metrics.render();
    res.setHeader('content-type', m.contentType);
    res.end(m.body);
  });
  return router;
}

export interface ProbeServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The probes alone on `host:port` (a worker's listener). */
export async function startProbeServer(o: { core: Core; live: Live; role: Role; port: number; host: string }): Promise<ProbeServer> {
  const metrics = createMetrics();
  const unobserve = observeLive(metrics, o.core, o.live);
  let ready = true;
  const app = express();
  app.disable('x-powered-by');
  app.use(probeRoutes({ metrics, core: o.core, live: o.live, role: o.role, ready: () => ready }));
  const server = http.createServer(app);
  const { url, port } = await listen(server, o.port, o.host);
  return {
    url,
    port,
    async close() {
      ready = false;
      unobserve();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
