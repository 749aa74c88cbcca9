/** The metadata every file Pail writes carries (x-amz-meta-*): its SHA-256, the etag it keeps, its attributes (percent-encoded). */
export const META_SHA256 = 'pail-sha256';
export const META_ETAG = 'pail-etag';
export const META_ATTRS = 'pail-attrs';

/** What an object's metadata says of the file, as Pail wrote it. */
export interface PailMeta {
  /** null for an object without Pail's SHA-256 (written to the engine directly). */
  readonly sha256: string | null;
  readonly etag?: string;
  readonly attrs?: string;
}

/** Reads Pail's metadata from a HEAD's: a SHA-256 that is missing or not 64 hex digits counts as none. */
export function readPailMeta(metadata: Record<string, string> | undefined): PailMeta {
  const meta = metadata ?? {};
  const sha256 = meta[META_SHA256] !== undefined && /^[0-9a-f]{64}$/.test(meta[META_SHA256]) ? meta[META_SHA256] : null;
  return {
    sha256,
    ...(meta[META_ETAG] === undefined ? {} : { etag: meta[META_ETAG] }),
    ...(meta[META_ATTRS] === undefined ? {} : { attrs: decodeURIComponent(meta[META_ATTRS]) }),
  };
}
