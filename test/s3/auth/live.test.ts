import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, describe, expect, it } from 'vitest';
import { S3AuthError } from '../../../s3/auth/errors.ts';
import { parseS3Keys } from '../../../shared/sigv4/keys.ts';
import { objectSize, payloadBytes } from '../../../s3/auth/payload.ts';
import { verifyRequest } from '../../../s3/auth/verify.ts';
import { sdkClient } from './recorder.ts';
import { NodeSha256 } from './signed-stream.ts';
import { SignatureV4 } from '@smithy/signature-v4';

// The module on live sockets: a loopback server that checks each request as
// the S3 listener will (verifyRequest, then payloadBytes piped into a sink),
// and the AWS SDK v3 talking to it.

const KEYS = parseS3Keys('pail:pailsecret');
const stored = new Map<string, Buffer>();

const server = createServer((req, res) => {
  const fail = (err: unknown) => {
    const code = err instanceof S3AuthError ? err.s3Code : 'InternalError';
    const status = err instanceof S3AuthError ? err.status : 500;
    const message = err instanceof Error ? err.message : String(err);
    res.writeHead(status, { 'content-type': 'application/xml', connection: 'close' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message.replace(/[<&]/g, '')}</Message></Error>`);
    req.resume();
  };
  try {
    const verified = verifyRequest({ method: req.method!, rawUrl: req.url!, headers: req.headers }, KEYS, Date.now());
    const path = req.url!.split('?')[0];
    if (req.method === 'GET') {
      const bytes = stored.get(path);
      res.writeHead(bytes ? 200 : 404, { 'content-length': String(bytes?.length ?? 0) });
      res.end(bytes);
      return;
    }
    const size = objectSize(verified, req.headers);
    const pieces: Buffer[] = [];
    const sink = new Writable({
      write(piece: Buffer, _enc, done) {
        pieces.push(piece);
        done();
      },
    });
    pipeline(payloadBytes(req, verified, req.headers), sink)
      .then(() => {
        const bytes = Buffer.concat(pieces);
        if (bytes.length !== size) throw new Error(`decoded ${bytes.length} bytes, declared ${size}`);
        stored.set(path, bytes);
        res.writeHead(200, { etag: `"${createHash('md5').update(bytes).digest('hex')}"`, 'content-length': '0' });
        res.end();
      })
      .catch(fail);
  } catch (err) {
    fail(err);
  }
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
const sdk = sdkClient(endpoint, 'pail', 'pailsecret');

describe('on a live socket', () => {
  it("stores the SDK's default streamed PutObject (aws-chunked, CRC32 trailer) of 5 MiB, and reads it back", async () => {
    const data = randomBytes(5 << 20);
    const body = Readable.from(Array.from({ length: 80 }, (_, i) => data.subarray(i * 65_536, (i + 1) * 65_536)));
    const put = await sdk.send(new PutObjectCommand({ Bucket: 'bucket', Key: 'big one.bin', Body: body, ContentLength: data.length }));
    expect(put.ETag).toBe(`"${createHash('md5').update(data).digest('hex')}"`);
    expect(stored.get('/bucket/big%20one.bin')!.equals(data)).toBe(true);
    const got = await sdk.send(new GetObjectCommand({ Bucket: 'bucket', Key: 'big one.bin' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
  });

  it('stores a buffer PutObject (hex SHA-256 payload, CRC32 header)', async () => {
    const data = randomBytes(300_000);
    await sdk.send(new PutObjectCommand({ Bucket: 'bucket', Key: 'ü+=.bin', Body: data }));
    expect(stored.get('/bucket/%C3%BC%2B%3D.bin')!.equals(data)).toBe(true);
  });

  it('verifies a PutObject whose x-amz-meta-* value is UTF-8 beyond ASCII, signed by the SDK signer over its UTF-8 bytes (Node reads them as Latin-1)', async () => {
    const data = Buffer.from('metadata in other scripts');
    const note = 'Straße ключ 雪 ✓';
    const { port } = server.address() as AddressInfo;
    const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials: { accessKeyId: 'pail', secretAccessKey: 'pailsecret' }, sha256: NodeSha256, uriEscapePath: false });
    const signed = (await signer.sign({
      method: 'PUT',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port,
      path: '/bucket/unicode-meta',
      query: {},
      headers: { host: `127.0.0.1:${port}`, 'x-amz-meta-note': note, 'x-amz-content-sha256': createHash('sha256').update(data).digest('hex'), 'content-length': String(data.length) },
    } as never)) as unknown as { headers: Record<string, string> };
    // On the wire the value is its UTF-8 bytes, as boto and the other SDKs send it; Node's client takes bytes as Latin-1 text.
    const headers = { ...signed.headers, 'x-amz-meta-note': Buffer.from(note, 'utf8').toString('latin1') };
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'PUT', path: '/bucket/unicode-meta', headers }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end(data);
    });
    expect(status).toBe(200);
    expect(stored.get('/bucket/unicode-meta')!.equals(data)).toBe(true);
  });

  it('answers a wrong secret with SignatureDoesNotMatch, which the SDK reports', async () => {
    const wrong = sdkClient(endpoint, 'pail', 'wrong secret');
    const err = await wrong.send(new PutObjectCommand({ Bucket: 'bucket', Key: 'nope', Body: 'x' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(S3ServiceException);
    expect((err as S3ServiceException).name).toBe('SignatureDoesNotMatch');
    expect((err as S3ServiceException).$metadata.httpStatusCode).toBe(403);
    expect(stored.has('/bucket/nope')).toBe(false);
  });

  it('serves a presigned GET fetched without credentials, and refuses it changed', async () => {
    await sdk.send(new PutObjectCommand({ Bucket: 'bucket', Key: 'shared.txt', Body: 'shared bytes' }));
    const url = await getSignedUrl(sdk, new GetObjectCommand({ Bucket: 'bucket', Key: 'shared.txt' }), { expiresIn: 300 });
    const ok = await fetch(url);
    expect([ok.status, await ok.text()]).toEqual([200, 'shared bytes']);
    const changed = await fetch(url.replace('X-Amz-Expires=300', 'X-Amz-Expires=301'));
    expect(changed.status).toBe(403);
    expect(await changed.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });
});
