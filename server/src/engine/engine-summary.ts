import type { AnalyzerInfo } from './face-analyzer.js';

/** What the engine runs on, as log lines: provider fallbacks first, then models, providers and workers. */
export function engineSummary(info: AnalyzerInfo, workers: number, threads: number): string[] {
  const { detector, recognizer } = info;
  return [
    ...[...detector.fallbacks, ...(recognizer?.fallbacks ?? [])].map((line) => `engine: ${line}; using CPU`),
    `engine: detector ${detector.file} on ${detector.provider}` +
      (recognizer ? `, recognizer ${recognizer.file} on ${recognizer.provider} (batch ≤ ${recognizer.maxBatch})` : '') +
      `, ${workers} worker(s) x ${threads} thread(s)`,
  ];
}
