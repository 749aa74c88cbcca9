import type { CommandName } from '../shared/protocol/commands.ts';
import type { EventHub } from './event-hub.ts';
import type { Lanes } from './lanes.ts';
import type { ConnectOptions } from '../shared/client/connection.ts';
import type { Granted as Access } from '../shared/access/access.ts';
import type { Login } from './auth/login-cookie.ts';

/** What the gateway attaches to Fastify, and what each route declares. */
declare module 'fastify' {
  interface FastifyInstance {
    /** The HTTP routes' connections to the bucket server: a commands lane, and transfers admitted per client address. */
    lanes: Lanes;
    /** The one watch subscription, fanned out to every browser. */
    events: EventHub;
    /** Where the console's own sessions connect. */
    bucketServer: ConnectOptions;
    /** Where a console session of a login with this access connects, with the token that enforces it. */
    bucketServerFor(access: Access | undefined): ConnectOptions;
    /** Calls `onEnd` when the login the request came with ends or expires (never for a bearer token); returns the function that stops watching. */
    whenLoginEnds(request: FastifyRequest, onEnd: () => void): () => void;
  }
  interface FastifyRequest {
    /** What the request's login may do, once the access check has passed it (every /api request). */
    access: Access | undefined;
    /** The login whose cookie let the request in, if one did. */
    login: Login | undefined;
  }
  interface FastifyContextConfig {
    /** The protocol command a route runs: its failure code answers the gateway's own refusals. */
    command?: CommandName;
  }
}
