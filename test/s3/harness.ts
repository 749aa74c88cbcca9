import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { pino } from 'pino';
import type { BucketServer } from '../../server/bucket-server.ts';
import { startBucketServer } from '../../server/main.ts';
import { DEFAULTS } from '../../shared/config/settings.ts';
import { PailConnection } from '../../shared/client/connection.ts';
import { createS3Listener, type S3Listener, type S3ListenerOptions } from '../../s3/app.ts';
import type { Payload, RequestToVerify, S3Auth, S3Key, Verified } from '../../s3/request-auth.ts';

/** The key pairs of the tests: one that may change things, one that only reads. */
export const WRITER: S3Key = { accessKey: 'AKWRITER', secretKey: 'writer-secret', readOnly: false };
export const READER: S3Key = { accessKey: 'AKREADER', secretKey: 'reader-secret', readOnly: true };

/**
 * TEST SEAM, not authentication: it trusts the access key named in the
 * Authorization header's Credential= and checks no signature. The real
 * SigV4 check (s3/auth/) is written and tested apart; these tests are
 * about what the listener does once a request is verified. Bodies are
 * taken as they come (no aws-chunked decoding), so the SDK clients below
 * are told to send plain bodies.
 */
export const testSeamAuth: S3Auth = {
  verify(request: RequestToVerify, keys: readonly S3Key[]): Verified {
    const authorization = request.headers.authorization ?? '';
    const accessKey = /Credential=([^/,\s]+)/.exec(authorization)?.[1];
    if (accessKey === undefined) throw new SeamAuthError('AccessDenied', 'no Authorization header with a Credential');
    const key = keys.find((k) => k.accessKey === accessKey);
    if (!key) throw new SeamAuthError('InvalidAccessKeyId', `no key ${accessKey}`);
    return { key, payload: payloadOf(request.headers), region: 'us-east-1' };
  },
  payload: (body) => body,
};

/** An authentication failure of the seam, shaped as s3/auth's S3AuthError. */
class SeamAuthError extends Error {
  readonly status = 403;
  constructor(
    readonly s3Code: string,
    message: string,
  ) {
    super(message);
  }
}

function payloadOf(headers: IncomingHttpHeaders): Payload {
  const claimed = headers['x-amz-content-sha256'];
  if (typeof claimed === 'string' && /^[0-9a-f]{64}$/i.test(claimed)) return { kind: 'sha256', sha256: claimed };
  return { kind: 'unsigned' };
}

export interface S3Harness {
  /** `http://127.0.0.1:PORT` of the S3 listener. */
  readonly endpoint: string;
  readonly port: number;
  readonly data: string;
  readonly server: BucketServer;
  readonly listener: S3Listener;
  /** An AWS SDK v3 client of the writer's (or the given) key. */
  client(key?: S3Key): S3Client;
  /** A protocol connection to the bucket server, to see what S3 did through Pail's own eyes. */
  protocol(): Promise<PailConnection>;
  close(): Promise<void>;
}

const silent = pino({ level: 'silent' });

/** A real bucket server on a temporary data folder, and the S3 listener in front of it, both on ephemeral loopback ports. */
export async function startS3Harness(options: Partial<S3ListenerOptions> = {}): Promise<S3Harness> {
  const data = await mkdtemp(join(tmpdir(), 's3l-'));
  const server = await startBucketServer({ ...DEFAULTS, host: '127.0.0.1', tcpPort: 0, data, logLevel: 'silent' }, silent);
  const serverPort = server.address().port;
  const listener = createS3Listener({
    bucketServer: { host: '127.0.0.1', port: serverPort },
    auth: testSeamAuth,
    keys: [WRITER, READER],
    region: 'us-east-1',
    domain: '',
    maxFileSize: DEFAULTS.maxFileSize,
    log: silent,
    lanes: { clientTransfers: DEFAULTS.clientTransfers, transfers: 64 },
    idleTimeoutMs: DEFAULTS.idleTimeoutMs,
    headersTimeoutMs: DEFAULTS.lineTimeoutMs,
    minBodyRate: DEFAULTS.minBodyRate,
    ...options,
  });
  await new Promise<void>((resolve) => listener.server.listen(0, '127.0.0.1', resolve));
  const { port } = listener.server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: S3Client[] = [];
  const connections: PailConnection[] = [];
  return {
    endpoint,
    port,
    data,
    server,
    listener,
    client(key = WRITER) {
      const client = new S3Client({
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: key.accessKey, secretAccessKey: key.secretKey },
        // The SDK's default sends PutObject bodies aws-chunked with a CRC32 trailer, which the test seam does not decode:
        // asked for checksums only where an operation requires them, it sends plain bodies.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        maxAttempts: 1,
      });
      clients.push(client);
      return client;
    },
    async protocol() {
      const connection = await PailConnection.connect({ host: '127.0.0.1', port: serverPort });
      connections.push(connection);
      return connection;
    },
    async close() {
      for (const client of clients) client.destroy();
      for (const connection of connections) await connection.quit();
      await listener.close();
      await server.close();
      await rm(data, { recursive: true, force: true });
    },
  };
}

export interface CurlAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** The Authorization header the test seam reads: a SigV4 shape naming the key, with no real signature. */
export function seamAuthorization(key: S3Key = WRITER): string {
  return `AWS4-HMAC-SHA256 Credential=${key.accessKey}/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0`;
}

/**
 * One request with curl, for exact statuses and headers: `args` are curl's
 * own (`-X PUT`, `-H 'Range: bytes=0-1'`, `--data-binary @file`). Signed
 * for the test seam with the writer's key unless `key` is null.
 */
export function curl(url: string, args: readonly string[] = [], key: S3Key | null = WRITER): Promise<CurlAnswer> {
  const auth = key === null ? [] : ['-H', `Authorization: ${seamAuthorization(key)}`];
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sS', '-i', '--max-time', '30', ...auth, ...args, url], { encoding: 'latin1', maxBuffer: 64 << 20 }, (err, stdout) => {
      if (err) return reject(new Error(`curl failed: ${err.message}`));
      resolve(parseCurl(stdout));
    });
  });
}

function parseCurl(output: string): CurlAnswer {
  let rest = output;
  // An interim 100 Continue comes first when curl sent Expect.
  while (/^HTTP\/[\d.]+ 100/.test(rest)) rest = rest.slice(rest.indexOf('\r\n\r\n') + 4);
  const end = rest.indexOf('\r\n\r\n');
  const head = end < 0 ? rest : rest.slice(0, end);
  const body = end < 0 ? '' : rest.slice(end + 4);
  const [statusLine, ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

/** The Code of an S3 XML error body. */
export function errorCode(body: string): string | undefined {
  return /<Error><Code>([^<]*)<\/Code>/.exec(body)?.[1];
}

/** The S3 error the SDK threw: its code and HTTP status. */
export async function s3Failure(promise: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof S3ServiceException) return { name: err.name, status: err.$metadata.httpStatusCode };
    throw err;
  }
  throw new Error('the request succeeded');
}
