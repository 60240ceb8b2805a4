/** The app's URLs (history API; `boostface serve` answers every unknown path with index.html). */
import type { ScreenId } from '../access/access.js';

export type Route = { screen: ScreenId } | { screen: 'track'; trackId: string } | { screen: 'login' } | { screen: 'notFound'; path: string };

const SIMPLE: Record<string, ScreenId> = {
  '/': 'wall',
  '/wall': 'wall',
  '/identities': 'identities',
  '/search': 'search',
  '/cameras': 'cameras',
  '/audit': 'audit',
  '/tokens': 'tokens',
};

export function parseRoute(pathname: string): Route {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  if (path === '/login') return { screen: 'login' };
  const simple = SIMPLE[path];
  if (simple) return { screen: simple };
  const track = /^\/tracks\/([^/]+)$/.exec(path);
  if (track) {
    try {
      return { screen: 'track', trackId: decodeURIComponent(track[1]) };
    } catch {
      /* malformed escape: not a route */
    }
  }
  return { screen: 'notFound', path: pathname };
}

export function routeHref(route: Route): string {
  switch (route.screen) {
    case 'track':
      return `/tracks/${encodeURIComponent(route.trackId)}`;
    case 'notFound':
      return route.path;
    default:
      return `/${route.screen}`;
  }
}

export const trackHref = (trackId: string) => routeHref({ screen: 'track', trackId });
