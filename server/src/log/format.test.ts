import { describe, expect, it } from 'vitest';
import { plainLine, prettyLine } from './format.js';

describe('plainLine', () => {
  it('is "component: msg", or the message alone without a component', () => {
    expect(plainLine({ level: 'info', component: 'engine', msg: 'detector on cpu', workers: 2 })).toBe('engine: detector on cpu');
    expect(plainLine({ level: 'info', msg: 'hello' })).toBe('hello');
  });
});

describe('prettyLine', () => {
  it('renders time, padded level, component, message and the other fields as key=value', () => {
    const line = prettyLine({
      level: 'warn',
      time: '2025-01-02T03:04:05.678Z',
      pid: 1,
      hostname: 'h',
      component: 'cameras',
      msg: 'camera door: reconnecting',
      cameraId: 'door',
      lastError: 'connection refused',
      reconnects: 3,
      live: false,
      providers: ['cuda', 'cpu'],
    });
    expect(line).toBe(
      '2025-01-02T03:04:05.678Z WARN  cameras: camera door: reconnecting cameraId=door lastError="connection refused" reconnects=3 live=false providers=["cuda","cpu"]',
    );
  });

  it('quotes values that would not split back (spaces, quotes, "=")', () => {
    expect(prettyLine({ level: 'info', time: 't', msg: 'm', a: 'x=y', b: 'say "hi"', c: '' })).toBe('t INFO  m a="x=y" b="say \\"hi\\"" c=""');
  });

  it('puts an error message in err= and its stack below, indented', () => {
    const line = prettyLine({ level: 'error', time: 't', component: 'api', msg: 'boom', err: { type: 'Error', message: 'bad thing', stack: 'Error: bad thing\n    at f (x.js:1:1)' } });
    expect(line.split('\n')).toEqual(['t ERROR api: boom err="bad thing"', '    Error: bad thing', '        at f (x.js:1:1)']);
  });
});
