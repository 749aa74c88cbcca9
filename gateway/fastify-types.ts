import type { PailPool } from '../shared/client/pool.ts';
import type { CommandName } from '../shared/protocol/commands.ts';
import type { EventHub } from './event-hub.ts';
import type { ConnectOptions } from '../shared/client/connection.ts';

/** What the gateway attaches to Fastify, and what each route declares. */
declare module 'fastify' {
  interface FastifyInstance {
    /** Pooled protocol connections for the HTTP routes. */
    pail: PailPool;
    /** The one watch subscription, fanned out to every browser. */
    events: EventHub;
    /** Where the console's own sessions connect. */
    bucketServer: ConnectOptions;
  }
  interface FastifyContextConfig {
    /** The protocol command a route runs: its failure code answers the gateway's own refusals. */
    command?: CommandName;
  }
}
