import { describe, expect, it } from 'vitest';
import { ApiError } from '../../web/src/api/http.ts';
import { isTransient, uploadFingerprint } from '../../web/src/api/tus-upload.ts';
import { MAX_ATTEMPTS, retryDelay } from '../../web/src/lib/retry-delay.ts';

const failure = (status: number, reason: string) => new ApiError(status, { code: 0, mnemonic: '', reason, message: reason });

describe("the web app's upload retries", () => {
  it('wait out a lost connection, a gateway or bucket server away or busy, and an offset the next HEAD corrects', () => {
    expect(isTransient(ApiError.unreachable('The upload lost its connection to the gateway'))).toBe(true);
    expect(isTransient(failure(502, 'unreachable'))).toBe(true);
    expect(isTransient(ApiError.unreachable('a proxy page', 504))).toBe(true);
    expect(isTransient(failure(503, 'too-many-connections'))).toBe(true);
    expect(isTransient(failure(503, 'shutting-down'))).toBe(true);
    expect(isTransient(failure(429, 'too-many-requests'))).toBe(true);
    expect(isTransient(failure(408, 'too-slow'))).toBe(true);
    expect(isTransient(failure(409, 'part-conflict'))).toBe(true);
    expect(isTransient(failure(409, 'incomplete'))).toBe(true);
  });

  it('stop at a refusal, which only a person can lift (Retry)', () => {
    expect(isTransient(failure(507, 'no-space'))).toBe(false);
    expect(isTransient(failure(404, 'no-such-bucket'))).toBe(false);
    expect(isTransient(failure(409, 'exists'))).toBe(false);
    expect(isTransient(failure(460, 'checksum-mismatch'))).toBe(false);
    expect(isTransient(failure(403, 'forbidden'))).toBe(false);
    expect(isTransient(failure(413, 'too-large'))).toBe(false);
    expect(isTransient(failure(500, 'internal'))).toBe(false);
    // A reply that is not the gateway's JSON with a client-error status: nothing will change by waiting.
    expect(isTransient(ApiError.unreachable('a proxy page', 404))).toBe(false);
    expect(isTransient(failure(0, 'aborted'))).toBe(false);
    // The browser could not compute the file's SHA-256 (its worker failed): waiting changes nothing.
    expect(isTransient(failure(0, 'digest-failed'))).toBe(false);
  });

  it('wait longer each time, never more than 30 s, for a bounded number of attempts', () => {
    const delays = Array.from({ length: MAX_ATTEMPTS }, (_, i) => retryDelay(i + 1));
    expect(delays[0]).toBe(1000);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]);
    expect(Math.max(...delays)).toBe(30_000);
  });
});

describe("an upload's fingerprint", () => {
  const file = (size: number, modified: number) => new File([new Uint8Array(size)], 'a.bin', { lastModified: modified });

  it('is the bucket, key, size and modification time, each telling uploads apart', () => {
    const base = uploadFingerprint('photos', 'a/b.bin', file(10, 1000));
    expect(uploadFingerprint('photos', 'a/b.bin', file(10, 1000))).toBe(base);
    expect(uploadFingerprint('photos2', 'a/b.bin', file(10, 1000))).not.toBe(base);
    expect(uploadFingerprint('photos', 'a/c.bin', file(10, 1000))).not.toBe(base);
    expect(uploadFingerprint('photos', 'a/b.bin', file(11, 1000))).not.toBe(base);
    expect(uploadFingerprint('photos', 'a/b.bin', file(10, 1001))).not.toBe(base);
  });

  it("never holds tus-js-client's separator, whatever the key", () => {
    expect(uploadFingerprint('b', 'odd::name|1|2', file(1, 1))).not.toContain('::');
    expect(uploadFingerprint('b', 'x|1', file(1, 1))).not.toBe(uploadFingerprint('b', 'x', file(1, 1)));
  });
});
