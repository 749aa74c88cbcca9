import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { S3Key } from '../shared/sigv4/keys.ts';
import type { RequestToVerify, Verified } from './auth/verify.ts';

/**
 * How the listener is given S3 request authentication (AWS Signature
 * Version 4, s3/auth/): the two functions as options, so tests may pass
 * their own. The shapes are s3/auth's.
 */
export type { S3Key } from '../shared/sigv4/keys.ts';
export type { Payload, RequestToVerify, Verified } from './auth/verify.ts';

/** Checks a request's signature against the keys; throws an error with `s3Code`, `status` and `message` when it fails. */
export type VerifyRequest = (req: RequestToVerify, keys: readonly S3Key[], now: number) => Verified;

/** The object's bytes of a request body (aws-chunked decoded and checked). */
export type PayloadBytes = (body: Readable, verified: Verified, headers: IncomingHttpHeaders) => Readable;

export interface S3Auth {
  readonly verify: VerifyRequest;
  readonly payload: PayloadBytes;
}

/** What an authentication failure carries (s3/auth's S3AuthError has these). */
export interface AuthFailure {
  readonly s3Code: string;
  readonly status: number;
  readonly message: string;
}

export function isAuthFailure(err: unknown): err is AuthFailure {
  const candidate = err as Partial<AuthFailure> | null;
  return typeof candidate?.s3Code === 'string' && typeof candidate.status === 'number';
}
