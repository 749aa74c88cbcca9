/**
 * The machine-readable reason words a failure reply carries after its
 * mnemonic, defined once with the HTTP status the gateway maps each to and
 * the S3 error code the S3 listener maps each to.
 * Clients switch on these words, never on the human text.
 */
export interface ReasonSpec {
  readonly reason: string;
  readonly http: number;
  /**
   * The S3 error code the S3 listener answers with (its HTTP status is S3's
   * for that code, in s3/errors.ts). Where S3 tells cases apart that one
   * reason word covers, the operation says so (an existing key under
   * If-None-Match is PreconditionFailed, a bucket name S3 refuses is
   * InvalidBucketName before the bucket server is asked).
   */
  readonly s3: string;
  readonly meaning: string;
}

function reason(reason: string, http: number, s3: string, meaning: string): ReasonSpec {
  return { reason, http, s3, meaning };
}

export const REASON_TABLE = [
  reason('exists', 409, 'BucketAlreadyOwnedByYou', 'The bucket or file already exists'),
  reason('no-such-bucket', 404, 'NoSuchBucket', 'There is no bucket of that name'),
  reason('no-such-file', 404, 'NoSuchKey', 'There is no file of that name in the bucket'),
  reason('bad-name', 400, 'InvalidArgument', 'The bucket name or key breaks the naming rules'),
  reason('folder-conflict', 409, 'InvalidArgument', 'A key would be both a file and a folder (a file a beside a/b, or a/b under a file a)'),
  reason('not-empty', 409, 'BucketNotEmpty', 'The bucket still holds files; delete it with force'),
  reason('too-large', 413, 'EntityTooLarge', 'The file exceeds the maximum file size'),
  reason('bad-size', 400, 'IncompleteBody', 'The size is not a decimal byte count or chunked'),
  reason('bad-range', 416, 'InvalidRange', 'The byte range lies outside the file'),
  reason('bad-chunk', 400, 'IncompleteBody', 'A chunk header of a chunked body is malformed'),
  reason('changed', 412, 'PreconditionFailed', 'The file no longer has the SHA-256 the download was made on (it was overwritten)'),
  reason('checksum-mismatch', 422, 'BadDigest', 'The body does not match the SHA-256 the client announced'),
  reason('no-such-upload', 404, 'NoSuchUpload', 'There is no upload session of that id (never begun, completed, aborted or expired)'),
  reason('part-conflict', 409, 'InvalidPart', 'The part overlaps bytes already held with different bytes, or a part still being written'),
  reason('no-such-part', 400, 'InvalidPart', 'A completion lists a part number the upload session does not hold'),
  reason('incomplete', 409, 'InvalidPart', 'The upload session does not hold every byte from 0 to its size yet'),
  reason('no-space', 507, 'InsufficientStorage', 'The disk or the storage quota is full'),
  reason('unknown-command', 400, 'NotImplemented', 'No command has that name'),
  reason('bad-args', 400, 'InvalidArgument', 'Wrong number or form of arguments'),
  reason('bad-quoting', 400, 'InvalidArgument', 'An unterminated quote or an unknown escape'),
  reason('bad-utf8', 400, 'InvalidArgument', 'The line is not valid UTF-8'),
  reason('too-long', 400, 'KeyTooLongError', 'The line exceeds the maximum line length'),
  reason('not-now', 400, 'InvalidRequest', 'The command is not allowed in this state of the session'),
  reason('auth-required', 401, 'AccessDenied', 'Authenticate before this command'),
  reason('bad-token', 401, 'AccessDenied', 'The access token is wrong'),
  reason('forbidden', 403, 'AccessDenied', 'The token does not permit this operation'),
  reason('too-many-connections', 503, 'SlowDown', 'The server holds its maximum number of connections'),
  reason('idle-timeout', 408, 'RequestTimeout', 'The connection was silent for too long'),
  reason('too-slow', 408, 'RequestTimeout', 'A line or body arrived too slowly'),
  reason('shutting-down', 503, 'ServiceUnavailable', 'The server is shutting down'),
  reason('unsupported-media-type', 415, 'InvalidRequest', 'The request body is not of a type this route takes (the gateway)'),
  reason('too-many-requests', 429, 'SlowDown', 'Too many requests or wrong tokens from one address; wait and try again'),
  reason('not-found', 404, 'NotImplemented', 'No such route (the gateway\'s answer to an unknown URL)'),
  reason('unreachable', 502, 'ServiceUnavailable', 'The bucket server cannot be reached'),
  reason('storage-unavailable', 503, 'ServiceUnavailable', 'The storage engine (the S3 backend\'s) is down, unreachable or did not answer in time; try again'),
  reason('bad-reply', 502, 'InternalError', "A reply that is not the one the protocol prescribes (a client's finding)"),
  reason('internal', 500, 'InternalError', 'The server failed unexpectedly; see its log'),
] as const satisfies readonly ReasonSpec[];

export type Reason = (typeof REASON_TABLE)[number]['reason'];

/** Named constants: `Reason.noSuchBucket === 'no-such-bucket'`. */
// The assertion gives each constant its own reason word as its type; the rule misreads the mapped type.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
export const Reason = Object.fromEntries<string>(
  REASON_TABLE.map((r) => [camel(r.reason), r.reason]),
) as { readonly [K in Reason as CamelCase<K>]: K };

type CamelCase<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<CamelCase<T>>}` : S;

function camel(word: string): string {
  return word.replace(/-(.)/g, (_, c: string) => c.toUpperCase());
}

const byReason = new Map<string, ReasonSpec>(REASON_TABLE.map((r) => [r.reason, r]));

export function isReason(word: string): word is Reason {
  return byReason.has(word);
}

/** The HTTP status for a reason word; an unknown word is a gateway-side 502. */
export function httpStatusFor(word: string): number {
  return byReason.get(word)?.http ?? 502;
}

/** The S3 error code for a reason word; an unknown word is the listener's InternalError. */
export function s3CodeFor(word: string): string {
  return byReason.get(word)?.s3 ?? 'InternalError';
}
