import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import { describe, expect, it } from 'vitest';
import { verifyRequest } from '../../s3/auth/verify.ts';
import { parseS3Keys } from '../../shared/sigv4/keys.ts';
import { presignGet, type PresignGet } from '../../shared/sigv4/presign.ts';
import { following, refusal } from '../s3/auth/refusal.ts';

// shared/sigv4's presigner, checked two ways: the S3 listener's verifier accepts what it signs, and AWS's own
// presigner (@aws-sdk/s3-request-presigner) computes the same signature for the same request and time.

const KEYS = parseS3Keys('AKLINKS:links/secret+=:ro');
const SIGNED_AT = new Date('2026-03-04T05:06:07Z');
const KEYS_TO_SHARE = ['plain.txt', 'a folder/with spaces/and+plus=eq.txt', 'ünïcødé/文件 🎉.bin', "odd!'()*~%20#?&chars", 'deep/a/b/c/d.tar.gz'];

const base = (key: string, expiresIn = 3600): PresignGet => ({
  endpoint: 'http://127.0.0.1:9000',
  bucket: 'shared-bucket',
  key,
  accessKey: 'AKLINKS',
  secretKey: 'links/secret+=',
  region: 'us-east-1',
  expiresIn,
  signedAt: SIGNED_AT,
  query: { 'response-content-disposition': "attachment; filename*=UTF-8''x%20y.txt" },
});

const bytesOf = (data: string | ArrayBuffer | ArrayBufferView | undefined): string | Uint8Array | undefined =>
  data === undefined || typeof data === 'string' ? data : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);

/** SHA-256 and HMAC-SHA256 in the shape the AWS signer takes. */
class NodeSha256 {
  #hash: Hash | Hmac;
  readonly #secret: Uint8Array | string | undefined;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#secret = bytesOf(secret);
    this.#hash = this.#fresh();
  }
  #fresh(): Hash | Hmac {
    return this.#secret === undefined ? createHash('sha256') : createHmac('sha256', this.#secret);
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#hash.update(bytesOf(data)!);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
  reset(): void {
    this.#hash = this.#fresh();
  }
}

describe('presignGet', () => {
  it.each(KEYS_TO_SHARE)('signs a GET of %j that the S3 listener verifies, and no later than it expires', (key) => {
    const url = presignGet(base(key));
    const verified = verifyRequest(following(url), KEYS, SIGNED_AT.getTime() + 60_000);
    expect(verified.key.accessKey).toBe('AKLINKS');
    expect(verified.payload).toEqual({ kind: 'unsigned' });
    // The path names the bucket and the key, path style, each byte of the key as the URL parser gives it back.
    const parsed = new URL(url);
    expect(decodeURIComponent(parsed.pathname)).toBe(`/shared-bucket/${key}`);
    expect(parsed.searchParams.get('response-content-disposition')).toBe("attachment; filename*=UTF-8''x%20y.txt");
    expect(verifyRequest(following(url), KEYS, SIGNED_AT.getTime() + 3600_000).key.accessKey).toBe('AKLINKS');
    const expired = refusal(() => verifyRequest(following(url), KEYS, SIGNED_AT.getTime() + 3601_000));
    expect([expired.s3Code, expired.message]).toEqual(['AccessDenied', 'Request has expired']);
  });

  it.each(KEYS_TO_SHARE)("gives %j the signature AWS's own presigner gives", async (key) => {
    // AWS's S3 presigner also signs X-Amz-Content-Sha256=UNSIGNED-PAYLOAD in the query (what an unsigned payload means anyway).
    const ours = base(key, 604_800);
    const url = new URL(presignGet({ ...ours, query: { ...ours.query, 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' } }));
    const presigner = new S3RequestPresigner({
      credentials: { accessKeyId: 'AKLINKS', secretAccessKey: 'links/secret+=' },
      region: 'us-east-1',
      sha256: NodeSha256,
    });
    // AWS's S3 signer takes the path already encoded (S3 signs it as sent); the query it encodes and sorts itself.
    const signed = await presigner.presign(
      {
        method: 'GET',
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: 9000,
        path: url.pathname,
        query: { 'response-content-disposition': "attachment; filename*=UTF-8''x%20y.txt" },
        headers: { host: '127.0.0.1:9000' },
      },
      { signingDate: SIGNED_AT, expiresIn: 604_800 },
    );
    expect(signed.query?.['X-Amz-Credential']).toBe(url.searchParams.get('X-Amz-Credential'));
    expect(signed.query?.['X-Amz-Signature']).toBe(url.searchParams.get('X-Amz-Signature'));
  });

  it('is refused for another key, another secret or a longer expiry than signed', () => {
    const url = presignGet(base('a b/c.txt'));
    const now = SIGNED_AT.getTime() + 1000;
    expect(refusal(() => verifyRequest(following(url.replace('/c.txt?', '/d.txt?')), KEYS, now)).s3Code).toBe('SignatureDoesNotMatch');
    expect(refusal(() => verifyRequest(following(url.replace('X-Amz-Expires=3600', 'X-Amz-Expires=7200')), KEYS, now)).s3Code).toBe('SignatureDoesNotMatch');
    expect(refusal(() => verifyRequest(following(url), parseS3Keys('AKLINKS:rotated-secret:ro'), now)).s3Code).toBe('SignatureDoesNotMatch');
    expect(refusal(() => verifyRequest(following(url), parseS3Keys('OTHER:secret'), now)).s3Code).toBe('InvalidAccessKeyId');
  });

  it('takes 1 to 604800 whole seconds, and only the origin of the endpoint', () => {
    for (const expiresIn of [0, -1, 1.5, 604_801, Number.NaN]) expect(() => presignGet(base('k', expiresIn))).toThrow(RangeError);
    const url = presignGet({ ...base('k'), endpoint: 'https://s3.example.com/' });
    expect(url.startsWith('https://s3.example.com/shared-bucket/k?')).toBe(true);
    expect(verifyRequest(following(url), KEYS, SIGNED_AT.getTime()).key.accessKey).toBe('AKLINKS');
  });
});
