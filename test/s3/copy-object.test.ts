import { createHash, randomBytes } from 'node:crypto';
import { CopyObjectCommand, CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl, errorCode, startS3Harness, type S3Harness } from './harness.ts';

let h: S3Harness;
const SOURCE = 'copy-from';
const TARGET = 'copy-to';
const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
const md5 = (bytes: Buffer | string) => createHash('md5').update(bytes).digest('hex');

beforeAll(async () => {
  h = await startS3Harness();
  await h.client().send(new CreateBucketCommand({ Bucket: SOURCE }));
  await h.client().send(new CreateBucketCommand({ Bucket: TARGET }));
});
afterAll(async () => h.close());

describe('S3 CopyObject', () => {
  it('copies an object across buckets through the listener: the same bytes and MD5 ETag, seen by the protocol too', async () => {
    const s3 = h.client();
    const body = randomBytes(6 << 20);
    await s3.send(new PutObjectCommand({ Bucket: SOURCE, Key: 'big/original.bin', Body: body }));
    const copied = await s3.send(new CopyObjectCommand({ Bucket: TARGET, Key: 'big/copy.bin', CopySource: `${SOURCE}/big/original.bin` }));
    expect(copied.CopyObjectResult?.ETag).toBe(`"${md5(body)}"`);
    expect(copied.CopyObjectResult?.LastModified).toBeInstanceOf(Date);
    const got = await s3.send(new GetObjectCommand({ Bucket: TARGET, Key: 'big/copy.bin' }));
    expect(sha256(Buffer.from(await got.Body!.transformToByteArray()))).toBe(sha256(body));
    expect(await (await h.protocol()).stat(TARGET, 'big/copy.bin')).toMatchObject({ size: body.length, sha256: sha256(body) });
  });

  it('takes a percent-encoded source key, with or without a leading /, and versionId=null', async () => {
    const key = 'a folder/naïve & odd.txt';
    await h.client().send(new PutObjectCommand({ Bucket: SOURCE, Key: key, Body: 'encoded' }));
    for (const [i, header] of [`/${SOURCE}/${encodeURIComponent(key)}`, `${SOURCE}/${encodeURIComponent(key)}?versionId=null`].entries()) {
      const answer = await curl(`${h.endpoint}/${TARGET}/encoded-${i}.txt`, ['-X', 'PUT', '-H', `x-amz-copy-source: ${header}`]);
      expect(answer.status).toBe(200);
      expect(answer.body).toContain(`<ETag>&quot;${md5('encoded')}&quot;</ETag>`);
    }
    const other = await curl(`${h.endpoint}/${TARGET}/versioned.txt`, ['-X', 'PUT', '-H', `x-amz-copy-source: /${SOURCE}/${encodeURIComponent(key)}?versionId=abc`]);
    expect(errorCode(other.body)).toBe('NoSuchVersion');
  });

  it('a missing source is NoSuchKey or NoSuchBucket, and nothing is written', async () => {
    const noKey = await curl(`${h.endpoint}/${TARGET}/from-nothing.txt`, ['-X', 'PUT', '-H', `x-amz-copy-source: /${SOURCE}/not-there.txt`]);
    expect(noKey.status).toBe(404);
    expect(errorCode(noKey.body)).toBe('NoSuchKey');
    const noBucket = await curl(`${h.endpoint}/${TARGET}/from-nothing.txt`, ['-X', 'PUT', '-H', 'x-amz-copy-source: /no-such-bucket-here/x']);
    expect(errorCode(noBucket.body)).toBe('NoSuchBucket');
    expect((await (await h.protocol()).listFiles(TARGET)).map((f) => f.name)).not.toContain('from-nothing.txt');
  });

  it('a copy onto itself without REPLACE is InvalidRequest; with REPLACE it is rewritten whole', async () => {
    await h.client().send(new PutObjectCommand({ Bucket: SOURCE, Key: 'self.txt', Body: 'myself' }));
    const refused = await curl(`${h.endpoint}/${SOURCE}/self.txt`, ['-X', 'PUT', '-H', `x-amz-copy-source: /${SOURCE}/self.txt`]);
    expect(refused.status).toBe(400);
    expect(errorCode(refused.body)).toBe('InvalidRequest');
    const replaced = await curl(`${h.endpoint}/${SOURCE}/self.txt`, ['-X', 'PUT', '-H', `x-amz-copy-source: /${SOURCE}/self.txt`, '-H', 'x-amz-metadata-directive: REPLACE']);
    expect(replaced.status).toBe(200);
    const got = await h.client().send(new GetObjectCommand({ Bucket: SOURCE, Key: 'self.txt' }));
    expect(await got.Body!.transformToString()).toBe('myself');
  });

  it('a copy keeps the source\'s Content-Type and metadata, or takes the request\'s with REPLACE; a copy of a protocol-written file gets an MD5 ETag', async () => {
    const s3 = h.client();
    await s3.send(new PutObjectCommand({ Bucket: SOURCE, Key: 'described.txt', Body: 'described', ContentType: 'text/plain', Metadata: { origin: 'source' } }));
    await s3.send(new CopyObjectCommand({ Bucket: TARGET, Key: 'kept.txt', CopySource: `${SOURCE}/described.txt` }));
    const kept = await s3.send(new HeadObjectCommand({ Bucket: TARGET, Key: 'kept.txt' }));
    expect([kept.ContentType, kept.Metadata]).toEqual(['text/plain', { origin: 'source' }]);
    await s3.send(
      new CopyObjectCommand({ Bucket: TARGET, Key: 'replaced.txt', CopySource: `${SOURCE}/described.txt`, MetadataDirective: 'REPLACE', ContentType: 'text/markdown', Metadata: { origin: 'request' } }),
    );
    const replaced = await s3.send(new HeadObjectCommand({ Bucket: TARGET, Key: 'replaced.txt' }));
    expect([replaced.ContentType, replaced.Metadata]).toEqual(['text/markdown', { origin: 'request' }]);
    await (await h.protocol()).upload(SOURCE, 'by-protocol.txt', Buffer.from('protocol'));
    const copied = await s3.send(new CopyObjectCommand({ Bucket: TARGET, Key: 'from-protocol.txt', CopySource: `${SOURCE}/by-protocol.txt` }));
    expect(copied.CopyObjectResult?.ETag).toBe(`"${md5('protocol')}"`);
  });

  it('x-amz-copy-source-if-* conditions that do not hold are PreconditionFailed, and nothing is written', async () => {
    const body = 'conditional source';
    await h.client().send(new PutObjectCommand({ Bucket: SOURCE, Key: 'conditional.txt', Body: body }));
    const etag = `"${md5(body)}"`;
    const copy = (header: string) => curl(`${h.endpoint}/${TARGET}/conditional-copy.txt`, ['-X', 'PUT', '-H', `x-amz-copy-source: /${SOURCE}/conditional.txt`, '-H', header]);
    for (const header of ['x-amz-copy-source-if-match: "0000"', `x-amz-copy-source-if-none-match: ${etag}`, `x-amz-copy-source-if-unmodified-since: ${new Date(Date.now() - 86_400_000).toUTCString()}`]) {
      const answer = await copy(header);
      expect(answer.status).toBe(412);
      expect(errorCode(answer.body)).toBe('PreconditionFailed');
    }
    expect((await (await h.protocol()).listFiles(TARGET)).map((f) => f.name)).not.toContain('conditional-copy.txt');
    expect((await copy(`x-amz-copy-source-if-match: ${etag}`)).status).toBe(200);
  });
});
