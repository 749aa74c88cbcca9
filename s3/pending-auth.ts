import { S3Error } from './errors.ts';
import type { S3Auth, S3Key } from './request-auth.ts';

/**
 * Stands in for s3/auth/ (AWS Signature Version 4, written apart) until it
 * is wired in: every request is refused, since a listener that cannot check
 * signatures must not serve anyone. Replace these with s3/auth's
 * verifyRequest, payloadBytes, parseS3Keys and DEFAULT_S3_KEY.
 */
export const PENDING_AUTH: S3Auth = {
  verify: () => {
    throw new S3Error('NotImplemented', 'this build of Pail cannot check S3 signatures yet (s3/auth is not wired in)');
  },
  payload: (body) => body,
};

/** The key pairs of PAIL_S3_KEYS (`ACCESS:SECRET[:ro]`, comma-separated); none until s3/auth's parser is wired in. */
export function pendingParseKeys(text: string): S3Key[] {
  void text;
  return [];
}
