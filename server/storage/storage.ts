import type { EventEmitter } from 'node:events';
import type { BucketInfo, FileInfo, PailEvent } from '../../shared/protocol/types.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import type { ListingRow } from '../../shared/protocol/listing.ts';
import type { ListingOptions } from '../../shared/protocol/request.ts';

/**
 * What the bucket server needs of a place to keep files. It knows nothing of
 * the protocol: a second backend (an S3-compatible engine, say) implements
 * this and the protocol layer stays as it is. Failures are StorageErrors
 * whose reason is one of the protocol's reason words.
 */
export interface Storage extends EventEmitter<{ change: [PailEvent] }> {
  listBuckets(): Promise<BucketInfo[]>;
  createBucket(bucket: string): Promise<void>;
  deleteBucket(bucket: string, options?: { force?: boolean }): Promise<void>;
  /**
   * A bucket's rows in the byte order of their keys' UTF-8: files, and with
   * `delimiter` the folders the keys below them roll up into. Read as they
   * are taken, so a caller that stops early costs only what it took. Fails
   * (on the first row taken) when there is no such bucket.
   */
  list(bucket: string, query?: ListingQuery): AsyncIterable<ListingRow>;
  stat(bucket: string, name: string): Promise<FileInfo>;
  /** Checks an upload before any byte is sent: the bucket, the size, an existing name. */
  checkPut(bucket: string, name: string, options: PutOptions): Promise<void>;
  /** Stores a body atomically: readers see the old file or the whole new one, never a part. */
  put(bucket: string, name: string, body: AsyncIterable<Buffer>, options: PutOptions): Promise<FileInfo>;
  /**
   * Opens a file (or a byte range of it) for reading; the version opened
   * stays readable to the end. With `sha256`, only the version of that
   * SHA-256 is opened: another is refused with `changed`, before its range is
   * judged (the range was worked out on the version asked for).
   */
  get(bucket: string, name: string, range?: ByteRange, options?: { readonly sha256?: string }): Promise<OpenedFile>;
  deleteFile(bucket: string, name: string): Promise<void>;

  /** Begins an upload session for a key, after the checks a plain upload gets before its body; with `numbered`, a session of numbered parts. */
  beginUpload(bucket: string, name: string, options: PutOptions & { readonly numbered?: boolean }): Promise<UploadSessionInfo>;
  /** Refuses a part before its body is sent, when it can already tell. */
  checkPart(upload: string, offset: number, size: number | undefined): Promise<void>;
  /** Writes a part at an offset; resolves once its bytes and the record that they are held are durable. */
  writePart(upload: string, offset: number, body: AsyncIterable<Buffer>, options: { size?: number; sha256?: string }): Promise<StoredPart>;
  /** Refuses a numbered part before its body is sent, when it can already tell. */
  checkNumberedPart(upload: string, number: number, size: number | undefined): Promise<void>;
  /** Writes (or replaces) a numbered part; resolves once its bytes and its record are durable. */
  writeNumberedPart(upload: string, number: number, body: AsyncIterable<Buffer>, options: { size?: number; md5?: string; sha256?: string }): Promise<NumberedPartInfo>;
  /** The numbered parts a session holds, in number order. */
  listParts(upload: string): Promise<NumberedPartInfo[]>;
  uploadStatus(upload: string): Promise<UploadSessionInfo>;
  /**
   * Completes a session holding every byte, or (numbered) made of the parts
   * listed: the file appears at its key, atomically, as a plain upload's would.
   */
  completeUpload(upload: string, options: { sha256?: string; parts?: readonly number[]; create?: boolean }): Promise<FileInfo>;
  abortUpload(upload: string): Promise<void>;
  listUploads(bucket: string): Promise<UploadSessionInfo[]>;
  close(): Promise<void>;
}

/** What an upload session was begun with, as a backend keeps it beside the session's parts. */
export interface SessionMeta {
  readonly bucket: string;
  readonly key: string;
  /** The whole file's size, when it was given at the beginning. */
  readonly size?: number;
  readonly overwrite: boolean;
  readonly sha256?: string;
  /** The writer's attributes, given to the file the session completes. */
  readonly attrs?: string;
  /** A session of numbered parts. */
  readonly parts?: true;
  readonly created: string;
}

/** An upload session as the server holds it: what it was begun with, and what it holds now. */
export interface UploadSessionInfo extends Omit<SessionMeta, 'parts'> {
  readonly id: string;
  /** When a part was last stored (or the session begun). */
  readonly updated: string;
  /** A session of numbered parts (part_n), not of offsets. */
  readonly numbered: boolean;
  /** The bytes held from 0 without a gap: where a client sending in order goes on; for numbered parts, the bytes of every part held. */
  readonly held: number;
  /** Every range held, in order. */
  readonly ranges: readonly { readonly offset: number; readonly length: number }[];
}

/** A part stored: where it went and the SHA-256 of its own bytes. */
export interface StoredPart {
  readonly offset: number;
  readonly size: number;
  readonly sha256: string;
}

/** A numbered part held: its own size and digests, and when it was stored. */
export interface NumberedPartInfo {
  readonly number: number;
  readonly size: number;
  readonly md5: string;
  readonly sha256: string;
  readonly modified: string;
}

/** What to list: a page's options but its limit, which the caller applies by taking no more. */
export type ListingQuery = Omit<ListingOptions, 'limit'>;

export interface PutOptions {
  readonly overwrite?: boolean;
  /** The announced size, when known in advance. */
  readonly size?: number;
  /** The SHA-256 (hex) the body must have. */
  readonly sha256?: string;
  /** Keep the body's MD5 as the file's etag: true, or the MD5 (hex) the body must have. */
  readonly md5?: true | string;
  /** Text kept with the file, durably, and given back with it. */
  readonly attrs?: string;
  /**
   * checkPut passed for this very put just before its body (the protocol's
   * go-ahead), so put need not look again: whatever changed since, its commit
   * refuses anyway. Each look is a trip to the disk's thread pool.
   */
  readonly checked?: boolean;
}

export interface ByteRange {
  readonly offset: number;
  readonly length?: number;
}

export interface OpenedFile {
  readonly info: FileInfo;
  readonly offset: number;
  readonly length: number;
  /**
   * Reads up to `length` bytes at `position` (an absolute offset in the file)
   * into the caller's buffer, so a caller can reuse a few buffers for a whole
   * transfer. Resolves to the bytes read; 0 only past the end of the file.
   */
  read(buffer: Buffer, length: number, position: number): Promise<number>;
  /** Releases the file; call it once, whether or not everything was read. */
  close(): Promise<void>;
}

export class StorageError extends Error {
  constructor(
    readonly reason: Reason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StorageError';
  }
}

/** For listings over every bucket: a bucket deleted meanwhile simply has nothing to list. */
export function skipVanished(err: unknown): undefined {
  if (err instanceof StorageError && err.reason === Reason.noSuchBucket) return undefined;
  throw err;
}
