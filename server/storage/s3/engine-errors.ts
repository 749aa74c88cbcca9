/** What an engine's failure was, by its S3 error name or HTTP status. */
export function engineStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

export function engineCode(err: unknown): string | undefined {
  return (err as { name?: string; Code?: string } | undefined)?.Code ?? (err as { name?: string } | undefined)?.name;
}

/** A key or bucket that is not there (HEAD answers a bare 404 with no code). */
export const isNotFound = (err: unknown): boolean =>
  engineStatus(err) === 404 || ['NoSuchKey', 'NotFound', 'NoSuchBucket', 'NoSuchUpload'].includes(engineCode(err) ?? '');

export const isNoSuchBucket = (err: unknown): boolean => engineCode(err) === 'NoSuchBucket';

/** A conditional request whose condition did not hold (If-None-Match on an existing key, If-Match on another version). */
export const isPreconditionFailed = (err: unknown): boolean => engineStatus(err) === 412 || engineCode(err) === 'PreconditionFailed';

/** An ETag as the engine compares it in If-Match: RGW 16.2 compares the raw value, so quotes make every If-Match on PUT fail. */
export const bareEtag = (etag: string): string => etag.replace(/^"|"$/g, '');
