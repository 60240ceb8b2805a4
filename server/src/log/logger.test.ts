import { describe, expect, it } from 'vitest';
import { createLogger, forComponent, lineLogger, type LogLevel } from './logger.js';

function capture(level?: LogLevel, format?: 'json' | 'pretty') {
  const out: string[] = [];
  const logger = createLogger({ level, format, destination: { write: (s) => out.push(s) } });
  return { logger, out, records: () => out.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('createLogger (json)', () => {
  it('writes one JSON object per line with the level name, an ISO time, pid, hostname, message and fields', () => {
    const { logger, out, records } = capture();
    logger.info({ cameras: 2 }, 'listening');
    expect(out).toHaveLength(1);
    expect(out[0].endsWith('\n')).toBe(true);
    const [r] = records();
    expect(r).toMatchObject({ level: 'info', msg: 'listening', cameras: 2, pid: process.pid });
    expect(typeof r.hostname).toBe('string');
    expect(new Date(r.time as string).toISOString()).toBe(r.time);
  });

  it('defaults to info and drops records below the configured level', () => {
    const info = capture();
    info.logger.debug('hidden');
    info.logger.info('shown');
    expect(info.records().map((r) => r.msg)).toEqual(['shown']);

    const warn = capture('warn');
    warn.logger.info('hidden');
    warn.logger.warn('w');
    warn.logger.error('e');
    warn.logger.fatal('f');
    expect(warn.records().map((r) => [r.level, r.msg])).toEqual([['warn', 'w'], ['error', 'e'], ['fatal', 'f']]);

    const trace = capture('trace');
    trace.logger.trace('t');
    expect(trace.records()[0]).toMatchObject({ level: 'trace', msg: 't' });
  });

  it('tags the records of a component child logger', () => {
    const { logger, records } = capture();
    forComponent(logger, 'engine').info({ workers: 2 }, 'ready');
    forComponent(logger, 'cameras').warn({ cameraId: 'door' }, 'reconnecting');
    expect(records().map((r) => [r.component, r.level, r.msg])).toEqual([
      ['engine', 'info', 'ready'],
      ['cameras', 'warn', 'reconnecting'],
    ]);
  });

  it('serializes errors with type, message and stack', () => {
    const { logger, records } = capture();
    logger.error({ err: new TypeError('nope') }, 'failed');
    const err = records()[0].err as Record<string, string>;
    expect(err.type).toBe('TypeError');
    expect(err.message).toBe('nope');
    expect(err.stack).toMatch(/TypeError: nope\n\s+at /);
  });

  it('never writes values of secret-named fields', () => {
    const { logger, out } = capture();
    logger.info({ token: 'tok-123', redis: { password: 'pw-456' }, secret: 'sec-789' }, 'x');
    expect(out[0]).not.toMatch(/tok-123|pw-456|sec-789/);
    expect(JSON.parse(out[0])).toMatchObject({ token: '[redacted]', secret: '[redacted]', redis: { password: '[redacted]' } });
  });
});

describe('createLogger (pretty)', () => {
  it('prints one human line per record, without pid or hostname', () => {
    const { logger, out } = capture('info', 'pretty');
    forComponent(logger, 'serve').info({ url: 'http://127.0.0.1:8080' }, 'listening');
    logger.debug('hidden');
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO {2}serve: listening url=http:\/\/127\.0\.0\.1:8080\n$/);
  });
});

describe('lineLogger', () => {
  it('turns records into the plain "component: msg" lines of a text callback, at info and above', () => {
    const lines: string[] = [];
    const logger = lineLogger((l) => lines.push(l));
    forComponent(logger, 'engine').info({ workers: 2 }, 'detector on cpu');
    logger.warn('no component');
    logger.debug('hidden');
    expect(lines).toEqual(['engine: detector on cpu', 'no component']);
  });
});
