import { createHash, randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl, errorCode, READER, startS3Harness, type S3Harness } from './harness.ts';

let h: S3Harness;
let s3: S3Client;
const BUCKET = 'multi';
const MiB = 1024 * 1024;
const md5 = (bytes: Buffer | string) => createHash('md5').update(bytes).digest('hex');
const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
/** S3's multipart ETag: the MD5 of the parts' binary MD5s, a dash, the number of parts. */
const multipartEtag = (parts: readonly Buffer[]) => `"${createHash('md5').update(Buffer.concat(parts.map((p) => createHash('md5').update(p).digest()))).digest('hex')}-${parts.length}"`;

beforeAll(async () => {
  h = await startS3Harness();
  s3 = h.client();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(async () => h.close());

async function begin(key: string, extra: Record<string, unknown> = {}): Promise<string> {
  const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key, ...extra }));
  return created.UploadId!;
}

async function part(key: string, upload: string, number: number, body: Buffer): Promise<string> {
  const sent = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: upload, PartNumber: number, Body: body }));
  return sent.ETag!;
}

function complete(key: string, upload: string, parts: { PartNumber: number; ETag: string }[], extra: Record<string, unknown> = {}) {
  return s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: upload, MultipartUpload: { Parts: parts }, ...extra }));
}

describe('S3 multipart uploads', () => {
  it('uploads parts out of order, one sent again, completes a subset: the bytes, SHA-256, S3 ETag and headers right', async () => {
    const key = 'dir/assembled.bin';
    const upload = await begin(key, { ContentType: 'application/x-test', Metadata: { color: 'blue' }, CacheControl: 'no-cache' });
    const p1 = randomBytes(5 * MiB);
    const p3 = randomBytes(5 * MiB + 17);
    const p4 = randomBytes(1000);
    const p2 = randomBytes(5 * MiB);
    expect(await part(key, upload, 4, p4)).toBe(`"${md5(p4)}"`);
    await part(key, upload, 3, randomBytes(6 * MiB));
    expect(await part(key, upload, 3, p3)).toBe(`"${md5(p3)}"`);
    await part(key, upload, 1, p1);
    await part(key, upload, 2, p2);
    const done = await complete(key, upload, [
      { PartNumber: 1, ETag: `"${md5(p1)}"` },
      { PartNumber: 3, ETag: `"${md5(p3)}"` },
      { PartNumber: 4, ETag: md5(p4) },
    ]);
    const whole = Buffer.concat([p1, p3, p4]);
    expect(done.ETag).toBe(multipartEtag([p1, p3, p4]));
    expect([done.Bucket, done.Key]).toEqual([BUCKET, key]);
    expect(await (await h.protocol()).stat(BUCKET, key)).toMatchObject({ size: whole.length, sha256: sha256(whole) });
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(sha256(Buffer.from(await got.Body!.transformToByteArray()))).toBe(sha256(whole));
    expect(got.ETag).toBe(multipartEtag([p1, p3, p4]));
    expect([got.ContentType, got.CacheControl, got.Metadata]).toEqual(['application/x-test', 'no-cache', { color: 'blue' }]);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));
    expect((uploads.Uploads ?? []).map((u) => u.UploadId)).not.toContain(upload);
  });

  it('refuses a part ETag that differs (InvalidPart), parts out of order (InvalidPartOrder), a small part not last (EntityTooSmall), and keeps the session', async () => {
    const key = 'refusals.bin';
    const upload = await begin(key);
    const small = randomBytes(1000);
    const big = randomBytes(5 * MiB);
    await part(key, upload, 1, small);
    await part(key, upload, 2, big);
    await expect(complete(key, upload, [{ PartNumber: 1, ETag: `"${md5('other')}"` }])).rejects.toMatchObject({ name: 'InvalidPart', $metadata: { httpStatusCode: 400 } });
    await expect(complete(key, upload, [{ PartNumber: 7, ETag: `"${md5(small)}"` }])).rejects.toMatchObject({ name: 'InvalidPart' });
    await expect(
      complete(key, upload, [
        { PartNumber: 2, ETag: `"${md5(big)}"` },
        { PartNumber: 1, ETag: `"${md5(small)}"` },
      ]),
    ).rejects.toMatchObject({ name: 'InvalidPartOrder', $metadata: { httpStatusCode: 400 } });
    await expect(
      complete(key, upload, [
        { PartNumber: 1, ETag: `"${md5(small)}"` },
        { PartNumber: 2, ETag: `"${md5(big)}"` },
      ]),
    ).rejects.toMatchObject({ name: 'EntityTooSmall', $metadata: { httpStatusCode: 400 } });
    await expect((await h.protocol()).stat(BUCKET, key)).rejects.toMatchObject({ reason: 'no-such-file' });
    // The session is kept: the big part alone completes it.
    const done = await complete(key, upload, [{ PartNumber: 2, ETag: `"${md5(big)}"` }]);
    expect(done.ETag).toBe(multipartEtag([big]));
  });

  it('answers an unknown upload with NoSuchUpload and a part number outside 1..10000 with InvalidArgument; aborts a session', async () => {
    const key = 'aborted.bin';
    await expect(part(key, 'no-such-upload-id', 1, Buffer.from('x'))).rejects.toMatchObject({ name: 'NoSuchUpload', $metadata: { httpStatusCode: 404 } });
    const upload = await begin(key);
    for (const number of ['0', '10001', 'x']) {
      const answer = await curl(`${h.endpoint}/${BUCKET}/${key}?partNumber=${number}&uploadId=${upload}`, ['-X', 'PUT', '--data-binary', 'x']);
      expect([answer.status, errorCode(answer.body)]).toEqual([400, 'InvalidArgument']);
    }
    await part(key, upload, 10_000, Buffer.from('last'));
    await s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: upload }));
    await expect(s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: upload }))).rejects.toMatchObject({ name: 'NoSuchUpload' });
    await expect(s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: upload }))).rejects.toMatchObject({ name: 'NoSuchUpload' });
    await expect(complete(key, upload, [{ PartNumber: 1, ETag: '"x"' }])).rejects.toMatchObject({ name: 'NoSuchUpload' });
  });

  it('an upload id used with another key is NoSuchUpload for every call, and the session goes on under its own key', async () => {
    const key = 'tied/own.bin';
    const upload = await begin(key);
    const body = Buffer.from('tied to its key');
    const other = 'tied/other.bin';
    await expect(part(other, upload, 1, body)).rejects.toMatchObject({ name: 'NoSuchUpload', $metadata: { httpStatusCode: 404 } });
    await expect(s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: other, UploadId: upload }))).rejects.toMatchObject({ name: 'NoSuchUpload' });
    await expect(complete(other, upload, [{ PartNumber: 1, ETag: `"${md5(body)}"` }])).rejects.toMatchObject({ name: 'NoSuchUpload' });
    await expect(s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: other, UploadId: upload }))).rejects.toMatchObject({ name: 'NoSuchUpload' });
    await part(key, upload, 1, body);
    const listed = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'tied/' }));
    expect((listed.Uploads ?? []).map((u) => [u.Key, u.UploadId])).toEqual([[key, upload]]);
    await complete(key, upload, [{ PartNumber: 1, ETag: `"${md5(body)}"` }]);
    await expect((await h.protocol()).stat(BUCKET, other)).rejects.toMatchObject({ reason: 'no-such-file' });
    expect(await (await h.protocol()).stat(BUCKET, key)).toMatchObject({ sha256: sha256(body) });
  });

  it('answers a completion sent again with the same result, as S3 does, until the object is replaced; then NoSuchUpload', async () => {
    const key = 'completed/twice.bin';
    const upload = await begin(key);
    const p1 = randomBytes(5 * MiB);
    const p2 = randomBytes(1234);
    const parts = [
      { PartNumber: 1, ETag: await part(key, upload, 1, p1) },
      { PartNumber: 2, ETag: await part(key, upload, 2, p2) },
    ];
    const first = await complete(key, upload, parts);
    const again = await complete(key, upload, parts);
    expect([again.ETag, again.Key]).toEqual([first.ETag, key]);
    expect(first.ETag).toBe(multipartEtag([p1, p2]));
    // Other parts than those completed are not the object there.
    await expect(complete(key, upload, [parts[0]])).rejects.toMatchObject({ name: 'NoSuchUpload' });
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'replaced' }));
    await expect(complete(key, upload, parts)).rejects.toMatchObject({ name: 'NoSuchUpload' });
    expect(await (await h.protocol()).stat(BUCKET, key)).toMatchObject({ sha256: sha256('replaced') });
  });

  it('completes with If-None-Match: * only when the key does not exist (412 otherwise, the object kept)', async () => {
    const key = 'conditional.bin';
    const body = Buffer.from('only part');
    const first = await begin(key);
    await part(key, first, 1, body);
    await complete(key, first, [{ PartNumber: 1, ETag: `"${md5(body)}"` }], { IfNoneMatch: '*' });
    const second = await begin(key);
    await part(key, second, 1, Buffer.from('other bytes'));
    await expect(complete(key, second, [{ PartNumber: 1, ETag: `"${md5('other bytes')}"` }], { IfNoneMatch: '*' })).rejects.toMatchObject({
      name: 'PreconditionFailed',
      $metadata: { httpStatusCode: 412 },
    });
    expect(await (await h.protocol()).stat(BUCKET, key)).toMatchObject({ sha256: sha256(body) });
  });

  it("the bucket server's complete_u create refuses a key written after the session began with overwrite", async () => {
    const protocol = await h.protocol();
    const upload = await protocol.beginUpload(BUCKET, 'raced.bin', { parts: true, overwrite: true });
    await protocol.writeNumberedPart(upload, 1, Buffer.from('late'));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'raced.bin', Body: 'first' }));
    await expect(protocol.completeUpload(upload, { parts: [1], create: true })).rejects.toMatchObject({ reason: 'exists' });
    expect(await protocol.stat(BUCKET, 'raced.bin')).toMatchObject({ sha256: sha256('first') });
    await expect(protocol.completeUpload(upload, { parts: [1] })).resolves.toMatchObject({ sha256: sha256('late') });
  });

  it('completes with If-Match only when the object has that ETag', async () => {
    const key = 'if-match.bin';
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'before' }));
    const upload = await begin(key);
    await part(key, upload, 1, Buffer.from('after'));
    const parts = [{ PartNumber: 1, ETag: `"${md5('after')}"` }];
    await expect(complete(key, upload, parts, { IfMatch: `"${md5('not it')}"` })).rejects.toMatchObject({ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
    await complete(key, upload, parts, { IfMatch: `"${md5('before')}"` });
    expect(await (await h.protocol()).stat(BUCKET, key)).toMatchObject({ sha256: sha256('after') });
  });

  it('answers a completion that fails once its 200 is out with an Error document in the body, which the SDK throws', async () => {
    // The key becomes a folder after the session began: the checks pass, the bucket server refuses the completion.
    const upload = await begin('turned');
    await part('turned', upload, 1, Buffer.from('bytes'));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'turned/inside', Body: 'x' }));
    const body = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"${md5('bytes')}"</ETag></Part></CompleteMultipartUpload>`;
    const answer = await curl(`${h.endpoint}/${BUCKET}/turned?uploadId=${upload}`, ['-X', 'POST', '--data-binary', body]);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\s*<Error><Code>InvalidArgument<\/Code>/);
    await expect(complete('turned', upload, [{ PartNumber: 1, ETag: `"${md5('bytes')}"` }])).rejects.toMatchObject({ name: 'InvalidArgument' });
  });

  it('copies a range of an object into a part (UploadPartCopy), pinned to the version its conditions saw', async () => {
    const source = randomBytes(7 * MiB);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'copy-source.bin', Body: source }));
    const key = 'copied-parts.bin';
    const upload = await begin(key);
    const first = await s3.send(
      new UploadPartCopyCommand({ Bucket: BUCKET, Key: key, UploadId: upload, PartNumber: 1, CopySource: `${BUCKET}/copy-source.bin`, CopySourceRange: `bytes=${MiB}-${6 * MiB - 1}` }),
    );
    const range = source.subarray(MiB, 6 * MiB);
    expect(first.CopyPartResult?.ETag).toBe(`"${md5(range)}"`);
    const second = await s3.send(new UploadPartCopyCommand({ Bucket: BUCKET, Key: key, UploadId: upload, PartNumber: 2, CopySource: `/${BUCKET}/copy-source.bin` }));
    expect(second.CopyPartResult?.ETag).toBe(`"${md5(source)}"`);
    await expect(
      s3.send(new UploadPartCopyCommand({ Bucket: BUCKET, Key: key, UploadId: upload, PartNumber: 3, CopySource: `${BUCKET}/copy-source.bin`, CopySourceRange: `bytes=0-${7 * MiB}` })),
    ).rejects.toMatchObject({ name: 'InvalidRange' });
    await expect(
      s3.send(new UploadPartCopyCommand({ Bucket: BUCKET, Key: key, UploadId: upload, PartNumber: 3, CopySource: `${BUCKET}/copy-source.bin`, CopySourceIfMatch: '"nope"' })),
    ).rejects.toMatchObject({ name: 'PreconditionFailed' });
    await complete(key, upload, [
      { PartNumber: 1, ETag: first.CopyPartResult!.ETag! },
      { PartNumber: 2, ETag: second.CopyPartResult!.ETag! },
    ]);
    expect(await (await h.protocol()).stat(BUCKET, key)).toMatchObject({ sha256: sha256(Buffer.concat([range, source])) });
  });

  it('lists parts a page at a time (part-number-marker, max-parts)', async () => {
    const key = 'paged-parts.bin';
    const upload = await begin(key);
    const bodies = new Map<number, Buffer>();
    for (const number of [1, 2, 3, 5, 8]) {
      bodies.set(number, randomBytes(100 + number));
      await part(key, upload, number, bodies.get(number)!);
    }
    const seen: number[] = [];
    let marker: string | undefined;
    for (let page = 0; page < 5; page++) {
      const listed = await s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: upload, MaxParts: 2, PartNumberMarker: marker }));
      for (const p of listed.Parts ?? []) {
        expect([p.ETag, p.Size]).toEqual([`"${md5(bodies.get(p.PartNumber!)!)}"`, bodies.get(p.PartNumber!)!.length]);
        seen.push(p.PartNumber!);
      }
      expect(listed.Initiator?.ID).toBe('pail');
      if (!listed.IsTruncated) break;
      marker = listed.NextPartNumberMarker;
    }
    expect(seen).toEqual([1, 2, 3, 5, 8]);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: upload }));
  });

  it('lists multipart uploads by key then initiation, under a prefix, rolled up at a delimiter, after markers', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'uploads-listed' }));
    const make = (key: string) => s3.send(new CreateMultipartUploadCommand({ Bucket: 'uploads-listed', Key: key })).then((c) => c.UploadId!);
    const a1 = await make('logs/a');
    const a2 = await make('logs/a');
    const b = await make('logs/b');
    await make('logs/deep/c');
    await make('other');
    // A plain (offset) session is no multipart upload.
    await (await h.protocol()).beginUpload('uploads-listed', 'logs/plain');
    const all = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'uploads-listed', Prefix: 'logs/' }));
    expect(all.Uploads!.map((u) => [u.Key, u.UploadId])).toEqual([
      ['logs/a', a1],
      ['logs/a', a2],
      ['logs/b', b],
      ['logs/deep/c', expect.any(String)],
    ]);
    const rolled = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'uploads-listed', Prefix: 'logs/', Delimiter: '/' }));
    expect(rolled.Uploads!.map((u) => u.Key)).toEqual(['logs/a', 'logs/a', 'logs/b']);
    expect(rolled.CommonPrefixes!.map((p) => p.Prefix)).toEqual(['logs/deep/']);
    const first = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'uploads-listed', MaxUploads: 1 }));
    expect([first.IsTruncated, first.NextKeyMarker, first.NextUploadIdMarker]).toEqual([true, 'logs/a', a1]);
    const next = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'uploads-listed', KeyMarker: 'logs/a', UploadIdMarker: a1, MaxUploads: 2 }));
    expect(next.Uploads!.map((u) => u.UploadId)).toEqual([a2, b]);
    const afterKey = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'uploads-listed', KeyMarker: 'logs/b' }));
    expect(afterKey.Uploads!.map((u) => u.Key)).toEqual(['logs/deep/c', 'other']);
    await make('odd/a b%41+ü');
    const encoded = await curl(`${h.endpoint}/uploads-listed?uploads&encoding-type=url&prefix=odd/`);
    expect(encoded.body).toContain(`<Key>odd/a%20b%2541%2B%C3%BC</Key>`);
    expect(encoded.body).toContain('<EncodingType>url</EncodingType>');
  });

  it('refuses a read-only key the multipart operations that write, and lets it list', async () => {
    const reader = h.client(READER);
    const upload = await begin('read-only.bin');
    await expect(reader.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'read-only.bin' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(reader.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'read-only.bin', UploadId: upload, PartNumber: 1, Body: 'x' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(reader.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'read-only.bin', UploadId: upload }))).rejects.toMatchObject({ name: 'AccessDenied' });
    expect((await reader.send(new ListPartsCommand({ Bucket: BUCKET, Key: 'read-only.bin', UploadId: upload }))).Parts ?? []).toEqual([]);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'read-only.bin', UploadId: upload }));
  });

  it('HeadObject of a completed upload gives the multipart ETag', async () => {
    const key = 'head.bin';
    const upload = await begin(key);
    const body = randomBytes(10);
    await part(key, upload, 1, body);
    await complete(key, upload, [{ PartNumber: 1, ETag: `"${md5(body)}"` }]);
    expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).ETag).toBe(multipartEtag([body]));
  });
});
