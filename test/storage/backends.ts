import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'vitest';
import { FsStorage } from '../../server/storage/fs-storage.ts';
import type { Storage } from '../../server/storage/storage.ts';

/**
 * The storage contract suite's backends: one list of promises (the tests in
 * this folder), run on each implementation of Storage. `fs` always (a fresh
 * temporary folder per storage opened); `s3` when PAIL_TEST_STORE holds an
 * S3 engine's store URL (scripts/test-on-ceph.sh brings up a Ceph and sets
 * it), each storage opened under an engine bucket prefix of its own, and
 * every engine bucket under that prefix deleted after the test.
 */
export type BackendName = 'fs' | 's3';

/** What a test may set; the rest are the suite's defaults. */
export interface OpenOptions {
  readonly maxFileSize?: number;
  readonly quota?: number;
  readonly uploadTtlMs?: number;
}

export interface Backend {
  readonly name: BackendName;
  /** A storage over a fresh, empty place of its own, closed and removed after the test. */
  open(options?: OpenOptions): Promise<Storage>;
}

/** The options both backends' open take (S3StorageOptions in server/storage/s3/s3-storage.ts). */
interface StoreOptions {
  readonly maxFileSize: number;
  readonly quota?: number;
  readonly uploadTtlMs: number;
}

/** The seam with the s3 backend, typed here so this file compiles before (and without) it. */
interface S3StorageModule {
  readonly S3Storage: { open(url: string, options: StoreOptions): Promise<Storage> };
}

const S3_BACKEND = new URL('../../server/storage/s3/s3-storage.ts', import.meta.url).href;

const DEFAULTS: StoreOptions = { maxFileSize: 64 << 20, uploadTtlMs: 3600_000 };

/** The backends this run covers: fs, and s3 when PAIL_TEST_STORE is set. */
export const BACKENDS: readonly BackendName[] = process.env.PAIL_TEST_STORE ? ['fs', 's3'] : ['fs'];

/**
 * Declares the tests `define` writes once per backend, in a describe named
 * after it; each test's storages are closed and their data removed after it.
 */
export function forEachBackend(define: (backend: Backend) => void): void {
  for (const name of BACKENDS) {
    describe(`on ${name}`, () => {
      const opened: { storage: Storage; remove: () => Promise<void> }[] = [];
      afterEach(async () => {
        for (const { storage, remove } of opened.splice(0).reverse()) {
          await storage.close();
          await remove();
        }
      });
      define({
        name,
        async open(options = {}) {
          const made = name === 'fs' ? await openFs({ ...DEFAULTS, ...options }) : await openS3({ ...DEFAULTS, ...options });
          opened.push(made);
          return made.storage;
        },
      });
    });
  }
}

/**
 * A test of a promise only some backends keep, declared on the others as a
 * skipped test whose name says why: every backend's report shows it.
 */
export function itOnlyOn(backend: Backend, names: readonly BackendName[], why: string, title: string, test: () => Promise<void>): void {
  if (names.includes(backend.name)) it(title, test);
  else it.skip(`${title} (only on ${names.join(', ')}: ${why})`, test);
}

async function openFs(options: StoreOptions): Promise<{ storage: Storage; remove: () => Promise<void> }> {
  const folder = await mkdtemp(join(tmpdir(), 'pail-contract-'));
  const storage = await FsStorage.open(folder, options);
  return { storage, remove: () => rm(folder, { recursive: true, force: true }) };
}

async function openS3(options: StoreOptions): Promise<{ storage: Storage; remove: () => Promise<void> }> {
  const { url, prefix } = withUniquePrefix(process.env.PAIL_TEST_STORE!);
  const { S3Storage } = (await import(S3_BACKEND).catch((err: unknown) => {
    throw new Error(`PAIL_TEST_STORE is set, but the s3 backend cannot be loaded from ${S3_BACKEND}`, { cause: err });
  })) as S3StorageModule;
  const remove = () => deleteEngineBuckets(url, prefix);
  try {
    return { storage: await S3Storage.open(url, options), remove };
  } catch (err) {
    await remove();
    throw err;
  }
}

/** The store URL with a prefix no other storage of any run uses: the given one (if any) and `t<random>-`. */
export function withUniquePrefix(storeUrl: string): { url: string; prefix: string } {
  const url = new URL(storeUrl);
  const prefix = `${url.searchParams.get('prefix') ?? ''}t${randomBytes(4).toString('hex')}-`;
  url.searchParams.set('prefix', prefix);
  return { url: url.href, prefix };
}

/**
 * Deletes every engine bucket whose name starts with `prefix`, with what it
 * holds (objects and unfinished multipart uploads), through the engine's own
 * S3 API: what the storage left behind, whatever state it was left in.
 */
export async function deleteEngineBuckets(storeUrl: string, prefix: string): Promise<void> {
  const s3 = await import('@aws-sdk/client-s3');
  const url = new URL(storeUrl);
  const client = new s3.S3Client({
    endpoint: `${url.protocol === 's3+https:' ? 'https' : 'http'}://${url.host}`,
    region: url.searchParams.get('region') ?? 'us-east-1',
    credentials: { accessKeyId: decodeURIComponent(url.username), secretAccessKey: decodeURIComponent(url.password) },
    forcePathStyle: true,
    // RGW 16 refuses the aws-chunked bodies and checksum trailers the SDK sends by default.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  try {
    const { Buckets = [] } = await client.send(new s3.ListBucketsCommand({}));
    for (const { Name: bucket } of Buckets) {
      if (!bucket?.startsWith(prefix)) continue;
      for (let marker: { KeyMarker?: string; UploadIdMarker?: string } = {}; ; ) {
        const page = await client.send(new s3.ListMultipartUploadsCommand({ Bucket: bucket, ...marker }));
        for (const upload of page.Uploads ?? []) await client.send(new s3.AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId }));
        if (!page.IsTruncated) break;
        marker = { KeyMarker: page.NextKeyMarker, UploadIdMarker: page.NextUploadIdMarker };
      }
      for (let token: string | undefined; ; ) {
        const page = await client.send(new s3.ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        // One by one: DeleteObjects needs a Content-MD5 the SDK no longer sends by default.
        for (const object of page.Contents ?? []) await client.send(new s3.DeleteObjectCommand({ Bucket: bucket, Key: object.Key }));
        if (!page.IsTruncated) break;
        token = page.NextContinuationToken;
      }
      await client.send(new s3.DeleteBucketCommand({ Bucket: bucket }));
    }
  } finally {
    client.destroy();
  }
}
