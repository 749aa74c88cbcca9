import { DeleteObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl, errorCode, startS3Harness, type S3Harness } from './harness.ts';

let h: S3Harness;
const BUCKET = 'deletions';
beforeAll(async () => {
  h = await startS3Harness();
  await (await h.protocol()).createBucket(BUCKET);
});
afterAll(async () => h.close());

async function put(keys: readonly string[]): Promise<void> {
  const protocol = await h.protocol();
  for (const key of keys) await protocol.upload(BUCKET, key, Buffer.from(key), { overwrite: true });
}

async function stored(): Promise<string[]> {
  return (await (await h.protocol()).listFiles(BUCKET)).map((f) => f.name).sort();
}

function deleteMany(s3: S3Client, keys: readonly string[], quiet?: boolean) {
  return s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: quiet } }));
}

describe('S3 DeleteObjects', () => {
  it('deletes every listed key and reports each as Deleted; a key that was not there counts as deleted, others stay', async () => {
    await put(['one.txt', 'two.txt', 'dir/three.txt', 'kept.txt']);
    const result = await deleteMany(h.client(), ['one.txt', 'two.txt', 'dir/three.txt', 'never-was.txt']);
    expect(result.Deleted!.map((d) => d.Key).sort()).toEqual(['dir/three.txt', 'never-was.txt', 'one.txt', 'two.txt']);
    expect(result.Errors ?? []).toEqual([]);
    expect(await stored()).toEqual(['kept.txt']);
  });

  it('in Quiet mode answers only the failures (none here), and still deletes', async () => {
    await put(['quiet-a', 'quiet-b']);
    const result = await deleteMany(h.client(), ['quiet-a', 'quiet-b'], true);
    expect(result.Deleted ?? []).toEqual([]);
    expect(result.Errors ?? []).toEqual([]);
    expect(await stored()).not.toContain('quiet-a');
    expect(await stored()).not.toContain('quiet-b');
  });

  it('takes a thousand keys in one request', async () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `many/${String(i).padStart(4, '0')}`);
    await put(keys.slice(0, 300));
    const result = await deleteMany(h.client(), keys, true);
    expect(result.Errors ?? []).toEqual([]);
    expect((await stored()).filter((k) => k.startsWith('many/'))).toEqual([]);
  });

  it('keys with XML-special characters and spaces are deleted exactly', async () => {
    const keys = ['a & b.txt', '<angle>.txt', ' leading space.txt', 'quote".txt'];
    await put(keys);
    const result = await deleteMany(h.client(), keys);
    expect(result.Deleted!.map((d) => d.Key).sort()).toEqual([...keys].sort());
    expect(await stored()).toEqual(['kept.txt']);
  });

  it('refuses malformed XML, more than 1000 keys, and a missing bucket, deleting nothing', async () => {
    const xml = (keys: readonly string[]) => `<Delete>${keys.map((k) => `<Object><Key>${k}</Key></Object>`).join('')}</Delete>`;
    const malformed = await curl(`${h.endpoint}/${BUCKET}?delete`, ['-X', 'POST', '--data-binary', '<Delete><Object><Key>kept.txt</Key>']);
    expect(malformed.status).toBe(400);
    expect(errorCode(malformed.body)).toBe('MalformedXML');
    const tooMany = await curl(`${h.endpoint}/${BUCKET}?delete`, ['-X', 'POST', '--data-binary', xml(Array.from({ length: 1001 }, (_, i) => (i === 0 ? 'kept.txt' : `k${i}`)))]);
    expect(errorCode(tooMany.body)).toBe('MalformedXML');
    const noBucket = await curl(`${h.endpoint}/no-such-bucket-here?delete`, ['-X', 'POST', '--data-binary', xml(['kept.txt'])]);
    expect(errorCode(noBucket.body)).toBe('NoSuchBucket');
    expect(await stored()).toEqual(['kept.txt']);
  });

  it('checks a Content-MD5 it is given', async () => {
    const body = '<Delete><Object><Key>kept.txt</Key></Object></Delete>';
    const wrong = await curl(`${h.endpoint}/${BUCKET}?delete`, ['-X', 'POST', '-H', 'Content-MD5: AAAAAAAAAAAAAAAAAAAAAA==', '--data-binary', body]);
    expect(errorCode(wrong.body)).toBe('BadDigest');
    expect(await stored()).toEqual(['kept.txt']);
  });
});
