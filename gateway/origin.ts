import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';

/** Methods that change something; GET and HEAD only read. */
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Which requests the gateway refuses for where they come from.
 *
 * Every request must name the gateway by an IP address, `localhost`, or the
 * host of a configured origin: a page on a DNS name rebound to this address
 * would otherwise count as the gateway's own origin and could read and change
 * everything.
 *
 * WebSocket upgrades and state-changing requests are refused unless they come
 * from the gateway's own origin or one of the configured extra origins.
 * Requests without Origin or fetch metadata (curl, scripts) carry no
 * browser's cookies or ambient authority and pass.
 */
export class OriginPolicy {
  readonly #extra: ReadonlySet<string>;
  readonly #extraHosts: ReadonlySet<string>;

  constructor(extraOrigins: readonly string[]) {
    const origins = extraOrigins.map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean);
    this.#extra = new Set(origins);
    this.#extraHosts = new Set(origins.flatMap((o) => hostnameOf(o) ?? []));
  }

  /** Why the request is refused, or undefined when it may proceed. */
  problem(request: FastifyRequest): string | undefined {
    const hostname = hostnameOf(`${request.protocol}://${request.host}`);
    if (hostname === undefined || !this.#trustedHost(hostname)) {
      return `the gateway answers to IP addresses, localhost and the hosts of PAIL_ORIGINS, not ${JSON.stringify(request.host)}`;
    }
    if (!request.ws && !STATE_CHANGING.has(request.method)) return undefined;
    const origin = request.headers.origin;
    const site = request.headers['sec-fetch-site'];
    if (origin !== undefined) {
      if (origin === ownOrigin(request) || this.#extra.has(origin)) return undefined;
      // A form the gateway's own page posts (the zip of a selection) says `Origin: null` under the gateway's
      // Referrer-Policy no-referrer; the fetch metadata, which no page can set, still says it came from here.
      if (origin === 'null' && site === 'same-origin') return undefined;
      return `requests from ${origin} are not accepted; add it to PAIL_ORIGINS to allow it`;
    }
    if (site === 'cross-site' || site === 'same-site') return 'requests from another site are not accepted';
    return undefined;
  }

  #trustedHost(hostname: string): boolean {
    // A DNS rebinding attack needs a name; an address cannot be rebound.
    return isIP(hostname.replace(/^\[|\]$/g, '')) !== 0 || hostname === 'localhost' || this.#extraHosts.has(hostname);
  }
}

function ownOrigin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

function hostnameOf(origin: string): string | undefined {
  try {
    return new URL(origin).hostname;
  } catch {
    return undefined;
  }
}

/** `a.example, https://b.example` → the list of origins. */
export function parseOrigins(list: string): string[] {
  return list
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
}
