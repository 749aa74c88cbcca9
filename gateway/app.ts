import helmet from '@fastify/helmet';
import websocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { PailConnection, type ConnectOptions } from '../shared/client/connection.ts';
import { Reason } from '../shared/protocol/reasons.ts';
import { DEFAULTS } from '../shared/config/settings.ts';
import { DEFAULT_S3_KEY } from '../shared/sigv4/keys.ts';
import { setupAccess, type AccessOptions } from './auth/access.ts';
import { EventHub, type Backoff } from './event-hub.ts';
import { noRoute, refusal, sendError } from './errors.ts';
import './fastify-types.ts';
import { DEFAULT_LIMITS, serverTimeouts, setupLimits, type LimitOptions } from './limits.ts';
import { Lanes, type LaneOptions } from './lanes.ts';
import { OriginPolicy } from './origin.ts';
import { bucketRoutes } from './routes/buckets.ts';
import { consoleRoute } from './routes/console.ts';
import { serveDocs } from './routes/docs.ts';
import { downloadRoute } from './routes/download.ts';
import { eventsRoute } from './routes/events.ts';
import { fileRoutes } from './routes/files.ts';
import { tusRoutes } from './routes/tus.ts';
import { uploadRoutes } from './routes/upload.ts';
import { zipRoute } from './routes/zip.ts';
import { serveWebApp } from './routes/web.ts';
import { shareRoute } from './routes/share.ts';
import type { ShareSigning } from './share/signing.ts';
import { SHARED_SCHEMAS } from './schemas.ts';

export interface GatewayOptions {
  /** The bucket server, and the token the gateway presents to it. */
  readonly bucketServer: ConnectOptions;
  readonly log: Logger;
  /** The bucket server's largest file; bodies and multipart parts are limited to it. */
  readonly maxFileSize: number;
  /** The longest command line, which bounds console messages. */
  readonly maxLine: number;
  /** Origins besides the gateway's own that may change things and open WebSockets. */
  readonly origins?: readonly string[];
  /** The web app's built files, served at / when given. */
  readonly webRoot?: string;
  /** Retry timing of the event subscription. */
  readonly backoff?: Backoff;
  /** Login: without it, a login is required exactly when the bucket server has a token. */
  readonly access?: AccessOptions;
  /** Rate limits and timeouts; the settings' defaults unless given. */
  readonly limits?: LimitOptions;
  /** Connections to the bucket server and transfers per client address; the settings' defaults unless given. */
  readonly lanes?: LaneOptions;
  /** The proxies in front of the gateway whose X-Forwarded-For and -Proto are believed (addresses or CIDR ranges); none unless given. */
  readonly trustProxy?: readonly string[];
  /** How share links are signed and where they point; the S3 listener's defaults unless given. */
  readonly share?: ShareSigning;
}

const DEFAULT_BACKOFF: Backoff = { initialMs: 250, maxMs: 10_000 };
const DEFAULT_LANES: LaneOptions = { clientTransfers: DEFAULTS.clientTransfers, transfers: DEFAULTS.gatewayTransfers };
const DEFAULT_SHARE: ShareSigning = { key: DEFAULT_S3_KEY, region: DEFAULTS.s3Region, publicUrl: '', s3Port: DEFAULTS.s3Port };
const DEFAULT_ACCESS: AccessOptions = { token: '', sessionTtlMs: DEFAULTS.sessionTtlMs, loginLimit: DEFAULTS.loginLimit };

/**
 * Stream buffer of every HTTP request and response: with Node's 16 KiB the
 * socket stops reading after each 64 KiB read and a download is written one
 * 64 KiB chunk per system call. A transfer holds at most about this much.
 */
const STREAM_BUFFER = 1 << 20;

/** The longest route parameter: a name of the protocol's longest, every byte percent-encoded, with room to spare. */
const MAX_PARAM_LENGTH = 8 * 1024;

/**
 * The app's CSP: everything from the gateway itself, nothing inline, no
 * framing, no plugins. `connect-src 'self'` covers its own ws:// and wss://.
 */
const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  // WebAssembly may be compiled (the upload's SHA-256 worker); no eval of script text.
  scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/**
 * Builds the gateway without listening: HTTP and WebSocket routes that talk
 * to the bucket server only through the protocol. Closing it closes the lanes'
 * pools and the event subscription.
 */
export async function buildGateway(options: GatewayOptions): Promise<FastifyInstance> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  // pino's Logger is a FastifyBaseLogger; naming it so keeps the instance's type the plain one routes expect.
  const logger: FastifyBaseLogger = options.log;
  const app = Fastify({
    loggerInstance: logger,
    // One line per request, written when it is answered (below), instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true,
    // Request bodies are read, and responses written, in runs of up to this much instead of 16 KiB.
    http: { highWaterMark: STREAM_BUFFER },
    // A file name is a route parameter: every name the protocol takes, percent-encoded, must fit (Fastify stops at 100).
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Errors Fastify meets before a route runs (a malformed URL, an overlong parameter) take the one error shape too.
    frameworkErrors: (err, request, reply) => {
      void sendError(err, request, reply);
    },
    ...serverTimeouts(limits),
    // Behind a load balancer every client would share its address: believe the forwarded one, from the proxies named only.
    trustProxy: options.trustProxy && options.trustProxy.length > 0 ? [...options.trustProxy] : false,
  });
  const lanes = new Lanes(options.bucketServer, options.lanes ?? DEFAULT_LANES);
  const events = new EventHub({
    connect: () => PailConnection.connect(options.bucketServer),
    log: options.log.child({ part: 'events' }),
    backoff: options.backoff ?? DEFAULT_BACKOFF,
  });
  app.decorate('lanes', lanes);
  app.decorate('events', events);
  app.decorate('bucketServer', options.bucketServer);
  app.addHook('onReady', async () => events.start());
  app.addHook('onClose', async () => {
    await events.stop();
    await lanes.close();
  });

  app.addHook('onResponse', async (request, reply) => {
    request.log.info({ status: reply.statusCode, ms: Math.round(reply.elapsedTime), ip: request.ip }, `${request.method} ${request.url}`);
  });
  app.setErrorHandler((err, request, reply) => sendError(err, request, reply));
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);

  await app.register(helmet, { contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES } });
  await app.register(websocket, { options: { maxPayload: options.maxLine } });

  const origins = new OriginPolicy(options.origins ?? []);
  // Refused in onRequest: before a body is read, a WebSocket upgraded or the bucket server asked anything.
  app.addHook('onRequest', async (request, reply) => {
    const problem = origins.problem(request);
    if (problem) return sendError(refusal(request.routeOptions.config.command, Reason.forbidden, problem), request, reply);
  });
  await setupLimits(app, limits);

  await serveDocs(app);
  await setupAccess(app, options.bucketServer, options.access ?? { ...DEFAULT_ACCESS, token: options.bucketServer.token ?? '' });
  await app.register(bucketRoutes);
  await app.register(fileRoutes);
  await app.register(downloadRoute);
  await app.register(uploadRoutes, { maxFileSize: options.maxFileSize });
  await app.register(tusRoutes, { maxFileSize: options.maxFileSize });
  await app.register(zipRoute);
  await app.register(shareRoute, options.share ?? DEFAULT_SHARE);
  await app.register(eventsRoute);
  await app.register(consoleRoute, { linesPerSecond: limits.consoleRate });
  if (options.webRoot) await serveWebApp(app, options.webRoot);
  else app.setNotFoundHandler({ preHandler: app.rateLimit() }, noRoute);
  return app;
}
