import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_CHUNK_BYTES } from '../../../s3/auth/aws-chunked.ts';
import { S3AuthError } from '../../../s3/auth/errors.ts';
import { parseS3Keys } from '../../../shared/sigv4/keys.ts';
import { payloadBytes } from '../../../s3/auth/payload.ts';
import { verifyRequest, type Verified } from '../../../s3/auth/verify.ts';
import { DOC_DATA, DOC_KEY, DOC_NOW, documentedSignedUpload, documentedTrailerUpload } from './documented.ts';
import { sdkClient, startRecorder, type Recorded } from './recorder.ts';
import { smithySignedUpload } from './signed-stream.ts';

// Bodies as real clients send them (the AWS SDK v3's PutObject, its signer's
// chunk signing, AWS's documented examples), decoded and checked by
// payloadBytes into a consumer that, like the bucket server's upload of known
// size, commits the moment its last byte arrives.

const KEYS = parseS3Keys('pail:pailsecret');
const rec = await startRecorder();
afterAll(() => rec.close());
const sdk = sdkClient(rec.endpoint, 'pail', 'pailsecret');

/** An upload of `size` bytes that commits when its last byte arrives, as the bucket server's does. */
class KnownSizeUpload extends Writable {
  received: Buffer[] = [];
  count = 0;
  committed = false;
  constructor(readonly size: number) {
    super();
  }
  override _write(piece: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void) {
    this.received.push(piece);
    this.count += piece.length;
    if (this.count === this.size) this.committed = true;
    done();
  }
}

/** `bytes` as a request body arriving in pieces of `piece` bytes. */
function bodyOf(bytes: Buffer, piece = 65_536): Readable {
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += piece) pieces.push(bytes.subarray(at, at + piece));
  return Readable.from(pieces, { objectMode: false });
}

/**
 * Runs `request`'s body through payloadBytes into a KnownSizeUpload of
 * `size` bytes; returns the upload, every byte payloadBytes ever pushed, and
 * the error the stream ended with.
 */
async function upload(request: Recorded, verified: Verified, size: number, piece?: number) {
  const out = payloadBytes(bodyOf(request.body, piece), verified, request.headers);
  let pushed = 0;
  const push = out.push.bind(out);
  out.push = (chunk: unknown, encoding?: BufferEncoding) => {
    if (chunk !== null) pushed += (chunk as Buffer).length;
    return push(chunk, encoding);
  };
  const sink = new KnownSizeUpload(size);
  let error: S3AuthError | undefined;
  await pipeline(out, sink).catch((err: unknown) => {
    expect(err).toBeInstanceOf(S3AuthError);
    error = err as S3AuthError;
  });
  return { sink, bytes: Buffer.concat(sink.received), pushed, error };
}

/** A copy of `body` with byte `at` changed. */
function flip(body: Buffer, at: number): Buffer {
  const copy = Buffer.from(body);
  copy[at] ^= 0x01;
  return copy;
}

async function sdkPut(body: Buffer | (() => Readable), extra: Record<string, unknown> = {}): Promise<Recorded> {
  const Body = typeof body === 'function' ? body() : body;
  const ContentLength = typeof body === 'function' ? undefined : body.length;
  await sdk.send(new PutObjectCommand({ Bucket: 'bucket', Key: 'the key', Body, ...(ContentLength === undefined ? {} : { ContentLength }), ...extra })).catch(() => undefined);
  return rec.take();
}

const DATA = randomBytes(200_000);
const streamOf = (data: Buffer, pieces = 3) => () => {
  const size = Math.ceil(data.length / pieces);
  return Readable.from(Array.from({ length: pieces }, (_, i) => data.subarray(i * size, (i + 1) * size)));
};

describe("the SDK's default PutObject of a stream: STREAMING-UNSIGNED-PAYLOAD-TRAILER with a CRC32 trailer", () => {
  it.each([1_000, 7, 65_536, 1 << 20])('decodes to the object bytes, the body arriving in pieces of %i', async (piece) => {
    const put = await sdkPut(streamOf(DATA), { ContentLength: DATA.length });
    expect(put.headers['x-amz-content-sha256']).toBe('STREAMING-UNSIGNED-PAYLOAD-TRAILER');
    expect(put.headers['x-amz-trailer']).toBe('x-amz-checksum-crc32');
    const verified = verifyRequest(put, KEYS, Date.now());
    expect(verified.payload).toMatchObject({ kind: 'streaming', signed: false, trailer: true });
    const { bytes, error, sink } = await upload(put, verified, DATA.length, piece);
    expect(error).toBeUndefined();
    expect(sink.committed).toBe(true);
    expect(bytes.equals(DATA)).toBe(true);
  });

  it.each(['CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'])('verifies a %s trailer the SDK computed', async (algorithm) => {
    const put = await sdkPut(streamOf(DATA), { ContentLength: DATA.length, ChecksumAlgorithm: algorithm });
    expect(put.headers['x-amz-trailer']).toBe(`x-amz-checksum-${algorithm.toLowerCase()}`);
    const { bytes, error } = await upload(put, verifyRequest(put, KEYS, Date.now()), DATA.length);
    expect(error).toBeUndefined();
    expect(bytes.equals(DATA)).toBe(true);
  });

  it('a changed byte fails the trailer checksum (BadDigest) before the last byte is passed on', async () => {
    const put = await sdkPut(streamOf(DATA), { ContentLength: DATA.length });
    const at = put.body.indexOf('\r\n') + 2 + 100; // in the first chunk's data
    const changed = { ...put, body: flip(put.body, at) };
    const { error, sink, pushed } = await upload(changed, verifyRequest(changed, KEYS, Date.now()), DATA.length);
    expect([error?.s3Code, error?.status]).toEqual(['BadDigest', 400]);
    expect(pushed).toBe(DATA.length - 1);
    expect(sink.committed).toBe(false);
  });

  it('a changed trailer value fails the same way', async () => {
    const put = await sdkPut(streamOf(DATA), { ContentLength: DATA.length });
    const text = put.body.toString('latin1');
    const value = /x-amz-checksum-crc32:([^\r]+)\r\n/.exec(text)![1];
    const other = Buffer.alloc(4);
    other.writeUInt32BE((Buffer.from(value, 'base64').readUInt32BE() + 1) >>> 0);
    const changed = { ...put, body: Buffer.from(text.replace(value, other.toString('base64')), 'latin1') };
    const { error, sink } = await upload(changed, verifyRequest(changed, KEYS, Date.now()), DATA.length);
    expect(error?.s3Code).toBe('BadDigest');
    expect(sink.committed).toBe(false);
  });

  it('a body cut short is an IncompleteBody, and nothing commits', async () => {
    const put = await sdkPut(streamOf(DATA), { ContentLength: DATA.length });
    const cut = { ...put, body: put.body.subarray(0, put.body.length - 120_000) };
    const { error, sink } = await upload(cut, verifyRequest(cut, KEYS, Date.now()), DATA.length);
    expect([error?.s3Code, error?.status]).toEqual(['IncompleteBody', 400]);
    expect(sink.committed).toBe(false);
  });

  it('a body that breaks off (the client went away) is an IncompleteBody', async () => {
    const put = await sdkPut(streamOf(DATA), { ContentLength: DATA.length });
    const verified = verifyRequest(put, KEYS, Date.now());
    async function* brokenOff() {
      yield put.body.subarray(0, 70_000);
      throw new Error('aborted');
    }
    const out = payloadBytes(Readable.from(brokenOff(), { objectMode: false }), verified, put.headers);
    const sink = new KnownSizeUpload(DATA.length);
    const done = pipeline(out, sink).then(
      () => undefined,
      (err: unknown) => err,
    );
    const error = (await done) as S3AuthError;
    expect(error).toBeInstanceOf(S3AuthError);
    expect(error.s3Code).toBe('IncompleteBody');
    expect(sink.committed).toBe(false);
  });
});

describe('a malformed aws-chunked body is refused, and nothing commits', () => {
  const edits: [string, (body: string) => string, string][] = [
    ['a chunk size that is not hex', (b) => b.replace(/^[0-9a-f]+\r\n/, 'zz\r\n'), 'InvalidArgument'],
    ['no CRLF after a chunk', (b) => b.replace(/\r\n([0-9a-f]+\r\n)/, 'xx$1'), 'InvalidArgument'],
    ['bytes after the trailer', (b) => `${b}more`, 'InvalidArgument'],
    ['an announced checksum missing from the trailer', (b) => b.replace(/x-amz-checksum-crc32:[^\r]+\r\n/, ''), 'InvalidRequest'],
    ['an unannounced checksum in the trailer', (b) => b.replace(/(x-amz-checksum-crc32:[^\r]+\r\n)/, '$1x-amz-checksum-sha1:AAAA\r\n'), 'InvalidRequest'],
    ['no final chunk', (b) => b.slice(0, b.lastIndexOf('0\r\nx-amz-checksum')), 'IncompleteBody'],
  ];
  it.each(edits)('%s', async (_what, edit, code) => {
    const put = await sdkPut(streamOf(DATA), { ContentLength: DATA.length });
    const changed = { ...put, body: Buffer.from(edit(put.body.toString('latin1')), 'latin1') };
    expect(changed.body.equals(put.body)).toBe(false);
    const { error, sink } = await upload(changed, verifyRequest(put, KEYS, Date.now()), DATA.length);
    expect([error?.s3Code, error?.status]).toEqual([code, 400]);
    expect(sink.committed).toBe(false);
  });
});

describe('the SDK PutObject of a buffer: the hex SHA-256 payload with an x-amz-checksum-crc32 header', () => {
  it('passes the body on as it is', async () => {
    const put = await sdkPut(DATA);
    const verified = verifyRequest(put, KEYS, Date.now());
    expect(verified.payload).toEqual({ kind: 'sha256', sha256: createHash('sha256').update(DATA).digest('hex') });
    expect(put.headers['x-amz-checksum-crc32']).toBeDefined();
    const { bytes, error } = await upload(put, verified, DATA.length);
    expect(error).toBeUndefined();
    expect(bytes.equals(DATA)).toBe(true);
  });

  it.each([
    ['x-amz-checksum-crc32', {}],
    ['Content-MD5', { ContentMD5: createHash('md5').update(DATA).digest('base64'), ChecksumAlgorithm: undefined }],
  ])('a changed byte fails the %s header (BadDigest) before the last byte is passed on', async (_name, extra) => {
    const put = await sdkPut(DATA, extra);
    const changed = { ...put, body: flip(put.body, 5) };
    const { error, sink, pushed } = await upload(changed, verifyRequest(put, KEYS, Date.now()), DATA.length);
    expect([error?.s3Code, error?.status]).toEqual(['BadDigest', 400]);
    expect(pushed).toBe(DATA.length - 1);
    expect(sink.committed).toBe(false);
  });

  it('a body shorter than its Content-Length is an IncompleteBody', async () => {
    const put = await sdkPut(Buffer.from('0123456789'), { ChecksumAlgorithm: undefined });
    const short = { ...put, body: put.body.subarray(0, 6) };
    const { error, sink } = await upload(short, verifyRequest(put, KEYS, Date.now()), 10);
    expect(error?.s3Code).toBe('IncompleteBody');
    expect(sink.committed).toBe(false);
  });
});

describe('signed streaming (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) from the SDK signer', () => {
  const chunks = [randomBytes(65_536), randomBytes(65_536), randomBytes(10_000)];
  const total = 65_536 * 2 + 10_000;

  it.each([1_000, 13, 65_536])('decodes, each chunk signature verified, the body arriving in pieces of %i', async (piece) => {
    const { request } = await smithySignedUpload(chunks);
    const verified = verifyRequest(request, KEYS, Date.now());
    expect(verified.payload).toMatchObject({ kind: 'streaming', signed: true, trailer: false });
    const { bytes, error, sink } = await upload(request, verified, total, piece);
    expect(error).toBeUndefined();
    expect(sink.committed).toBe(true);
    expect(bytes.equals(Buffer.concat(chunks))).toBe(true);
  });

  it('a changed byte in the second chunk errors (SignatureDoesNotMatch) before any byte of that chunk is passed on', async () => {
    const { request, signatures } = await smithySignedUpload(chunks);
    const second = request.body.indexOf(`;chunk-signature=${signatures[1]}\r\n`) + 17 + 64 + 2;
    const changed = { ...request, body: flip(request.body, second + 30_000) };
    const { error, sink, pushed } = await upload(changed, verifyRequest(request, KEYS, Date.now()), total, 4_096);
    expect([error?.s3Code, error?.status]).toEqual(['SignatureDoesNotMatch', 403]);
    expect(pushed).toBeLessThanOrEqual(65_536);
    expect(sink.committed).toBe(false);
  });

  it('a changed byte in the last data chunk errors before the last byte is passed on', async () => {
    const { request, signatures } = await smithySignedUpload(chunks);
    const third = request.body.indexOf(`;chunk-signature=${signatures[2]}\r\n`) + 17 + 64 + 2;
    const changed = { ...request, body: flip(request.body, third + 9_999) };
    const { error, sink, pushed } = await upload(changed, verifyRequest(request, KEYS, Date.now()), total);
    expect(error?.s3Code).toBe('SignatureDoesNotMatch');
    expect(pushed).toBeLessThan(total);
    expect(sink.committed).toBe(false);
  });

  it('a changed final-chunk signature errors before the last byte is passed on', async () => {
    const { request, signatures } = await smithySignedUpload(chunks);
    const changed = { ...request, body: Buffer.from(request.body.toString('latin1').replace(signatures[3], signatures[3].replace(/^./, (c) => (c === '0' ? '1' : '0'))), 'latin1') };
    const { error, sink, pushed } = await upload(changed, verifyRequest(request, KEYS, Date.now()), total);
    expect(error?.s3Code).toBe('SignatureDoesNotMatch');
    expect(pushed).toBe(total - 1);
    expect(sink.committed).toBe(false);
  });

  it("another signed upload's chunks do not verify (each chain starts at its own request's signature)", async () => {
    const one = await smithySignedUpload(chunks);
    const two = await smithySignedUpload(chunks.map((c) => flip(c, 0)), undefined, '/bucket/another%20key');
    const { error } = await upload({ ...one.request, body: two.request.body }, verifyRequest(one.request, KEYS, Date.now()), total);
    expect(error?.s3Code).toBe('SignatureDoesNotMatch');
  });

  it('fewer bytes than x-amz-decoded-content-length is an IncompleteBody; more is refused before they pass', async () => {
    const short = await smithySignedUpload(chunks, total + 1);
    const a = await upload(short.request, verifyRequest(short.request, KEYS, Date.now()), total + 1);
    expect(a.error?.s3Code).toBe('IncompleteBody');
    expect(a.sink.committed).toBe(false);
    const long = await smithySignedUpload(chunks, total - 1);
    const b = await upload(long.request, verifyRequest(long.request, KEYS, Date.now()), total - 1);
    expect(b.error?.s3Code).toBe('InvalidArgument');
    expect(b.pushed).toBeLessThan(total - 1);
    expect(b.sink.committed).toBe(false);
  });
});

describe("AWS's documented chunked uploads", () => {
  it('the signed one verifies: seed signature, chunk signatures, 66,560 bytes of "a"', async () => {
    const request = documentedSignedUpload();
    const verified = verifyRequest(request, [DOC_KEY], DOC_NOW);
    const { bytes, error } = await upload(request, verified, DOC_DATA.length, 999);
    expect(error).toBeUndefined();
    expect(bytes.equals(DOC_DATA)).toBe(true);
  });

  it('the one with a signed CRC32C trailer verifies', async () => {
    const request = documentedTrailerUpload();
    const verified = verifyRequest(request, [DOC_KEY], DOC_NOW);
    expect(verified.payload).toMatchObject({ kind: 'streaming', signed: true, trailer: true });
    const { bytes, error } = await upload(request, verified, DOC_DATA.length, 4_321);
    expect(error).toBeUndefined();
    expect(bytes.equals(DOC_DATA)).toBe(true);
  });

  it('a changed trailer fails its signature (SignatureDoesNotMatch) before the last byte is passed on', async () => {
    const request = documentedTrailerUpload();
    const changed = { ...request, body: Buffer.from(request.body.toString('latin1').replace('sOO8/Q==', 'sOO8/R=='), 'latin1') };
    const { error, pushed, sink } = await upload(changed, verifyRequest(request, [DOC_KEY], DOC_NOW), DOC_DATA.length);
    expect(error?.s3Code).toBe('SignatureDoesNotMatch');
    expect(pushed).toBe(DOC_DATA.length - 1);
    expect(sink.committed).toBe(false);
  });

  it('a trailer without its signature is refused', async () => {
    const request = documentedTrailerUpload();
    const changed = { ...request, body: Buffer.from(request.body.toString('latin1').replace(/x-amz-trailer-signature:[0-9a-f]+\r\n/, ''), 'latin1') };
    const { error, sink } = await upload(changed, verifyRequest(request, [DOC_KEY], DOC_NOW), DOC_DATA.length);
    expect(error?.s3Code).toBe('SignatureDoesNotMatch');
    expect(sink.committed).toBe(false);
  });
});

describe('bounds', () => {
  it(`refuses a chunk larger than ${MAX_CHUNK_BYTES} bytes before reading its bytes`, async () => {
    const { request } = await smithySignedUpload([Buffer.from('x')]);
    const verified = verifyRequest(request, KEYS, Date.now());
    let pulled = 0;
    async function* huge() {
      yield Buffer.from(`${(MAX_CHUNK_BYTES + 1).toString(16)};chunk-signature=${'0'.repeat(64)}\r\n`);
      for (let i = 0; i < 300; i++) {
        pulled++;
        yield Buffer.alloc(65_536);
      }
    }
    const out = payloadBytes(Readable.from(huge(), { objectMode: false }), verified, request.headers);
    const error = await pipeline(out, new KnownSizeUpload(MAX_CHUNK_BYTES + 1)).then(
      () => undefined,
      (err: unknown) => err as S3AuthError,
    );
    expect([error?.s3Code, error?.status]).toEqual(['InvalidArgument', 400]);
    expect(pulled).toBeLessThanOrEqual(2);
  });

  it('reads the body only as fast as its consumer takes the bytes (backpressure)', async () => {
    const big = randomBytes(64 * 65_536);
    const put = await sdkPut(streamOf(big, 64), { ContentLength: big.length });
    const verified = verifyRequest(put, KEYS, Date.now());
    let pulled = 0;
    const pieces: Buffer[] = [];
    for (let at = 0; at < put.body.length; at += 65_536) pieces.push(put.body.subarray(at, at + 65_536));
    async function* body() {
      for (const piece of pieces) {
        pulled++;
        yield piece;
      }
    }
    const out = payloadBytes(Readable.from(body(), { objectMode: false }), verified, put.headers);
    await once(out, 'readable');
    // Many turns of the event loop with nobody reading: an eager reader would pull the whole body meanwhile.
    for (let turn = 0; turn < 200; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(pulled).toBeLessThan(8);
    const taken: Buffer[] = [];
    for await (const piece of out) taken.push(piece as Buffer);
    expect(pulled).toBe(pieces.length);
    expect(Buffer.concat(taken).equals(big)).toBe(true);
  });
});
