import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

/**
 * The shapes of S3 request authentication (AWS Signature Version 4), which
 * s3/auth/ implements: the listener takes the two functions as options, so
 * the real ones slot in and tests may pass their own. These mirror
 * s3/auth/verify.ts and s3/auth/payload.ts.
 */
export interface S3Key {
  readonly accessKey: string;
  readonly secretKey: string;
  readonly readOnly: boolean;
}

export interface RequestToVerify {
  readonly method: string;
  readonly rawUrl: string;
  readonly headers: IncomingHttpHeaders;
}

/** How the body is signed: not at all, by its SHA-256 (hex, the upload's sha256= check), or chunk by chunk (aws-chunked). */
export type Payload = { readonly kind: 'unsigned' } | { readonly kind: 'sha256'; readonly sha256: string } | { readonly kind: 'streaming'; readonly [detail: string]: unknown };

export interface Verified {
  readonly key: S3Key;
  readonly payload: Payload;
  readonly region: string;
}

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
