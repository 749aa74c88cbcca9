import { CreateBucketCommand, DeleteObjectsCommand, GetObjectCommand, ListBucketsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl, errorCode, READER, startS3Harness, WRITER, type S3Harness, s3Failure } from './harness.ts';

let h: S3Harness;
const BUCKET = 'guarded';
beforeAll(async () => {
  h = await startS3Harness({ domain: 's3.pail.test' });
  await h.client().send(new CreateBucketCommand({ Bucket: BUCKET }));
  await h.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'readable.txt', Body: 'readable' }));
});
afterAll(async () => h.close());


describe('S3 access', () => {
  it('a read-only key reads, and is refused every write with AccessDenied, changing nothing', async () => {
    const reader = h.client(READER);
    expect((await reader.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name)).toContain(BUCKET);
    expect(await (await reader.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'readable.txt' }))).Body!.transformToString()).toBe('readable');
    const refused = { name: 'AccessDenied', status: 403 };
    expect(await s3Failure(reader.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'written.txt', Body: 'no' })))).toEqual(refused);
    expect(await s3Failure(reader.send(new CreateBucketCommand({ Bucket: 'made-by-reader' })))).toEqual(refused);
    expect(await s3Failure(reader.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'readable.txt' }] } })))).toEqual(refused);
    for (const [method, path, extra] of [
      ['DELETE', `/${BUCKET}/readable.txt`, []],
      ['DELETE', `/${BUCKET}`, []],
      ['PUT', `/${BUCKET}/copied.txt`, ['-H', `x-amz-copy-source: /${BUCKET}/readable.txt`]],
    ] as const) {
      const answer = await curl(`${h.endpoint}${path}`, ['-X', method, ...extra], READER);
      expect(answer.status).toBe(403);
      expect(errorCode(answer.body)).toBe('AccessDenied');
    }
    const protocol = await h.protocol();
    expect((await protocol.listFiles(BUCKET)).map((f) => f.name)).toEqual(['readable.txt']);
    expect((await protocol.listBuckets()).map((b) => b.name)).not.toContain('made-by-reader');
  });

  it('a request without credentials, or with an unknown key, is refused with the verifier\'s code', async () => {
    const anonymous = await curl(`${h.endpoint}/`, [], null);
    expect(anonymous.status).toBe(403);
    expect(errorCode(anonymous.body)).toBe('AccessDenied');
    const unknown = await curl(`${h.endpoint}/`, [], { ...WRITER, accessKey: 'AKNOBODY' });
    expect(errorCode(unknown.body)).toBe('InvalidAccessKeyId');
  });

  it.each([
    ['PUT', '?versioning'],
    ['PUT', '?acl'],
    ['GET', '?policy'],
    ['PUT', '?policy'],
    ['GET', '?lifecycle'],
    ['PUT', '?object-lock'],
    ['GET', '?encryption'],
    ['GET', '?tagging'],
    ['PUT', '?cors'],
    ['GET', '?website'],
  ])('%s on a bucket with %s is NotImplemented 501', async (method, query) => {
    const answer = await curl(`${h.endpoint}/${BUCKET}${query}`, ['-X', method]);
    expect(answer.status).toBe(501);
    expect(errorCode(answer.body)).toBe('NotImplemented');
  });

  it.each([
    ['PUT', '?tagging', []],
    ['PUT', '?acl', []],
    ['GET', '?retention', []],
    ['POST', '?restore', []],
    ['GET', '?versionId=3HL4kqtJlcpXroDTDmJ', []],
  ])('%s on an object with %s is NotImplemented 501, and writes nothing', async (method, query, extra) => {
    const answer = await curl(`${h.endpoint}/${BUCKET}/readable.txt${query}`, ['-X', method, ...extra]);
    expect(answer.status).toBe(501);
    expect(errorCode(answer.body)).toBe('NotImplemented');
    const protocol = await h.protocol();
    expect((await protocol.listFiles(BUCKET)).map((f) => [f.name, f.size])).toEqual([['readable.txt', 8]]);
  });

  it('versionId=null names the one version Pail keeps', async () => {
    const answer = await curl(`${h.endpoint}/${BUCKET}/readable.txt?versionId=null`);
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('readable');
  });

  it('GetBucketAcl and GetBucketVersioning answer what holds: the owner has full control, versioning was never enabled', async () => {
    const acl = await curl(`${h.endpoint}/${BUCKET}?acl`);
    expect(acl.body).toContain('<Permission>FULL_CONTROL</Permission>');
    const versioning = await curl(`${h.endpoint}/${BUCKET}?versioning`);
    expect(versioning.body).toMatch(/<VersioningConfiguration xmlns="[^"]+"><\/VersioningConfiguration>$/);
  });

  it('a method no operation takes is MethodNotAllowed', async () => {
    const answer = await curl(`${h.endpoint}/`, ['-X', 'DELETE']);
    expect(answer.status).toBe(405);
    expect(errorCode(answer.body)).toBe('MethodNotAllowed');
  });

  it('virtual-host style: a Host of BUCKET.DOMAIN names the bucket, and path style still works', async () => {
    const host = ['-H', `Host: ${BUCKET}.s3.pail.test:${h.port}`];
    const object = await curl(`${h.endpoint}/readable.txt`, host);
    expect(object.status).toBe(200);
    expect(object.body).toBe('readable');
    const listing = await curl(`${h.endpoint}/?list-type=2`, host);
    expect(listing.body).toContain(`<Name>${BUCKET}</Name>`);
    expect(listing.body).toContain('<Key>readable.txt</Key>');
    const put = await curl(`${h.endpoint}/by-host.txt`, [...host, '-X', 'PUT', '--data-binary', 'via host']);
    expect(put.status).toBe(200);
    expect((await curl(`${h.endpoint}/${BUCKET}/by-host.txt`)).body).toBe('via host');
    await curl(`${h.endpoint}/${BUCKET}/by-host.txt`, ['-X', 'DELETE']);
  });
});
