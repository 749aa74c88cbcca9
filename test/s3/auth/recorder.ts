import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/** One request as a real client sent it: what verifyRequest and payloadBytes see. */
export interface Recorded {
  readonly method: string;
  readonly rawUrl: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * A loopback HTTP server that records every request (method, raw target,
 * headers, body bytes) and answers 200 with an ETag, so real S3 clients can be
 * pointed at it and their signing captured.
 */
export async function startRecorder() {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    const pieces: Buffer[] = [];
    req.on('data', (piece: Buffer) => pieces.push(piece));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', rawUrl: req.url ?? '', headers: req.headers, body: Buffer.concat(pieces) });
      res.writeHead(200, { etag: '"0"', 'content-length': '0' });
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    requests,
    /** The one request recorded since the last take. */
    take(): Recorded {
      if (requests.length !== 1) throw new Error(`expected one recorded request, have ${requests.length}`);
      return requests.pop()!;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A real AWS SDK v3 S3 client for `endpoint`, path-style, signing with the given pair. */
export function sdkClient(endpoint: string, accessKeyId: string, secretAccessKey: string, extra: Partial<S3ClientConfig> = {}): S3Client {
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1, ...extra });
}
