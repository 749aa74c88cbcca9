/**
 * The attributes the HTTP listeners keep with a file through the protocol's
 * opaque `attrs=` text: `application/x-www-form-urlencoded` pairs, so any
 * value survives, in the order given. The bucket server never reads them.
 *
 * Names in use: `content-type` and the other representation headers a
 * writer gave (S3's Content-Type, Content-Encoding, Content-Disposition,
 * Content-Language, Cache-Control, Expires), `x-amz-meta-NAME` for S3 user
 * metadata, and `tus-metadata`, the Upload-Metadata a tus creation sent, which
 * HEAD must give back.
 */
export type FileAttrs = ReadonlyMap<string, string>;

export function encodeAttrs(attrs: Iterable<readonly [string, string]>): string | undefined {
  const params = new URLSearchParams();
  for (const [name, value] of attrs) params.append(name, value);
  const text = params.toString();
  return text === '' ? undefined : text;
}

/** Attributes read back; a name given twice keeps its last value. Absent text reads as none. */
export function decodeAttrs(text: string | undefined): FileAttrs {
  return new Map(text === undefined ? [] : new URLSearchParams(text));
}

export const TUS_METADATA_ATTR = 'tus-metadata';
export const CONTENT_TYPE_ATTR = 'content-type';
