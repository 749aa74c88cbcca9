import { expect } from 'vitest';
import { S3AuthError } from '../../../s3/auth/errors.ts';
import type { RequestToVerify } from '../../../s3/auth/verify.ts';

/** The SigV4 tests' shared checks: what a verifier is given for a presigned URL, and what it refuses with. */

/** The request a client makes when it follows presigned `url` with `method`. */
export function following(url: string, method = 'GET'): RequestToVerify {
  const parsed = new URL(url);
  return { method, rawUrl: parsed.pathname + parsed.search, headers: { host: parsed.host } };
}

/** The S3AuthError `fn` throws (failing the test if it throws none or another kind). */
export function refusal(fn: () => unknown): S3AuthError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(S3AuthError);
    return err as S3AuthError;
  }
  throw new Error('expected an S3AuthError, got none');
}
