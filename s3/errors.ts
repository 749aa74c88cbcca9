import { PailError } from '../shared/client/errors.ts';
import { s3CodeFor } from '../shared/protocol/reasons.ts';
import { isAuthFailure } from './request-auth.ts';

/**
 * The S3 error codes the listener answers with, and S3's HTTP status for
 * each. Reason words map to these codes in shared/protocol/reasons.ts.
 */
export const S3_STATUS: Readonly<Record<string, number>> = {
  AccessDenied: 403,
  BadDigest: 400,
  BucketAlreadyOwnedByYou: 409,
  BucketNotEmpty: 409,
  EntityTooLarge: 400,
  EntityTooSmall: 400,
  IncompleteBody: 400,
  InsufficientStorage: 507,
  InternalError: 500,
  InvalidArgument: 400,
  InvalidBucketName: 400,
  InvalidDigest: 400,
  InvalidLocationConstraint: 400,
  InvalidPart: 400,
  InvalidPartOrder: 400,
  InvalidRange: 416,
  InvalidRequest: 400,
  InvalidURI: 400,
  KeyTooLongError: 400,
  MalformedXML: 400,
  MetadataTooLarge: 400,
  MethodNotAllowed: 405,
  MissingContentLength: 411,
  NoSuchBucket: 404,
  NoSuchKey: 404,
  NoSuchUpload: 404,
  NoSuchVersion: 404,
  NotImplemented: 501,
  NotModified: 304,
  PreconditionFailed: 412,
  RequestTimeout: 400,
  ServiceUnavailable: 503,
  SlowDown: 503,
  XAmzContentSHA256Mismatch: 400,
};

/** An S3 error answer: its code, S3's status for it, and a sentence. */
export class S3Error extends Error {
  readonly status: number;

  constructor(
    readonly code: string,
    message: string,
    status?: number,
  ) {
    super(message);
    this.name = 'S3Error';
    this.status = status ?? S3_STATUS[code] ?? 500;
  }
}

/** Anything thrown while serving a request, as an S3Error: the bucket server's refusals through the reason table. */
export function asS3Error(err: unknown): S3Error {
  if (err instanceof S3Error) return err;
  if (err instanceof PailError) return new S3Error(s3CodeFor(err.reason), err.message);
  if (isAuthFailure(err)) return new S3Error(err.s3Code, err.message, err.status);
  return new S3Error('InternalError', 'the S3 listener failed; see its log');
}
