import { CreateBucketCommand, DeleteBucketCommand, GetBucketLocationCommand, HeadBucketCommand, ListBucketsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl, errorCode, startS3Harness, type S3Harness, s3Failure } from './harness.ts';

let h: S3Harness;
beforeAll(async () => {
  h = await startS3Harness();
});
afterAll(async () => h.close());


describe('S3 buckets', () => {
  it('ListBuckets lists what CreateBucket made, with creation times, and the protocol sees the same buckets', async () => {
    const s3 = h.client();
    await s3.send(new CreateBucketCommand({ Bucket: 'listed-one' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'listed-two' }));
    const { Buckets, Owner } = await s3.send(new ListBucketsCommand({}));
    const names = Buckets!.map((b) => b.Name);
    expect(names).toEqual(expect.arrayContaining(['listed-one', 'listed-two']));
    expect(Buckets!.every((b) => b.CreationDate instanceof Date && !Number.isNaN(b.CreationDate.getTime()))).toBe(true);
    expect(Owner?.ID).toBe('pail');
    const protocol = await h.protocol();
    expect((await protocol.listBuckets()).map((b) => b.name)).toEqual(expect.arrayContaining(['listed-one', 'listed-two']));
  });

  it('CreateBucket of an existing bucket succeeds in us-east-1, as S3 answers its owner there (s3-tests test_bucket_create_exists)', async () => {
    await h.client().send(new CreateBucketCommand({ Bucket: 'made-twice' }));
    const again = await curl(`${h.endpoint}/made-twice`, ['-X', 'PUT']);
    expect(again.status).toBe(200);
    expect(again.headers['x-amz-request-id']).toMatch(/^[0-9A-F]{16}$/);
  });

  it('CreateBucket of an existing bucket in another region is BucketAlreadyOwnedByYou, 409, in S3 XML with a request id', async () => {
    const other = await startS3Harness({ region: 'eu-west-1' });
    try {
      await curl(`${other.endpoint}/made-twice`, ['-X', 'PUT']);
      const again = await curl(`${other.endpoint}/made-twice`, ['-X', 'PUT']);
      expect(again.status).toBe(409);
      expect(errorCode(again.body)).toBe('BucketAlreadyOwnedByYou');
      expect(again.headers['content-type']).toBe('application/xml');
      const requestId = again.headers['x-amz-request-id'];
      expect(requestId).toMatch(/^[0-9A-F]{16}$/);
      expect(again.body).toContain(`<Resource>/made-twice</Resource><RequestId>${requestId}</RequestId></Error>`);
    } finally {
      await other.close();
    }
  });

  it.each(['ab', 'UPPER', 'bad_underscore', '-leading', 'trailing-', 'two..dots', '192.168.5.4', 'a'.repeat(64), 'dot.-dash', 'dash-.dot'])(
    'CreateBucket %s is InvalidBucketName, and nothing is made',
    async (name) => {
      const answer = await curl(`${h.endpoint}/${name}`, ['-X', 'PUT']);
      expect(answer.status).toBe(400);
      expect(errorCode(answer.body)).toBe('InvalidBucketName');
      const protocol = await h.protocol();
      expect((await protocol.listBuckets()).map((b) => b.name)).not.toContain(name);
    },
  );

  it('CreateBucket takes a location constraint of its own region and refuses another', async () => {
    const s3 = h.client();
    await s3.send(new CreateBucketCommand({ Bucket: 'constrained', CreateBucketConfiguration: { LocationConstraint: 'us-east-1' as never } }));
    const elsewhere = await curl(`${h.endpoint}/elsewhere`, [
      '-X', 'PUT', '--data-binary',
      '<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>',
    ]);
    expect(elsewhere.status).toBe(400);
    expect(errorCode(elsewhere.body)).toBe('InvalidLocationConstraint');
  });

  it('HeadBucket is 200 for a bucket and 404 without a body for none', async () => {
    const s3 = h.client();
    await s3.send(new CreateBucketCommand({ Bucket: 'headed' }));
    const found = await s3.send(new HeadBucketCommand({ Bucket: 'headed' }));
    expect(found.$metadata.httpStatusCode).toBe(200);
    expect(await s3Failure(s3.send(new HeadBucketCommand({ Bucket: 'not-there' })))).toEqual({ name: 'NotFound', status: 404 });
    const raw = await curl(`${h.endpoint}/not-there`, ['-I']);
    expect(raw.status).toBe(404);
    expect(raw.body).toBe('');
  });

  it('DeleteBucket deletes an empty bucket, refuses a non-empty one with BucketNotEmpty, and a missing one is NoSuchBucket', async () => {
    const s3 = h.client();
    await s3.send(new CreateBucketCommand({ Bucket: 'holds-one' }));
    await s3.send(new PutObjectCommand({ Bucket: 'holds-one', Key: 'kept.txt', Body: 'kept' }));
    expect(await s3Failure(s3.send(new DeleteBucketCommand({ Bucket: 'holds-one' })))).toEqual({ name: 'BucketNotEmpty', status: 409 });
    const protocol = await h.protocol();
    expect((await protocol.listFiles('holds-one')).map((f) => f.name)).toEqual(['kept.txt']);

    await s3.send(new CreateBucketCommand({ Bucket: 'empty-one' }));
    const deleted = await curl(`${h.endpoint}/empty-one`, ['-X', 'DELETE']);
    expect(deleted.status).toBe(204);
    expect((await protocol.listBuckets()).map((b) => b.name)).not.toContain('empty-one');
    const missing = await curl(`${h.endpoint}/empty-one`, ['-X', 'DELETE']);
    expect(missing.status).toBe(404);
    expect(errorCode(missing.body)).toBe('NoSuchBucket');
  });

  it('GetBucketLocation answers us-east-1 as S3 does, with an empty LocationConstraint; a missing bucket is NoSuchBucket', async () => {
    const s3 = h.client();
    await s3.send(new CreateBucketCommand({ Bucket: 'located' }));
    const raw = await curl(`${h.endpoint}/located?location`);
    expect(raw.status).toBe(200);
    expect(raw.body).toMatch(/<LocationConstraint xmlns="http:\/\/s3\.amazonaws\.com\/doc\/2006-03-01\/"><\/LocationConstraint>$/);
    const { LocationConstraint } = await s3.send(new GetBucketLocationCommand({ Bucket: 'located' }));
    expect(LocationConstraint ?? '').toBe('');
    const missing = await curl(`${h.endpoint}/not-located?location`);
    expect(errorCode(missing.body)).toBe('NoSuchBucket');
  });

  it('GetBucketLocation answers another region by its name', async () => {
    const other = await startS3Harness({ region: 'eu-central-1' });
    try {
      await other.client().send(new CreateBucketCommand({ Bucket: 'in-frankfurt', CreateBucketConfiguration: { LocationConstraint: 'eu-central-1' } }));
      const { LocationConstraint } = await other.client().send(new GetBucketLocationCommand({ Bucket: 'in-frankfurt' }));
      expect(LocationConstraint).toBe('eu-central-1');
    } finally {
      await other.close();
    }
  });
});
