import { describe, expect, it } from 'vitest';
import { parseRoute, routeHref, trackHref } from './routes.js';

describe('routes', () => {
  it('maps paths to screens, "/" being the wall', () => {
    expect(parseRoute('/')).toEqual({ screen: 'wall' });
    expect(parseRoute('/wall/')).toEqual({ screen: 'wall' });
    expect(parseRoute('/identities')).toEqual({ screen: 'identities' });
    expect(parseRoute('/login')).toEqual({ screen: 'login' });
    expect(parseRoute('/nope')).toEqual({ screen: 'notFound', path: '/nope' });
  });

  it('round-trips a track id that needs escaping', () => {
    const id = 'stage cam/mx08-15';
    const href = trackHref(id);
    expect(href).toBe('/tracks/stage%20cam%2Fmx08-15');
    expect(parseRoute(href)).toEqual({ screen: 'track', trackId: id });
  });

  it('does not crash on a malformed escape', () => {
    expect(parseRoute('/tracks/%E0%A4%A')).toEqual({ screen: 'notFound', path: '/tracks/%E0%A4%A' });
  });

  it('builds hrefs for screens', () => {
    expect(routeHref({ screen: 'audit' })).toBe('/audit');
    expect(routeHref({ screen: 'login' })).toBe('/login');
  });
});
