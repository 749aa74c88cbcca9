import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, CreateMultipartUploadCommand, type S3Client } from '@aws-sdk/client-s3';
import { multipartUploads } from '../../server/storage/s3/multipart-uploads.ts';
import { parseStoreUrl } from '../../shared/config/store-url.ts';
import { NEEDS_ENGINE, ownStore, rawEngine, TEST_STORE } from './engine.ts';

describe.skipIf(!TEST_STORE)(`unfinished multipart uploads on an engine (${NEEDS_ENGINE})`, () => {
  const url = ownStore();
  let engine: S3Client;
  let bucket: string;

  beforeAll(async () => {
    engine = rawEngine(url);
    bucket = `${parseStoreUrl(url).prefix}uploads`;
    await engine.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(() => engine?.destroy());

  it('are listed past the first page: every one, once, when the engine answers a few at a time (sweeps and forced bucket deletes abort them all)', async () => {
    const made: string[] = [];
    // Two uploads of one key as well: the page's end may fall between them.
    for (const key of ['a', 'b', 'b', 'c', 'd/e', 'f']) {
      const { UploadId } = await engine.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      made.push(`${key} ${UploadId}`);
    }
    const seen: string[] = [];
    for await (const u of multipartUploads(engine, bucket, 2)) seen.push(`${u.Key} ${u.UploadId}`);
    expect(seen.sort()).toEqual(made.sort());
  });
});
