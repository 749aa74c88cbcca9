import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ConnectOptions } from '../shared/client/connection.ts';
import { BODY_GRACE_MS } from '../shared/config/settings.ts';
import { mayCarryBody, watchBodyRate } from '../shared/http/body-rate.ts';
import { addressOf, type S3Address } from './address.ts';
import { s3BucketNameProblem } from './bucket-names.ts';
import type { S3Context, S3Setup } from './context.ts';
import { asS3Error, S3Error } from './errors.ts';
import { S3Lanes, clientGone, type S3LaneOptions } from './lanes.ts';
import { COMPLETION_KEEPALIVE_MS } from './handlers/complete-multipart.ts';
import { findOperation, type S3Operation, type Target } from './operations.ts';
import type { S3Auth, S3Key } from './request-auth.ts';
import { XmlWriter } from './xml.ts';

export interface S3ListenerOptions {
  /** The bucket server, and the token the listener presents to it. */
  readonly bucketServer: ConnectOptions;
  /** Signature checking (s3/auth/, or a test's own). */
  readonly auth: S3Auth;
  readonly keys: readonly S3Key[];
  readonly region: string;
  /** Virtual-host addressing under this domain; empty for path style only. */
  readonly domain: string;
  readonly maxFileSize: number;
  readonly log: Logger;
  readonly lanes: S3LaneOptions;
  /** A connection silent this long is dropped. */
  readonly idleTimeoutMs: number;
  /** A request's headers must arrive within this long. */
  readonly headersTimeoutMs: number;
  /** A request body arriving slower than this many bytes per second is dropped… */
  readonly minBodyRate: number;
  /** …measured over windows this long (the first one is grace). */
  readonly bodyWindowMs?: number;
  /** How often a multipart completion still running sends a space (5 s unless a test says otherwise). */
  readonly completionKeepAliveMs?: number;
}

/**
 * Stream buffer of every request and response, as the gateway's: larger
 * reads and writes than Node's 16 KiB; a transfer holds about this much.
 */
const STREAM_BUFFER = 1 << 20;
/** A keep-alive connection waiting for its next request is closed after this long. */
const KEEP_ALIVE_MS = 10_000;
/** Headers a GetObject or HeadObject may have set before it failed; an error answer must not carry them. */
const OBJECT_HEADERS = ['etag', 'last-modified', 'content-length', 'content-type', 'accept-ranges', 'content-language', 'expires', 'cache-control', 'content-disposition', 'content-encoding'];

export interface S3Listener {
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * The S3-compatible listener, not yet listening: Node's HTTP server, each
 * request addressed (path or virtual-host style), verified, matched to an
 * operation of the table (operations.ts) and served through the protocol
 * client, never the data folder. Every answer carries x-amz-request-id;
 * every error is S3's XML shape.
 */
export function createS3Listener(options: S3ListenerOptions): S3Listener {
  const lanes = new S3Lanes(options.bucketServer, options.lanes);
  const setup: S3Setup = {
    lanes,
    auth: options.auth,
    region: options.region,
    maxFileSize: options.maxFileSize,
    log: options.log,
    completionKeepAliveMs: options.completionKeepAliveMs ?? COMPLETION_KEEPALIVE_MS,
  };
  const server = createServer({
    highWaterMark: STREAM_BUFFER,
    // No bound on a whole request, body included, which would cut an honest large upload; silence is bounded instead.
    requestTimeout: 0,
    headersTimeout: options.headersTimeoutMs,
    keepAliveTimeout: Math.min(KEEP_ALIVE_MS, options.idleTimeoutMs),
  });
  server.timeout = options.idleTimeoutMs;
  const answer = (request: IncomingMessage, response: ServerResponse) => {
    const started = Date.now();
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    response.once('close', () => {
      options.log.info({ status: response.statusCode, ms: Date.now() - started, ip: request.socket.remoteAddress, requestId }, `S3 ${request.method} ${loggable(request.url ?? '/')}`);
    });
    // As the bucket server does: a body is judged on its rate over the grace period, never on a single slow moment.
    if (mayCarryBody(request)) watchBodyRate(request, options.minBodyRate, options.bodyWindowMs ?? BODY_GRACE_MS, options.log);
    void serve(setup, options, request, response, requestId);
  };
  server.on('request', answer);
  // Expect: 100-continue is answered once the request is verified and allowed (serve), so a refused upload's body is never sent.
  server.on('checkContinue', answer);
  return {
    server,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await lanes.close();
    },
  };
}

async function serve(setup: S3Setup, options: S3ListenerOptions, request: IncomingMessage, response: ServerResponse, requestId: string): Promise<void> {
  response.setHeader('x-amz-request-id', requestId);
  response.setHeader('server', 'Pail');
  let address: S3Address | undefined;
  try {
    address = addressOf(request.url ?? '/', request.headers.host, options.domain);
    const verified = options.auth.verify({ method: request.method ?? 'GET', rawUrl: request.url ?? '/', headers: request.headers }, options.keys, Date.now());
    const target: Target = address.bucket === undefined ? 'service' : address.key === undefined ? 'bucket' : 'object';
    const operation: S3Operation = findOperation(request.method ?? 'GET', target, address.query, request.headers);
    if (operation.writes && verified.key.readOnly) throw new S3Error('AccessDenied', `the key ${verified.key.accessKey} is read-only; ${operation.name} changes things`);
    if (!operation.handler) throw new S3Error('NotImplemented', `${operation.name} is not implemented by Pail`);
    if (address.bucket !== undefined) {
      const problem = s3BucketNameProblem(address.bucket, operation.name === 'CreateBucket');
      if (problem) throw new S3Error('InvalidBucketName', `${address.bucket}: ${problem}`);
    }
    if (expectsContinue(request)) response.writeContinue();
    const context: S3Context & { bucket?: string; key?: string } = {
      setup,
      request,
      response,
      address,
      verified,
      signal: clientGone(response),
      requestId,
      bucket: address.bucket,
      key: address.key,
    };
    await (operation.handler as (context: S3Context) => Promise<void>)(context);
  } catch (err) {
    sendError(setup.log, request, response, err, address, requestId);
  }
}

/** A request's URL for the log: a presigned URL's signature is a credential until it expires, so it is left out. */
export function loggable(rawUrl: string): string {
  return rawUrl.replace(/([?&]X-Amz-Signature=)[^&]*/i, '$1…');
}

function expectsContinue(request: IncomingMessage): boolean {
  return request.headers.expect?.toLowerCase() === '100-continue';
}

function sendError(log: Logger, request: IncomingMessage, response: ServerResponse, err: unknown, address: S3Address | undefined, requestId: string): void {
  if (response.headersSent) {
    // Mid-body: only cutting the connection tells the client the transfer failed.
    response.destroy();
    return;
  }
  if (request.socket.destroyed) return;
  const error = asS3Error(err);
  if (error.status >= 500 && error.code !== 'ServiceUnavailable' && error.code !== 'NotImplemented') log.error({ err, requestId }, 'S3 request failed');
  for (const header of response.getHeaderNames()) if (header.startsWith('x-amz-meta-')) response.removeHeader(header);
  for (const header of OBJECT_HEADERS) {
    // InvalidRange says the object's size in its Content-Range.
    response.removeHeader(header);
  }
  if (error.code !== 'InvalidRange') response.removeHeader('content-range');
  // A body not read is not read on: the connection closes after the answer instead of draining it.
  if (!request.complete) response.setHeader('connection', 'close');
  if (request.method === 'HEAD') {
    response.writeHead(error.status, { 'content-length': 0 });
    response.end();
    return;
  }
  const xml = new XmlWriter().open('Error').leaf('Code', error.code).leaf('Message', error.message);
  xml.leaf('Resource', address?.resource ?? request.url ?? '/').leaf('RequestId', requestId).close();
  const body = Buffer.from(xml.toString());
  response.writeHead(error.status, { 'content-type': 'application/xml', 'content-length': body.length });
  response.end(body);
}
