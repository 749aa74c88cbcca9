import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3, type S3Wiring } from '../../s3/main.ts';
import type { BucketServer } from '../../server/bucket-server.ts';
import { startBucketServer } from '../../server/main.ts';
import { DEFAULTS, StartupError, type Settings } from '../../shared/config/settings.ts';
import { curl, errorCode, testSeamAuth, WRITER } from './harness.ts';

describe('startS3', () => {
  const log = pino({ level: 'silent' });
  let data: string;
  let server: BucketServer;
  let settings: Settings;
  /** The test seam in place of s3/auth, reading PAIL_S3_KEYS as ACCESS:SECRET pairs. */
  const wiring: S3Wiring = {
    auth: testSeamAuth,
    parseKeys: (text) => text.split(',').map((pair) => ({ accessKey: pair.split(':')[0], secretKey: pair.split(':')[1], readOnly: pair.endsWith(':ro') })),
    defaultKey: WRITER,
  };
  beforeAll(async () => {
    data = await mkdtemp(join(tmpdir(), 's3l-main-'));
    server = await startBucketServer({ ...DEFAULTS, tcpPort: 0, data, logLevel: 'silent' }, log);
    settings = { ...DEFAULTS, s3Port: 0, server: `127.0.0.1:${server.address().port}`, logLevel: 'silent' };
  });
  afterAll(async () => {
    await server.close();
    await rm(data, { recursive: true, force: true });
  });

  it('listens on the host and S3 port of the settings, in front of the bucket server they name; the default key works on loopback', async () => {
    const s3 = await startS3(settings, log, wiring);
    try {
      expect(s3.address.address).toBe(DEFAULTS.host);
      const made = await curl(`http://127.0.0.1:${s3.address.port}/from-settings`, ['-X', 'PUT']);
      expect(made.status).toBe(200);
      const listed = await curl(`http://127.0.0.1:${s3.address.port}/`);
      expect(listed.body).toContain('<Name>from-settings</Name>');
    } finally {
      await s3.close();
    }
  });

  it('takes the keys of PAIL_S3_KEYS instead of the default one', async () => {
    const s3 = await startS3({ ...settings, s3Keys: 'AKSET:set-secret' }, log, wiring);
    try {
      const withDefault = await curl(`http://127.0.0.1:${s3.address.port}/`);
      expect(errorCode(withDefault.body)).toBe('InvalidAccessKeyId');
      const withSet = await curl(`http://127.0.0.1:${s3.address.port}/`, [], { accessKey: 'AKSET', secretKey: 'set-secret', readOnly: false });
      expect(withSet.status).toBe(200);
    } finally {
      await s3.close();
    }
  });

  it('checks AWS Signature Version 4 (s3/auth): the SDK with its defaults (aws-chunked bodies with CRC32 trailers) works with the default pair; a wrong secret and an unsigned request are refused', async () => {
    const s3 = await startS3(settings, log);
    const endpoint = `http://127.0.0.1:${s3.address.port}`;
    const client = (secretAccessKey: string) =>
      new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'pail', secretAccessKey }, maxAttempts: 1 });
    const right = client('pailsecret');
    const wrong = client('not-the-secret');
    try {
      await right.send(new CreateBucketCommand({ Bucket: 'signed' }));
      const body = randomBytes(3 << 20);
      const put = await right.send(new PutObjectCommand({ Bucket: 'signed', Key: 'chunked.bin', Body: Readable.from([body]), ContentLength: body.length }));
      expect(put.ETag).toBe(`"${createHash('md5').update(body).digest('hex')}"`);
      const got = await right.send(new GetObjectCommand({ Bucket: 'signed', Key: 'chunked.bin' }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
      await expect(wrong.send(new PutObjectCommand({ Bucket: 'signed', Key: 'refused.bin', Body: 'no' }))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
      const unsigned = await curl(`${endpoint}/signed/chunked.bin`, [], null);
      expect(unsigned.status).toBe(403);
      expect(errorCode(unsigned.body)).toBe('AccessDenied');
      const listed = await right.send(new ListObjectsV2Command({ Bucket: 'signed' }));
      expect(listed.Contents!.map((c) => c.Key)).toEqual(['chunked.bin']);
    } finally {
      right.destroy();
      wrong.destroy();
      await s3.close();
    }
  });

  it('refuses to serve an address beyond loopback unless PAIL_S3_KEYS was set on purpose', async () => {
    await expect(startS3({ ...settings, host: '0.0.0.0' }, log, wiring)).rejects.toThrow(StartupError);
    await expect(startS3({ ...settings, host: '192.0.2.1' }, log, wiring)).rejects.toThrow(/PAIL_S3_KEYS/);
  });

  it('with keys set, goes on to bind an address beyond loopback (one this machine lacks, so nothing is exposed)', async () => {
    // 192.0.2.1 is TEST-NET-1: the bind itself fails, after the refusal would have been made.
    const started = startS3({ ...settings, host: '192.0.2.1', s3Keys: 'AKSET:set-secret' }, log, wiring);
    await expect(started).rejects.toThrow(/EADDRNOTAVAIL/);
    await expect(started).rejects.not.toThrow(StartupError);
  });

  it('rejects when its port is taken', async () => {
    const first = await startS3(settings, log, wiring);
    try {
      await expect(startS3({ ...settings, s3Port: first.address.port }, log, wiring)).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
