import { createHash, randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl, errorCode, startS3Harness, type S3Harness, s3Failure } from './harness.ts';

let h: S3Harness;
const BUCKET = 'objects';
beforeAll(async () => {
  h = await startS3Harness();
  await h.client().send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(async () => h.close());

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
const md5Base64 = (bytes: Buffer | string) => createHash('md5').update(bytes).digest('base64');
const md5 = (bytes: Buffer | string) => createHash('md5').update(bytes).digest('hex');
const url = (key: string) => `${h.endpoint}/${BUCKET}/${key}`;


async function tempFile(name: string, bytes: Buffer): Promise<string> {
  const path = join(h.data, '..', `s3l-${process.pid}-${name}`);
  await writeFile(path, bytes);
  return path;
}

describe('S3 objects', () => {
  it('PutObject stores the bytes, GetObject returns them with the MD5 ETag, and the protocol sees the same file with its SHA-256', async () => {
    const s3 = h.client();
    const body = randomBytes(300_000);
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dir/sub/random.bin', Body: body }));
    expect(put.ETag).toBe(`"${md5(body)}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'dir/sub/random.bin' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
    expect(got.ETag).toBe(`"${md5(body)}"`);
    expect(got.ContentLength).toBe(body.length);
    expect(got.AcceptRanges).toBe('bytes');
    const protocol = await h.protocol();
    expect(await protocol.stat(BUCKET, 'dir/sub/random.bin')).toMatchObject({ size: body.length, sha256: sha256(body), etag: md5(body) });
  });

  it('an object written through the protocol has its SHA-256 as its ETag, in GetObject, HeadObject and listings; one written through S3 its MD5', async () => {
    const body = Buffer.from('written by the protocol');
    await (await h.protocol()).upload(BUCKET, 'etags/by-protocol.txt', body);
    await h.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'etags/by-s3.txt', Body: 'written by S3' }));
    const got = await h.client().send(new GetObjectCommand({ Bucket: BUCKET, Key: 'etags/by-protocol.txt' }));
    expect(got.ETag).toBe(`"${sha256(body)}"`);
    expect(got.ContentType).toBe('application/octet-stream');
    const head = await h.client().send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'etags/by-protocol.txt' }));
    expect(head.ETag).toBe(`"${sha256(body)}"`);
    const listed = await h.client().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'etags/' }));
    expect(listed.Contents!.map((c) => [c.Key, c.ETag])).toEqual([
      ['etags/by-protocol.txt', `"${sha256(body)}"`],
      ['etags/by-s3.txt', `"${md5('written by S3')}"`],
    ]);
  });

  it('PutObject keeps Content-Type, the other representation headers and x-amz-meta-* with the object, and GetObject and HeadObject give them back', async () => {
    const s3 = h.client();
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'described.html',
        Body: '<p>hi</p>',
        ContentType: 'text/html; charset=utf-8',
        CacheControl: 'max-age=60',
        ContentDisposition: 'inline',
        ContentLanguage: 'en',
        Expires: new Date('2031-01-01T00:00:00Z'),
        Metadata: { colour: 'blue', 'with-dash': 'a=b&c d' },
      }),
    );
    for (const answer of [await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'described.html' })), await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'described.html' }))]) {
      expect(answer.ContentType).toBe('text/html; charset=utf-8');
      expect(answer.CacheControl).toBe('max-age=60');
      expect(answer.ContentDisposition).toBe('inline');
      expect(answer.ContentLanguage).toBe('en');
      expect(answer.Expires?.toISOString()).toBe('2031-01-01T00:00:00.000Z');
      expect(answer.Metadata).toEqual({ colour: 'blue', 'with-dash': 'a=b&c d' });
    }
    // An overwrite without them leaves none.
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'described.html', Body: 'plain' }));
    const plain = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'described.html' }));
    expect([plain.ContentType, plain.Metadata]).toEqual(['application/octet-stream', {}]);
    // Bytes beyond ASCII in a value (here UTF-8, as curl sends it) go back exactly as they came (s3-tests' test_object_set_get_unicode_metadata).
    const accented = await curl(url('accented.txt'), ['-X', 'PUT', '-H', 'x-amz-meta-word: caf\u00e9', '--data-binary', 'x']);
    expect(accented.status).toBe(200);
    const back = await curl(url('accented.txt'), ['-I']);
    expect(Buffer.from(back.headers['x-amz-meta-word'], 'latin1').toString('utf8')).toBe('caf\u00e9');
    const tooMuch = await curl(url('too-much.txt'), ['-X', 'PUT', '-H', `x-amz-meta-big: ${'m'.repeat(2100)}`, '--data-binary', 'x']);
    expect(errorCode(tooMuch.body)).toBe('MetadataTooLarge');
  });

  it('PutObject over an existing key replaces it; a key with spaces and unicode round-trips', async () => {
    const s3 = h.client();
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'replaced.txt', Body: 'first' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'replaced.txt', Body: 'second' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'replaced.txt' }));
    expect(await got.Body!.transformToString()).toBe('second');
    const key = 'a folder/naïve résumé + 100%.txt';
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'unicode' }));
    expect(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString()).toBe('unicode');
  });

  it('PutObject with If-None-Match: * writes a new key and refuses an existing one with PreconditionFailed, leaving it as it was', async () => {
    const s3 = h.client();
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'once.txt', Body: 'original', IfNoneMatch: '*' }));
    expect(await s3Failure(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'once.txt', Body: 'usurper', IfNoneMatch: '*' })))).toEqual({
      name: 'PreconditionFailed',
      status: 412,
    });
    const raw = await curl(url('once.txt'), ['-X', 'PUT', '-H', 'If-None-Match: *', '--data-binary', 'usurper']);
    expect(raw.status).toBe(412);
    expect(errorCode(raw.body)).toBe('PreconditionFailed');
    expect(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'once.txt' }))).Body!.transformToString()).toBe('original');
  });

  it('PutObject checks Content-MD5: a wrong digest is BadDigest and stores nothing; a malformed one is InvalidDigest', async () => {
    const right = await curl(url('md5-right.txt'), ['-X', 'PUT', '-H', `Content-MD5: ${md5Base64('checked body')}`, '--data-binary', 'checked body']);
    expect(right.status).toBe(200);
    const wrong = await curl(url('md5-wrong.txt'), ['-X', 'PUT', '-H', `Content-MD5: ${md5Base64('another body')}`, '--data-binary', 'checked body']);
    expect(wrong.status).toBe(400);
    expect(errorCode(wrong.body)).toBe('BadDigest');
    const malformed = await curl(url('md5-bad.txt'), ['-X', 'PUT', '-H', 'Content-MD5: not-base64', '--data-binary', 'checked body']);
    expect(errorCode(malformed.body)).toBe('InvalidDigest');
    const protocol = await h.protocol();
    const names = (await protocol.listFiles(BUCKET)).map((f) => f.name);
    expect(names).toContain('md5-right.txt');
    expect(names).not.toContain('md5-wrong.txt');
    expect(names).not.toContain('md5-bad.txt');
  });

  it('PutObject hands x-amz-content-sha256 to the upload: a body that differs is refused and nothing is stored', async () => {
    const body = 'signed by its digest';
    const right = await curl(url('sha-right.txt'), ['-X', 'PUT', '-H', `x-amz-content-sha256: ${sha256(body)}`, '--data-binary', body]);
    expect(right.status).toBe(200);
    expect(right.headers.etag).toBe(`"${md5(body)}"`);
    const wrong = await curl(url('sha-wrong.txt'), ['-X', 'PUT', '-H', `x-amz-content-sha256: ${sha256('something else')}`, '--data-binary', body]);
    expect(wrong.status).toBe(400);
    expect(errorCode(wrong.body)).toBe('XAmzContentSHA256Mismatch');
    const protocol = await h.protocol();
    expect((await protocol.listFiles(BUCKET)).map((f) => f.name)).not.toContain('sha-wrong.txt');
  });

  it('a large PutObject and GetObject stream through (32 MiB, sent with curl from a file)', async () => {
    const body = randomBytes(32 << 20);
    const path = await tempFile('large.bin', body);
    const put = await curl(url('large.bin'), ['-X', 'PUT', '-T', path]).finally(() => rm(path, { force: true }));
    expect(put.status).toBe(200);
    expect(put.headers.etag).toBe(`"${md5(body)}"`);
    const got = await h.client().send(new GetObjectCommand({ Bucket: BUCKET, Key: 'large.bin' }));
    expect(sha256(Buffer.from(await got.Body!.transformToByteArray()))).toBe(sha256(body));
  });

  it('GetObject of a missing key is NoSuchKey 404, of a missing bucket NoSuchBucket', async () => {
    const missing = await curl(url('never-written'));
    expect(missing.status).toBe(404);
    expect(errorCode(missing.body)).toBe('NoSuchKey');
    const noBucket = await curl(`${h.endpoint}/no-such-bucket-here/key`);
    expect(errorCode(noBucket.body)).toBe('NoSuchBucket');
    // A key Pail's rules cannot hold cannot exist either.
    const unholdable = await curl(url('a//b'));
    expect(errorCode(unholdable.body)).toBe('NoSuchKey');
    // A control character in the path is refused as S3 implementations refuse it.
    const control = await curl(url('%C2%AE%C2%8A-'));
    expect(control.status).toBe(400);
    expect(errorCode(control.body)).toBe('InvalidURI');
  });

  describe('ranges', () => {
    const body = Buffer.from('0123456789abcdefghij');
    beforeAll(async () => {
      await h.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'ranged.txt', Body: body }));
    });

    it.each([
      ['bytes=0-4', '01234', 'bytes 0-4/20'],
      ['bytes=5-', '56789abcdefghij', 'bytes 5-19/20'],
      ['bytes=-3', 'hij', 'bytes 17-19/20'],
      ['bytes=15-100', 'fghij', 'bytes 15-19/20'],
    ])('Range %s is 206 with %s', async (range, expected, contentRange) => {
      const answer = await curl(url('ranged.txt'), ['-H', `Range: ${range}`]);
      expect(answer.status).toBe(206);
      expect(answer.body).toBe(expected);
      expect(answer.headers['content-range']).toBe(contentRange);
      expect(answer.headers['content-length']).toBe(String(expected.length));
    });

    it('a Range beyond the object is InvalidRange 416, saying the size', async () => {
      const answer = await curl(url('ranged.txt'), ['-H', 'Range: bytes=20-30']);
      expect(answer.status).toBe(416);
      expect(errorCode(answer.body)).toBe('InvalidRange');
      expect(answer.headers['content-range']).toBe('bytes */20');
      expect(answer.headers.etag).toBeUndefined();
    });

    it('the SDK reads a range', async () => {
      const got = await h.client().send(new GetObjectCommand({ Bucket: BUCKET, Key: 'ranged.txt', Range: 'bytes=10-12' }));
      expect(await got.Body!.transformToString()).toBe('abc');
      expect(got.ContentRange).toBe('bytes 10-12/20');
    });
  });

  describe('conditions', () => {
    const body = 'conditional';
    const etag = `"${md5(body)}"`;
    let modified: Date;
    beforeAll(async () => {
      await h.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'conditional.txt', Body: body }));
      const head = await h.client().send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'conditional.txt' }));
      modified = head.LastModified!;
    });
    const hourBefore = (): string => new Date(modified.getTime() - 3_600_000).toUTCString();
    const hourAfter = (): string => new Date(modified.getTime() + 3_600_000).toUTCString();
    /** A header value named in the table below, worked out once the object's time is known. */
    const valueOf = (name: string): string => ({ etag, other: '"0000"', any: '*', hourBefore: hourBefore(), hourAfter: hourAfter() })[name]!;

    it.each([
      ['If-Match', 'etag', 200],
      ['If-Match', 'other', 412],
      ['If-Match', 'any', 200],
      ['If-None-Match', 'etag', 304],
      ['If-None-Match', 'other', 200],
      ['If-Modified-Since', 'hourBefore', 200],
      ['If-Modified-Since', 'hourAfter', 304],
      ['If-Unmodified-Since', 'hourAfter', 200],
      ['If-Unmodified-Since', 'hourBefore', 412],
    ] as const)('GetObject with %s of %s answers %i as S3', async (header, value, status) => {
      const answer = await curl(url('conditional.txt'), ['-H', `${header}: ${valueOf(value)}`]);
      expect(answer.status).toBe(status);
      if (status === 200) expect(answer.body).toBe(body);
      if (status === 412) expect(errorCode(answer.body)).toBe('PreconditionFailed');
      if (status === 304) {
        expect(answer.body).toBe('');
        expect(answer.headers.etag).toBe(etag);
      }
    });

    it('If-Match that holds wins over an If-Unmodified-Since that does not; If-None-Match that fails wins over If-Modified-Since', async () => {
      const both = await curl(url('conditional.txt'), ['-H', `If-Match: ${etag}`, '-H', `If-Unmodified-Since: ${hourBefore()}`]);
      expect(both.status).toBe(200);
      const notModified = await curl(url('conditional.txt'), ['-H', `If-None-Match: ${etag}`, '-H', `If-Modified-Since: ${hourBefore()}`]);
      expect(notModified.status).toBe(304);
    });

    it('HeadObject takes the same conditions, and the SDK sees 412 and 304', async () => {
      const s3 = h.client();
      // A HEAD answer has no body to name its code: the SDK knows it by its status alone.
      expect(await s3Failure(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'conditional.txt', IfMatch: '"0000"' })))).toMatchObject({ status: 412 });
      expect(await s3Failure(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'conditional.txt', IfNoneMatch: etag })))).toMatchObject({ status: 304 });
      expect(await s3Failure(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'conditional.txt', IfMatch: '"0000"' })))).toEqual({ name: 'PreconditionFailed', status: 412 });
    });
  });

  it('GetObject takes response-content-* overrides', async () => {
    await h.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'overridden.txt', Body: 'x' }));
    const got = await h.client().send(
      new GetObjectCommand({
        Bucket: BUCKET,
        Key: 'overridden.txt',
        ResponseContentType: 'text/plain; charset=utf-8',
        ResponseContentDisposition: 'attachment; filename="x.txt"',
        ResponseCacheControl: 'no-cache',
        ResponseContentLanguage: 'fr',
        ResponseContentEncoding: 'identity',
        ResponseExpires: new Date('2030-01-01T00:00:00Z'),
      }),
    );
    expect(got.ContentType).toBe('text/plain; charset=utf-8');
    expect(got.ContentDisposition).toBe('attachment; filename="x.txt"');
    expect(got.CacheControl).toBe('no-cache');
    expect(got.ContentLanguage).toBe('fr');
    expect(got.ContentEncoding).toBe('identity');
    expect(got.Expires?.toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });

  it('HeadObject says length, ETag and time without a body; a missing key is 404 without a body', async () => {
    const body = 'headed object';
    await h.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'headed.txt', Body: body }));
    const head = await curl(url('headed.txt'), ['-I']);
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(body.length));
    expect(head.headers.etag).toBe(`"${md5(body)}"`);
    expect(new Date(head.headers['last-modified']).getTime()).not.toBeNaN();
    expect(head.body).toBe('');
    const missing = await curl(url('not-headed.txt'), ['-I']);
    expect(missing.status).toBe(404);
    expect(missing.body).toBe('');
  });

  it('an empty object round-trips with the MD5 of nothing', async () => {
    const s3 = h.client();
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'empty', Body: '' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'empty' }));
    expect(head.ContentLength).toBe(0);
    expect(head.ETag).toBe(`"${md5('')}"`);
  });

  it('DeleteObject deletes the key, answers 204 for a missing key as S3 does, and NoSuchBucket for a missing bucket', async () => {
    const s3 = h.client();
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'doomed.txt', Body: 'doomed' }));
    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'doomed.txt' }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect(await s3Failure(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'doomed.txt' })))).toMatchObject({ status: 404 });
    const again = await curl(url('doomed.txt'), ['-X', 'DELETE']);
    expect(again.status).toBe(204);
    // No Content-Length on a 204 (RFC 9110 §8.6), nor a chunked body.
    expect(again.headers['content-length']).toBeUndefined();
    expect(again.headers['transfer-encoding']).toBeUndefined();
    const noBucket = await curl(`${h.endpoint}/no-such-bucket-here/doomed.txt`, ['-X', 'DELETE']);
    expect(errorCode(noBucket.body)).toBe('NoSuchBucket');
  });
});
