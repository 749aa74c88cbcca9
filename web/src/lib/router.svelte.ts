/**
 * The app's places, kept in the address bar so a deep link such as
 * /b/photos/2024/summer/ survives reload and the back button.
 */
export type Route =
  | { readonly view: 'buckets' }
  | { readonly view: 'bucket'; readonly bucket: string; readonly prefix: string }
  | { readonly view: 'missing'; readonly path: string };

export function parseRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { view: 'buckets' };
  const match = /^\/b\/([^/]+)(?:\/(.*))?$/.exec(pathname);
  if (match) {
    try {
      const bucket = decodeURIComponent(match[1]);
      // Each folder name is percent-encoded on its own; the slashes between them are the path's own.
      const path = (match[2] ?? '').split('/').map(decodeURIComponent).join('/');
      const prefix = path === '' || path.endsWith('/') ? path : `${path}/`;
      return { view: 'bucket', bucket, prefix };
    } catch {
      return { view: 'missing', path: pathname };
    }
  }
  return { view: 'missing', path: pathname };
}

/** The address of a bucket, or of a folder in it (a prefix ending in `/`). */
export function bucketHref(bucket: string, prefix = ''): string {
  const base = `/b/${encodeURIComponent(bucket)}`;
  return prefix === '' ? base : `${base}/${prefix.split('/').map(encodeURIComponent).join('/')}`;
}

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
