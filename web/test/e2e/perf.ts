/**
 * The wall's performance over a run: samples of the page's counters (`window.__boostface`, a requestAnimationFrame
 * counter, performance.memory after a forced GC) and of the browser's memory (PSS of its processes), summarised as rates, growth
 * and backlog trend. Growth compares the median of the first and last thirds of the samples, so one GC-timing outlier
 * does not decide it.
 */
import type { CDPSession, Page } from 'playwright-core';

export interface PerfSample {
  /** ms since the first sample */
  t: number;
  heapBytes: number;
  /** Proportional set size of all the browser's processes. */
  browserKiB: number | null;
  domNodes: number;
  overlayDraws: number;
  overlayDrawMs: number;
  framesShown: number;
  framesReceived: number;
  framesDropped: number;
  decodeErrors: number;
  raf: number;
  backlog: number;
  streaming: number;
}

/** Counts animation frames the page gets (the display rate the overlays can reach). Installed before the app loads. */
export const RAF_COUNTER = `(() => { window.__e2eRaf = 0; const tick = () => { window.__e2eRaf++; requestAnimationFrame(tick); }; requestAnimationFrame(tick); })();`;

interface PageCounters {
  heapBytes: number;
  raf: number;
  backlog: number;
  streaming: number;
  stats: { framesReceived: number; framesShown: number; framesDropped: number; decodeErrors: number; overlayDraws: number; overlayDrawMs: number };
}

export async function samplePage(page: Page, cdp: CDPSession, browserKiB: number | null, t: number): Promise<PerfSample> {
  const c = await page.evaluate((): PageCounters => {
    const w = window as unknown as {
      gc?: () => void;
      __e2eRaf: number;
      __boostface: { videoStats: PageCounters['stats']; backlog(): number; streaming(): number };
    };
    w.gc?.();
    const memory = (performance as unknown as { memory: { usedJSHeapSize: number } }).memory;
    return { heapBytes: memory.usedJSHeapSize, raf: w.__e2eRaf, backlog: w.__boostface.backlog(), streaming: w.__boostface.streaming(), stats: { ...w.__boostface.videoStats } };
  });
  const dom = (await cdp.send('Memory.getDOMCounters')) as { nodes: number };
  return { t, heapBytes: c.heapBytes, browserKiB, domNodes: dom.nodes, raf: c.raf, backlog: c.backlog, streaming: c.streaming, ...c.stats };
}

export interface PerfSummary {
  seconds: number;
  samples: number;
  /** Overlay draws (frame + boxes on one tile's canvas) per second, all tiles together, and per tile. */
  overlayFps: number;
  overlayFpsPerTile: number;
  /** Mean time of one overlay draw (ms). */
  overlayDrawMs: number;
  /** Decoded frames shown per second, all cameras together. */
  videoFps: number;
  receivedFps: number;
  rafFps: number;
  droppedFraction: number;
  decodeErrors: number;
  heapStartMB: number;
  heapEndMB: number;
  heapGrowthMB: number;
  browserStartMB: number | null;
  browserEndMB: number | null;
  browserGrowthMB: number | null;
  domNodesStart: number;
  domNodesEnd: number;
  backlogFirstThird: number;
  backlogLastThird: number;
  backlogMax: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const MB = 1024 * 1024;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

export function summarize(samples: readonly PerfSample[], tiles: number): PerfSummary {
  if (samples.length < 6) throw new Error(`need at least 6 samples, got ${samples.length}`);
  const first = samples[0];
  const last = samples[samples.length - 1];
  const seconds = (last.t - first.t) / 1000;
  const third = Math.floor(samples.length / 3);
  const head = samples.slice(0, third);
  const tail = samples.slice(samples.length - third);
  const rate = (k: keyof PerfSample) => ((last[k] as number) - (first[k] as number)) / seconds;
  const draws = last.overlayDraws - first.overlayDraws;
  const received = last.framesReceived - first.framesReceived;
  const browser = samples.every((s) => s.browserKiB !== null) ? samples.map((s) => s.browserKiB! / 1024) : null;
  return {
    seconds: round(seconds),
    samples: samples.length,
    overlayFps: round(rate('overlayDraws')),
    overlayFpsPerTile: round(rate('overlayDraws') / tiles),
    overlayDrawMs: round(draws ? (last.overlayDrawMs - first.overlayDrawMs) / draws : 0, 2),
    videoFps: round(rate('framesShown')),
    receivedFps: round(rate('framesReceived')),
    rafFps: round(rate('raf')),
    droppedFraction: round(received ? (last.framesDropped - first.framesDropped) / received : 0, 3),
    decodeErrors: last.decodeErrors - first.decodeErrors,
    heapStartMB: round(median(head.map((s) => s.heapBytes)) / MB),
    heapEndMB: round(median(tail.map((s) => s.heapBytes)) / MB),
    heapGrowthMB: round((median(tail.map((s) => s.heapBytes)) - median(head.map((s) => s.heapBytes))) / MB, 2),
    browserStartMB: browser ? round(median(browser.slice(0, third))) : null,
    browserEndMB: browser ? round(median(browser.slice(browser.length - third))) : null,
    browserGrowthMB: browser ? round(median(browser.slice(browser.length - third)) - median(browser.slice(0, third))) : null,
    domNodesStart: first.domNodes,
    domNodesEnd: last.domNodes,
    backlogFirstThird: round(mean(head.map((s) => s.backlog))),
    backlogLastThird: round(mean(tail.map((s) => s.backlog))),
    backlogMax: Math.max(...samples.map((s) => s.backlog)),
  };
}
