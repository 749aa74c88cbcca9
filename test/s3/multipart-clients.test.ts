import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payloadBytes } from '../../s3/auth/payload.ts';
import { verifyRequest } from '../../s3/auth/verify.ts';
import { awsCli } from './auth/cli.ts';
import { startS3Harness, WRITER, type S3Harness } from './harness.ts';

// Multipart uploads from real clients, through the real SigV4 check (s3/auth):
// the SDK's Upload with its default settings (aws-chunked parts with CRC32
// trailers) and the aws CLI.

let h: S3Harness;
let s3: S3Client;
let folder: string;
const BUCKET = 'clients';
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest();
const multipartEtag = (parts: readonly Buffer[]) => `"${createHash('md5').update(Buffer.concat(parts.map(md5))).digest('hex')}-${parts.length}"`;

beforeAll(async () => {
  h = await startS3Harness({ auth: { verify: verifyRequest, payload: (body, verified, headers) => payloadBytes(body, verified, headers) }, keys: [WRITER] });
  // The SDK's defaults: checksums on every request that takes them, bodies aws-chunked.
  s3 = new S3Client({ endpoint: h.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: WRITER.accessKey, secretAccessKey: WRITER.secretKey } });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  folder = await mkdtemp(join(tmpdir(), 'mpu-cli-'));
});
afterAll(async () => {
  s3.destroy();
  await h.close();
  await rm(folder, { recursive: true, force: true });
});

describe('multipart uploads from real clients', () => {
  it("lib-storage's Upload of a 100 MB stream with the SDK's defaults: the object's bytes and its multipart ETag", { timeout: 120_000 }, async () => {
    const data = randomBytes(100 * 1000 * 1000);
    const body = Readable.from(Array.from({ length: 100 }, (_, i) => data.subarray(i * 1_000_000, (i + 1) * 1_000_000)));
    const done = await new Upload({ client: s3, params: { Bucket: BUCKET, Key: 'big/stream.bin', Body: body } }).done();
    // lib-storage's default part is 5 MiB.
    const parts = Array.from({ length: Math.ceil(data.length / (5 << 20)) }, (_, i) => data.subarray(i * (5 << 20), (i + 1) * (5 << 20)));
    expect(done.ETag).toBe(multipartEtag(parts));
    expect(await (await h.protocol()).stat(BUCKET, 'big/stream.bin')).toMatchObject({ size: data.length, sha256: sha256(data) });
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'big/stream.bin' }));
    expect(sha256(Buffer.from(await got.Body!.transformToByteArray()))).toBe(sha256(data));
  });

  it('aws s3 cp of a 40 MB file up (multipart at 8 MiB) and down, the bytes the same', { timeout: 180_000 }, async () => {
    const data = randomBytes(40 * 1000 * 1000);
    const up = join(folder, 'up.bin');
    const down = join(folder, 'down.bin');
    await writeFile(up, data);
    const started = performance.now();
    await awsCli(h.endpoint, WRITER.accessKey, WRITER.secretKey, ['s3', 'cp', up, `s3://${BUCKET}/cli/forty.bin`]);
    const uploaded = performance.now();
    await awsCli(h.endpoint, WRITER.accessKey, WRITER.secretKey, ['s3', 'cp', `s3://${BUCKET}/cli/forty.bin`, down]);
    const downloaded = performance.now();
    console.log(`aws s3 cp 40 MB: up ${Math.round(uploaded - started)} ms, down ${Math.round(downloaded - uploaded)} ms`);
    expect(sha256(await readFile(down))).toBe(sha256(data));
    const stat = await (await h.protocol()).stat(BUCKET, 'cli/forty.bin');
    expect(stat.etag).toMatch(/-5$/);
  });

  it('aws s3api create-multipart-upload, upload-part and complete-multipart-upload', { timeout: 120_000 }, async () => {
    const cli = (args: string[]) => awsCli(h.endpoint, WRITER.accessKey, WRITER.secretKey, ['s3api', ...args, '--output', 'json']);
    const first = randomBytes(5 << 20);
    const second = randomBytes(1234);
    await writeFile(join(folder, 'p1'), first);
    await writeFile(join(folder, 'p2'), second);
    const { UploadId } = JSON.parse(await cli(['create-multipart-upload', '--bucket', BUCKET, '--key', 'api/two.bin', '--content-type', 'text/x-two'])) as { UploadId: string };
    const etags: string[] = [];
    for (const [number, file] of [[1, 'p1'], [2, 'p2']] as const) {
      const sent = JSON.parse(await cli(['upload-part', '--bucket', BUCKET, '--key', 'api/two.bin', '--upload-id', UploadId, '--part-number', String(number), '--body', join(folder, file)])) as { ETag: string };
      etags.push(sent.ETag);
    }
    const parts = JSON.stringify({ Parts: etags.map((ETag, i) => ({ PartNumber: i + 1, ETag })) });
    const done = JSON.parse(await cli(['complete-multipart-upload', '--bucket', BUCKET, '--key', 'api/two.bin', '--upload-id', UploadId, '--multipart-upload', parts])) as { ETag: string };
    expect(done.ETag).toBe(multipartEtag([first, second]));
    const stat = await (await h.protocol()).stat(BUCKET, 'api/two.bin');
    expect(stat).toMatchObject({ size: first.length + second.length, sha256: sha256(Buffer.concat([first, second])) });
    expect(stat.attrs).toContain('text%2Fx-two');
  });

  it('aws s3api list-multipart-uploads gives back a key needing encoding as it is', { timeout: 120_000 }, async () => {
    const cli = (args: string[]) => awsCli(h.endpoint, WRITER.accessKey, WRITER.secretKey, ['s3api', ...args, '--output', 'json']);
    const key = 'odd/a b%41+ü.bin';
    const { UploadId } = JSON.parse(await cli(['create-multipart-upload', '--bucket', BUCKET, '--key', key])) as { UploadId: string };
    const listed = JSON.parse(await cli(['list-multipart-uploads', '--bucket', BUCKET, '--prefix', 'odd/'])) as { Uploads: { Key: string; UploadId: string }[] };
    expect(listed.Uploads.map((u) => [u.Key, u.UploadId])).toEqual([[key, UploadId]]);
    await cli(['abort-multipart-upload', '--bucket', BUCKET, '--key', key, '--upload-id', UploadId]);
  });
});
