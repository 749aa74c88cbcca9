/**
 * An S3 authentication or request-payload failure: S3's error code and the
 * HTTP status S3 answers it with. The listener turns it into S3's XML error.
 */
export class S3AuthError extends Error {
  readonly s3Code: string;
  readonly status: number;

  constructor(s3Code: string, status: number, message: string) {
    super(message);
    this.name = 'S3AuthError';
    this.s3Code = s3Code;
    this.status = status;
  }
}

/** A failure of the signature's checks (403s). */
export const denied = (s3Code: 'SignatureDoesNotMatch' | 'InvalidAccessKeyId' | 'AccessDenied' | 'RequestTimeTooSkewed', message: string) =>
  new S3AuthError(s3Code, 403, message);

/** A request that is malformed or asks for something not offered (400s). */
export const badRequest = (s3Code: string, message: string) => new S3AuthError(s3Code, 400, message);
