import { randomBytes } from 'node:crypto';
import { afterAll } from 'vitest';
import { DeleteBucketCommand, DeleteObjectCommand, DeleteObjectsCommand, ListBucketsCommand, ListObjectsV2Command, AbortMultipartUploadCommand, type S3Client } from '@aws-sdk/client-s3';
import { engineClient } from '../../server/storage/s3/engine-client.ts';
import { multipartUploads } from '../../server/storage/s3/multipart-uploads.ts';
import { parseStoreUrl } from '../../shared/config/store-url.ts';

/** The engine the s3 backend's tests run on: `PAIL_TEST_STORE` (scripts/test.sh brings Ceph up and sets it). */
export const TEST_STORE = process.env.PAIL_TEST_STORE;
export const NEEDS_ENGINE = 'needs an S3 engine: run through scripts/test.sh, which brings Ceph up and sets PAIL_TEST_STORE';

/** The test store's URL with a prefix of this test file's own (`t<random>-`), so files running at once never meet. */
export function storeUrlWithOwnPrefix(): string {
  const url = new URL(TEST_STORE!);
  url.searchParams.set('prefix', `${url.searchParams.get('prefix') ?? ''}t${randomBytes(4).toString('hex')}-`);
  return url.toString();
}

/**
 * Within a describe: the test store's URL with a prefix of the describe's own, every engine bucket of
 * which is deleted after its tests ('' without a test store, where the describe is skipped). Call it
 * before the describe's own afterAll: vitest runs after-hooks last-registered first, so what the tests
 * opened is closed before the buckets go.
 */
export function ownStore(): string {
  if (!TEST_STORE) return '';
  const url = storeUrlWithOwnPrefix();
  afterAll(() => removePrefix(url));
  return url;
}

/** The options the s3 backend's own tests open S3Storage with (a file of 1 GiB, sessions kept an hour). */
export const ENGINE_TEST_OPTIONS = { maxFileSize: 1024 ** 3, uploadTtlMs: 3_600_000 };

/** A plain engine client for the same store (to look behind Pail's back, and to clean up). */
export function rawEngine(url: string): S3Client {
  return engineClient(parseStoreUrl(url));
}

/** Deletes every engine bucket of the prefix (and all in them): what a test file made. */
export async function removePrefix(url: string): Promise<void> {
  const engine = rawEngine(url);
  const { prefix } = parseStoreUrl(url);
  try {
    const { Buckets } = await engine.send(new ListBucketsCommand({}));
    for (const b of Buckets ?? []) {
      if (!b.Name!.startsWith(prefix)) continue;
      for await (const u of multipartUploads(engine, b.Name!)) await engine.send(new AbortMultipartUploadCommand({ Bucket: b.Name!, Key: u.Key!, UploadId: u.UploadId! }));
      for (;;) {
        const page = await engine.send(new ListObjectsV2Command({ Bucket: b.Name! }));
        const keys = (page.Contents ?? []).map((o) => o.Key!);
        if (keys.length === 0) break;
        // A key XML cannot carry (U+FFFF) cannot be named in DeleteObjects' body: such keys go one at a time.
        const odd = (key: string) => /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.test(key);
        const inXml = keys.filter((key) => !odd(key));
        if (inXml.length) await engine.send(new DeleteObjectsCommand({ Bucket: b.Name!, Delete: { Objects: inXml.map((Key) => ({ Key })), Quiet: true } }));
        for (const Key of keys.filter(odd)) await engine.send(new DeleteObjectCommand({ Bucket: b.Name!, Key }));
      }
      await engine.send(new DeleteBucketCommand({ Bucket: b.Name! }));
    }
  } finally {
    engine.destroy();
  }
}

/** An async iterable of a buffer in pieces, as a socket would give it. */
export async function* inPieces(data: Buffer, piece = 64 * 1024): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += piece) yield data.subarray(i, Math.min(data.length, i + piece));
}
