/**
 * An object's ETag: the MD5 its writer had the bucket server keep (every
 * object written through S3), else its SHA-256 (written through the
 * protocol, the gateway or the CLI), in quotes: 64 hex digits, which no
 * client mistakes for an MD5.
 */
export function etagOf(object: { readonly sha256: string; readonly etag?: string }): string {
  return `"${object.etag ?? object.sha256}"`;
}
