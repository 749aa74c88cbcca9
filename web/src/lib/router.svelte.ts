/**
 * The app's two places, kept in the address bar so a deep link such as
 * /b/photos survives reload and the back button.
 */
export type Route = { readonly view: 'buckets' } | { readonly view: 'bucket'; readonly bucket: string } | { readonly view: 'missing'; readonly path: string };

export function parseRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { view: 'buckets' };
  const match = /^\/b\/([^/]+)\/?$/.exec(pathname);
  if (match) {
    try {
      return { view: 'bucket', bucket: decodeURIComponent(match[1]) };
    } catch {
      return { view: 'missing', path: pathname };
    }
  }
  return { view: 'missing', path: pathname };
}

export const bucketHref = (bucket: string): string => `/b/${encodeURIComponent(bucket)}`;

class Router {
  route = $state<Route>(parseRoute(location.pathname));

  constructor() {
    addEventListener('popstate', () => (this.route = parseRoute(location.pathname)));
  }

  go(path: string, options: { replace?: boolean } = {}): void {
    if (path === location.pathname) return;
    if (options.replace) history.replaceState(null, '', path);
    else history.pushState(null, '', path);
    this.route = parseRoute(location.pathname);
  }

  /** For `<a href onclick>`: follow in-app links without a page load, leave modified clicks to the browser. */
  follow = (event: MouseEvent): void => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.currentTarget as HTMLAnchorElement;
    if (link.origin !== location.origin) return;
    event.preventDefault();
    this.go(link.pathname);
  };
}

export const router = new Router();
