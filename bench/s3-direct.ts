import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { engineAddress } from '../server/storage/s3/engine-client.ts';
import { parseStoreUrl } from '../shared/config/store-url.ts';
import { seconds } from './stats.ts';
import type { Payload, Transfer } from './transfer.ts';

/**
 * A direct client of the engine, as an application would write one with
 * @aws-sdk/client-s3: the engine's address (path-style, plain bodies: what
 * RGW 16.2 accepts) and the SDK's own request handler and retries, none of
 * the s3 backend's tuning.
 */
export function directClient(storeUrl: string): S3Client {
  return new S3Client(engineAddress(parseStoreUrl(storeUrl)));
}

export async function directBucket(client: S3Client, bucket: string): Promise<void> {
  await client.send(new CreateBucketCommand({ Bucket: bucket })).catch((err: unknown) => {
    if ((err as { name?: string }).name !== 'BucketAlreadyOwnedByYou') throw err;
  });
}

/** The payload's bytes cut into parts of `partSize`: each part a list of views of the payload's blocks (no copy). */
function* partsOf(body: Payload, partSize: number): Generator<Buffer[]> {
  let part: Buffer[] = [];
  let length = 0;
  for (let chunk of body.chunks()) {
    while (chunk.length) {
      const take = Math.min(chunk.length, partSize - length);
      part.push(chunk.subarray(0, take));
      length += take;
      chunk = chunk.subarray(take);
      if (length === partSize) {
        yield part;
        part = [];
        length = 0;
      }
    }
  }
  if (length) yield part;
}

/** A multipart upload of the payload with parts of `partSize`, `inFlight` of them at a time, each streamed with its length. */
export async function directUpload(client: S3Client, bucket: string, key: string, body: Payload, partSize: number, inFlight: number): Promise<Transfer> {
  const started = process.hrtime.bigint();
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const parts: { PartNumber: number; ETag: string }[] = [];
  const source = partsOf(body, partSize);
  let number = 0;
  const worker = async () => {
    for (let next = source.next(); !next.done; next = source.next()) {
      const PartNumber = ++number;
      const length = next.value.reduce((sum, b) => sum + b.length, 0);
      const sent = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber, Body: Readable.from(next.value), ContentLength: length }));
      parts.push({ PartNumber, ETag: sent.ETag! });
    }
  };
  try {
    await Promise.all(Array.from({ length: inFlight }, worker));
    parts.sort((a, b) => a.PartNumber - b.PartNumber);
    await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
  } catch (err) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId })).catch(() => {});
    throw err;
  }
  return { seconds: seconds(started), bytes: body.size };
}

/** One plain GetObject, its body streamed and hashed as it comes (as the protocol client's download is). */
export async function directDownload(client: S3Client, bucket: string, key: string): Promise<Transfer> {
  const started = process.hrtime.bigint();
  const reply = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of reply.Body as Readable) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { seconds: seconds(started), bytes, sha256: hash.digest('hex') };
}

export async function directDelete(client: S3Client, bucket: string, key: string): Promise<void> {
  await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}
