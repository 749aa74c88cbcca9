import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Authenticator } from '../../shared/access/authenticator.ts';
import type { ConnectOptions } from '../../shared/client/connection.ts';
import { PailError } from '../../shared/client/errors.ts';
import { Code } from '../../shared/protocol/codes.ts';
import { commandSpec } from '../../shared/protocol/commands.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { refusal, sendError } from '../errors.ts';
import { errorResponses } from '../schemas.ts';
import { AttemptLimiter } from '../../shared/access/attempts.ts';
import { LoginCookies, type Access, type Login } from './login-cookie.ts';
import { LoginWatchers } from './login-watchers.ts';

export interface AccessOptions {
  /** The full access token; empty means the gateway asks for no login. */
  readonly token: string;
  /** A read-only token, whose logins may list and download only. */
  readonly readToken?: string;
  /** How long a login lasts, from the login on (it does not slide). */
  readonly sessionTtlMs: number;
  /** Failed token presentations (login or bearer) one client address may make per minute. */
  readonly loginLimit: number;
}

/** The session cookie's name. */
export const SESSION_COOKIE = 'pail_session';
/** Logins and logouts are open to everyone; every other /api route needs a login. */
const OPEN_ROUTES = new Set(['/api/login', '/api/logout']);
const ATTEMPT_WINDOW_MS = 60_000;

type Identity = { readonly access: Access; readonly login?: Login } | { readonly refusal: PailError };

/**
 * Access control of the gateway. With a token set, every request under /api
 * (HTTP routes, the WebSocket upgrades and unknown paths alike) carries
 * either a session cookie from POST /api/login or `Authorization: Bearer
 * TOKEN`; the web app's files and /docs stay open so the app can show its
 * login page. A read-only login's writes are refused here with the
 * operation's failure code and `forbidden`; its console session presents the
 * read token, so the bucket server enforces the same.
 *
 * A login is its cookie (see LoginCookies): any gateway given the same tokens
 * honours it, a restarted one too. The attempt limit is per client address
 * and per gateway process.
 *
 * Called on the root instance after the origin check and before the routes.
 */
export async function setupAccess(app: FastifyInstance, bucketServer: ConnectOptions, options: AccessOptions): Promise<void> {
  const required = options.token !== '';
  const tokens = required ? new Authenticator(options.token, options.readToken || undefined) : undefined;
  const cookies = required ? await LoginCookies.create(options, options.sessionTtlMs) : undefined;
  const watchers = new LoginWatchers();
  const attempts = new AttemptLimiter(options.loginLimit, ATTEMPT_WINDOW_MS);

  app.decorateRequest('access', undefined);
  app.decorateRequest('login', undefined);
  app.decorate('whenLoginEnds', (request: FastifyRequest, onEnd: () => void) =>
    request.login === undefined ? () => {} : watchers.watch(request.login.id, request.login.expiresAt, onEnd),
  );
  app.decorate('bucketServerFor', (access: Access | undefined) =>
    access === 'full' || !required ? bucketServer : { ...bucketServer, token: options.readToken },
  );

  /** Checks a presented token, counting failures per address; a blocked address is refused before its token is looked at. */
  function present(request: FastifyRequest, token: string): Identity {
    const wait = attempts.blockedFor(request.ip);
    if (wait > 0) {
      return {
        refusal: refusal('auth', Reason.tooManyRequests, `too many wrong tokens from ${request.ip}; try again in ${Math.ceil(wait / 1000)} s`),
      };
    }
    const access = tokens!.check(token);
    if (access === 'none') {
      attempts.fail(request.ip);
      return { refusal: refusal('auth', Reason.badToken, 'the access token is wrong') };
    }
    return { access };
  }

  function identify(request: FastifyRequest): Identity {
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      const bearer = /^Bearer +(\S+) *$/i.exec(authorization);
      if (bearer) return present(request, bearer[1]);
    }
    const value = cookieValue(request.headers.cookie, SESSION_COOKIE);
    const login = value === undefined ? undefined : cookies!.verify(value);
    if (login) return { access: login.access, login };
    const why = value === undefined ? 'log in first' : 'the login has expired or ended; log in again';
    return { refusal: new PailError(Code.NOAUTH, Reason.authRequired, `${why} (POST /api/login, or send Authorization: Bearer TOKEN)`) };
  }

  app.addHook('onRequest', async (request, reply) => {
    if (!required) {
      request.access = 'full';
      return;
    }
    if (!underApi(request.url) && !underApi(request.routeOptions.url ?? '')) return;
    if (OPEN_ROUTES.has(request.routeOptions.url ?? '')) return;
    const identity = identify(request);
    if ('refusal' in identity) {
      if (identity.refusal.reason !== Reason.tooManyRequests) reply.header('www-authenticate', 'Bearer realm="pail"');
      return sendError(identity.refusal, request, reply);
    }
    request.access = identity.access;
    request.login = identity.login;
    const command = request.routeOptions.config.command;
    if (identity.access === 'read' && command && commandSpec(command).writes) {
      return sendError(refusal(command, Reason.forbidden, 'this login may only list and download; log in with the full token to change anything'), request, reply);
    }
  });

  const accessSchema = {
    type: 'object',
    required: ['access', 'login'],
    properties: {
      access: { type: 'string', enum: ['full', 'read'] },
      login: { type: 'boolean', description: 'whether the gateway asks for a login at all' },
    },
  } as const;

  app.post<{ Body: { token: string } }>(
    '/api/login',
    {
      config: { command: 'auth' },
      schema: {
        summary:
          'Logs in with an access token: sets an HttpOnly, SameSite=Strict session cookie, signed with a key derived from that token, which every gateway given the same tokens honours until it expires',
        security: [],
        body: { type: 'object', required: ['token'], additionalProperties: false, properties: { token: { type: 'string', maxLength: 1024 } } },
        response: { 200: accessSchema, ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      if (!required) return { access: 'full', login: false };
      const identity = present(request, request.body.token);
      if ('refusal' in identity) throw identity.refusal;
      endHere(request);
      reply.header('set-cookie', sessionCookie(request, cookies!.issue(identity.access), Math.ceil(options.sessionTtlMs / 1000)));
      return { access: identity.access, login: true };
    },
  );

  app.post(
    '/api/logout',
    {
      schema: {
        summary: "Clears the session cookie and closes the WebSockets this gateway holds for it; a copy of the cookie stays valid until it expires or its token changes",
        security: [],
        response: { 204: { type: 'null' } },
      },
    },
    async (request, reply) => {
      endHere(request);
      return reply.code(204).header('set-cookie', sessionCookie(request, '', 0)).send();
    },
  );

  /** Closes the WebSockets this gateway holds for the login of the request's cookie, if it is a valid one. */
  function endHere(request: FastifyRequest): void {
    const value = cookieValue(request.headers.cookie, SESSION_COOKIE);
    const login = value === undefined ? undefined : cookies?.verify(value);
    if (login) watchers.end(login.id);
  }

  app.get(
    '/api/session',
    {
      schema: { summary: 'What the current login may do (401 without one)', response: { 200: accessSchema, ...errorResponses(401) } },
    },
    async (request) => ({ access: request.access ?? 'read', login: required }),
  );
}

function underApi(path: string): boolean {
  return path === '/api' || path.startsWith('/api/') || path.startsWith('/api?');
}

/** The session cookie: HttpOnly, SameSite=Strict, Secure over https; Max-Age 0 clears it. */
export function sessionCookie(request: Pick<FastifyRequest, 'protocol'>, value: string, maxAgeSeconds: number): string {
  const parts = [`${SESSION_COOKIE}=${value}`, 'Path=/', `Max-Age=${maxAgeSeconds}`, 'HttpOnly', 'SameSite=Strict'];
  if (request.protocol === 'https') parts.push('Secure');
  return parts.join('; ');
}

/** One cookie's value from a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}
