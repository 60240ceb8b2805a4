/** Client-side navigation with the history API; every same-origin link click in the app goes through `go`. */
import { parseRoute, type Route } from './routes.js';

class Router {
  route = $state<Route>(parseRoute(location.pathname));

  constructor() {
    window.addEventListener('popstate', () => (this.route = parseRoute(location.pathname)));
  }

  go(href: string, replace = false): void {
    if (href === location.pathname + location.search) return;
    if (replace) history.replaceState(null, '', href);
    else history.pushState(null, '', href);
    this.route = parseRoute(location.pathname);
    window.scrollTo(0, 0);
  }
}

export const router = new Router();

/** Document click handler: in-app links navigate without reloading (media and new-tab clicks are left alone). */
export function interceptLinks(e: MouseEvent): void {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element | null)?.closest?.('a');
  if (!a || a.target || a.hasAttribute('download') || a.origin !== location.origin) return;
  if (a.pathname.startsWith('/media/') || a.pathname.startsWith('/graphql')) return;
  e.preventDefault();
  router.go(a.pathname + a.search);
}
