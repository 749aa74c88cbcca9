/** The shapes every layer passes around: listings, stored files, change events. */
export interface BucketInfo {
  readonly name: string;
  readonly files: number;
  readonly bytes: number;
  /** ISO 8601 time the bucket was created. */
  readonly created: string;
}

export interface FileInfo {
  readonly bucket: string;
  readonly name: string;
  readonly size: number;
  /** ISO 8601 time the file was last written. */
  readonly modified: string;
  /** Lower-case hex SHA-256 of the whole file. */
  readonly sha256: string;
  /** The entity tag its writer asked the server to keep (the MD5 of its bytes, as S3 has it), if any. */
  readonly etag?: string;
  /** The text its writer kept with it (content type, metadata), if any; the server does not read it. */
  readonly attrs?: string;
}

/**
 * A file as a listing gives it: its SHA-256 is null while it is still being
 * computed (a file put in the data folder behind Pail's back); stat,
 * download and upload always give it.
 */
export type ListedFile = Omit<FileInfo, 'sha256'> & { readonly sha256: string | null };

export type PailEvent =
  | { readonly kind: 'bucket-created'; readonly bucket: string }
  | { readonly kind: 'bucket-deleted'; readonly bucket: string }
  | { readonly kind: 'file-uploaded'; readonly bucket: string; readonly file: FileInfo }
  | { readonly kind: 'file-deleted'; readonly bucket: string; readonly name: string };

export type EventKind = PailEvent['kind'];
export const EVENT_KINDS: readonly EventKind[] = ['bucket-created', 'bucket-deleted', 'file-uploaded', 'file-deleted'];
