import { createHash, randomBytes } from 'node:crypto';
import { CreateBucketCommand, CreateMultipartUploadCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl, startS3Harness, type S3Harness } from './harness.ts';

// The completion's keep-alive, its interval made 1 ms so that a completion
// copying 30 MiB (socket round trips, disk copies and syncs) outlasts it.

let h: S3Harness;
const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

beforeAll(async () => {
  h = await startS3Harness({ completionKeepAliveMs: 1 });
  await h.client().send(new CreateBucketCommand({ Bucket: 'kept' }));
});
afterAll(async () => h.close());

describe('the multipart completion keep-alive', () => {
  it('sends the 200 and the XML declaration at once, spaces while the bucket server completes, then the result', async () => {
    const s3 = h.client();
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'kept', Key: 'slow.bin' }));
    const parts: string[] = [];
    for (let number = 1; number <= 6; number++) {
      const body = randomBytes(5 << 20);
      await s3.send(new UploadPartCommand({ Bucket: 'kept', Key: 'slow.bin', UploadId, PartNumber: number, Body: body }));
      parts.push(`<Part><PartNumber>${number}</PartNumber><ETag>"${md5(body)}"</ETag></Part>`);
    }
    const answer = await curl(`${h.endpoint}/kept/slow.bin?uploadId=${UploadId}`, ['-X', 'POST', '--data-binary', `<CompleteMultipartUpload>${parts.join('')}</CompleteMultipartUpload>`]);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n +<CompleteMultipartUploadResult xmlns="[^"]+"><Location>\/kept\/slow.bin<\/Location>/);
    expect(answer.body).toMatch(/<ETag>&quot;[0-9a-f]{32}-6&quot;<\/ETag><\/CompleteMultipartUploadResult>$/);
  });
});
