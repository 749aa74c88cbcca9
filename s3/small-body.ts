import { createHash } from 'node:crypto';
import type { S3Context } from './context.ts';
import { S3Error } from './errors.ts';

/**
 * The body of a request that carries a small XML document (CreateBucket's
 * configuration, DeleteObjects' list), read whole, at most `max` bytes: a
 * longer one is refused without reading on. A body signed by its SHA-256
 * is checked against it here, since no upload checks it.
 */
export async function readSmallBody(context: S3Context, max: number): Promise<Buffer> {
  const { request, verified, setup } = context;
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > max) throw new S3Error('MalformedXML', `the request body has ${declared} bytes; at most ${max} are taken here`);
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of setup.auth.payload(request, verified, request.headers) as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > max) throw new S3Error('MalformedXML', `the request body has more than ${max} bytes`);
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks, length);
  const { payload } = verified;
  if (payload.kind === 'sha256' && createHash('sha256').update(body).digest('hex') !== payload.sha256.toLowerCase()) {
    throw new S3Error('XAmzContentSHA256Mismatch', 'the body does not have the SHA-256 given in x-amz-content-sha256');
  }
  return body;
}
