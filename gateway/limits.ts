import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BODY_GRACE_MS, DEFAULTS } from '../shared/config/settings.ts';
import { Reason } from '../shared/protocol/reasons.ts';
import { refusal } from './errors.ts';
import { carriesBody } from './http/body.ts';
import { watchBodyRate } from '../shared/http/body-rate.ts';

export interface LimitOptions {
  /** API requests one client address may make per rate window; more are answered 429. */
  readonly rateLimit: number;
  /** The rate window; a minute unless given. */
  readonly rateWindowMs?: number;
  /** Command lines one protocol console may send per second. */
  readonly consoleRate: number;
  /** A connection silent this long is dropped (Fastify's connectionTimeout). */
  readonly idleTimeoutMs: number;
  /** A request's headers must arrive within this long (Node's headersTimeout). */
  readonly headersTimeoutMs: number;
  /** A request body arriving slower than this many bytes per second is dropped… */
  readonly minBodyRate: number;
  /** …measured over windows this long (the first one is grace). */
  readonly bodyWindowMs?: number;
}

export const DEFAULT_LIMITS: LimitOptions = {
  rateLimit: DEFAULTS.rateLimit,
  consoleRate: DEFAULTS.consoleRate,
  idleTimeoutMs: DEFAULTS.idleTimeoutMs,
  headersTimeoutMs: DEFAULTS.lineTimeoutMs,
  minBodyRate: DEFAULTS.minBodyRate,
};

const MINUTE_MS = 60_000;
/** A keep-alive connection waiting for its next request is closed after this long. */
const KEEP_ALIVE_MS = 10_000;

/**
 * The HTTP server's timeouts, for Fastify's options.
 *
 * `requestTimeout` stays 0 (none): in Node it bounds the whole request,
 * body included, so any value would cut an honest upload of a large file
 * over a slow link. Slow clients are dropped instead by what each does: a
 * silent connection by `connectionTimeout` (socket inactivity), headers
 * trickled in by Node's `headersTimeout`, a trickled body by the minimum
 * body rate (setupLimits), and a dawdling keep-alive by `keepAliveTimeout`.
 */
export function serverTimeouts(limits: LimitOptions): { connectionTimeout: number; keepAliveTimeout: number; requestTimeout: number } {
  return {
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: Math.min(KEEP_ALIVE_MS, limits.idleTimeoutMs),
    requestTimeout: 0,
  };
}

/**
 * Rate limits and the slow-client checks the HTTP server lacks. Called on
 * the root instance before the routes.
 */
export async function setupLimits(app: FastifyInstance, limits: LimitOptions): Promise<void> {
  // Node checks headersTimeout every connectionsCheckingInterval (30 s by default), read when it starts listening.
  const server = app.server as typeof app.server & { connectionsCheckingInterval: number };
  server.headersTimeout = limits.headersTimeoutMs;
  server.connectionsCheckingInterval = Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4)));

  await app.register(rateLimit, {
    global: true,
    max: limits.rateLimit,
    timeWindow: limits.rateWindowMs ?? MINUTE_MS,
    // The app's files and /docs are not limited; everything under /api is, per client address.
    allowList: (request) => !underApi(request),
    errorResponseBuilder: (request, context) =>
      refusal(
        request.routeOptions.config.command,
        Reason.tooManyRequests,
        `too many requests: at most ${context.max} a ${windowName(limits)}; try again in ${context.after}`,
      ),
  });

  // As the bucket server does: a body is judged on its rate over the grace period, never on a single slow moment.
  const windowMs = limits.bodyWindowMs ?? BODY_GRACE_MS;
  app.addHook('onRequest', async (request) => {
    if (carriesBody(request)) watchBodyRate(request.raw, limits.minBodyRate, windowMs, request.log);
  });
}

/**
 * Whether a request is for the API, judged on the path the router matched
 * (`/%61pi/buckets` reaches /api/buckets), never on the raw URL; a path no
 * route serves is judged on its decoded form.
 */
export function underApi(request: FastifyRequest): boolean {
  const routed = request.routeOptions.url;
  const path = routed ?? decodedPath(request.url);
  return path === '/api' || path.startsWith('/api/');
}

function decodedPath(url: string): string {
  const path = url.split('?')[0];
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function windowName(limits: LimitOptions): string {
  const ms = limits.rateWindowMs ?? MINUTE_MS;
  return ms === MINUTE_MS ? 'minute' : `${ms} ms`;
}

/** What to do with a protocol console's command lines. */
export interface RateVerdict {
  /** How many of the lines may run now. */
  readonly run: number;
  /** Whether the socket has gone on sending well past its limit and is to be closed. */
  readonly close: boolean;
}

/**
 * A console's command lines per second, in fixed one-second windows: up to
 * the limit run; beyond it they are refused; a socket that has had more than
 * the limit refused again within one second is abusive and is closed.
 */
export class MessageRate {
  #windowStart = Number.NEGATIVE_INFINITY;
  #taken = 0;
  #refused = 0;

  constructor(
    readonly perSecond: number,
    readonly now: () => number = Date.now,
  ) {}

  take(lines: number): RateVerdict {
    const now = this.now();
    if (now - this.#windowStart >= 1000) {
      this.#windowStart = now;
      this.#taken = 0;
      this.#refused = 0;
    }
    const run = Math.max(0, Math.min(lines, this.perSecond - this.#taken));
    this.#taken += run;
    this.#refused += lines - run;
    return { run, close: this.#refused > this.perSecond };
  }
}
