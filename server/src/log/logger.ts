/**
 * Structured logs (pino): one record per event with a level, an ISO time, the component that wrote it and fields.
 *
 *   createLogger({ level, format })  the server's logger: JSON lines on stderr, or one human line per record
 *                                    (format "pretty", our own formatter: no pino-pretty dependency)
 *   lineLogger(write)                a logger whose records become the plain "component: msg" lines that library
 *                                    callers of openCore/startLive/startApiServer received before (their callbacks)
 *   forComponent(logger, name)       the child logger of one component (records carry `component`)
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { plainLine, prettyLine, type LogRecord } from './format.js';
import type { LogFormat, LogLevel } from './levels.js';

export type { Logger };

export { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './levels.js';

/** The components of the server; `component` in every record says which part wrote it. */
export type Component = 'serve' | 'engine' | 'cameras' | 'recognition' | 'api' | 'bus' | 'store' | 'alerts' | 'retention';

export interface CreateLoggerOptions {
  /** Lowest level written (default info). */
  level?: LogLevel;
  /** json (default): one JSON object per line; pretty: "time LEVEL component: msg key=value". */
  format?: LogFormat;
  /** Where lines go (default stderr, written synchronously so that nothing is lost when the process exits). */
  destination?: { write(line: string): unknown };
}

/**
 * Field names whose values never reach a log, whatever a caller passes (defence in depth: callers do not log
 * secrets). The first admin token's secret is the one deliberate exception, under its own name (see line-log.ts).
 */
const REDACTED = ['secret', 'token', 'password', 'authorization', 'adminToken', 'mediaSecret'];
const REDACT_PATHS = [...REDACTED, ...REDACTED.map((k) => `*.${k}`)];

function baseOptions(level: LogLevel): LoggerOptions {
  return {
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    // Level names rather than pino's numbers: readable as they are and by any log collector.
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
}

/** A pino destination that renders each serialized record with `render` and hands the line to `write`. */
function renderingStream(render: (r: LogRecord) => string, write: (line: string) => void): DestinationStream {
  return { write: (chunk: string) => void write(render(JSON.parse(chunk) as LogRecord)) };
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const out = options.destination;
  if (options.format === 'pretty') {
    const write = out ? (line: string) => out.write(`${line}\n`) : (line: string) => process.stderr.write(`${line}\n`);
    return pino({ ...baseOptions(level), base: undefined }, renderingStream(prettyLine, write));
  }
  return pino(baseOptions(level), out ? { write: (chunk: string) => void out.write(chunk) } : pino.destination({ dest: 2, sync: true }));
}

/** Records at `level` and above become "component: msg" lines handed to `write` (fields are left out). */
export function lineLogger(write: (line: string) => void, level: LogLevel = 'info'): Logger {
  return pino({ ...baseOptions(level), base: undefined }, renderingStream(plainLine, write));
}

/** The default of library callers that pass neither a logger nor a callback: plain lines on stderr. */
export const stderrLine = (line: string): void => void process.stderr.write(`${line}\n`);

export function forComponent(logger: Logger, component: Component): Logger {
  return logger.child({ component });
}
