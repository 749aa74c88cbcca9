/** The shapes the protocol client takes and gives. */
import type { Readable } from 'node:stream';
import type { ListingRow } from '../protocol/listing.ts';
import type { ListedFile } from '../protocol/types.ts';

export interface ConnectOptions {
  readonly host: string;
  readonly port: number;
  /** Sent with auth right after the greeting when given. */
  readonly token?: string;
  /** Gives up connecting, and waiting for the greeting, after this long each. */
  readonly connectTimeoutMs?: number;
  /**
   * Gives up on a command whose next reply line takes longer than this (a
   * server that stopped answering mid-listing); the connection is closed. It
   * does not bound a transfer's bytes, nor an event stream's wait for events.
   */
  readonly replyTimeoutMs?: number;
}

export interface UploadOptions {
  /** The byte count; without it the body is sent chunked. */
  readonly size?: number;
  readonly overwrite?: boolean;
  readonly sha256?: string;
  /** Have the server keep the body's MD5 as the file's etag: true, or the MD5 (hex) the body must have. */
  readonly md5?: true | string;
  /** Text kept with the file (content type, metadata), given back by stat, download and listings. */
  readonly attrs?: string;
  /** Called with the bytes sent so far, after each write. */
  readonly onProgress?: (sent: number) => void;
}

/** What a stored file may carry beyond its bytes, when its writer asked. */
export interface WriterData {
  readonly etag?: string;
  readonly attrs?: string;
}

export interface Uploaded extends WriterData {
  readonly size: number;
  readonly sha256: string;
  readonly modified: string;
}

export interface DownloadInfo extends WriterData {
  readonly length: number;
  readonly sha256: string;
  readonly offset: number;
  readonly total: number;
  readonly modified: string;
}

/** A listing being read row by row (see listing.ts). */
export interface ListingStream {
  /** Rows the server announced. */
  readonly count: number;
  /** Where the listing goes on (pass it as `after`), or null when this was the last page or the whole listing. */
  readonly next: string | null;
  readonly rows: AsyncIterable<ListingRow>;
  /** Gives up on the rest: the connection closes if rows are still unread. */
  cancel(): void;
}

/** A page of a listing read whole. */
/** A page of a listing as its rows came, files and folder rows in key order. */
export interface RowPage {
  readonly rows: ListingRow[];
  /** Where the listing goes on (pass it as `after`), or null at the end. */
  readonly next: string | null;
}

export interface FilePage {
  readonly files: ListedFile[];
  /** The folders (prefixes ending in `/`) the keys below them rolled up into, with `delimiter`. */
  readonly folders: string[];
  /** Where the listing goes on (pass it as `after`), or null at the end. */
  readonly next: string | null;
}

export interface DownloadOptions {
  readonly offset?: number;
  /** Bytes from `offset`; to the end of the file when absent. */
  readonly length?: number;
  /** Only if the file still has this SHA-256 (hex). */
  readonly sha256?: string;
}

export interface Download {
  readonly info: DownloadInfo;
  /** Exactly `info.length` bytes; errors if the connection is cut before. */
  readonly body: Readable;
}


/** What the server holds of an upload session. */
export interface UploadSessionStatus {
  /** Bytes held from 0 without a gap: where a client sending in order goes on. */
  readonly held: number;
  readonly size?: number;
  /** The text given at the beginning, kept with the file on completion. */
  readonly attrs?: string;
  readonly ranges: readonly { readonly offset: number; readonly length: number }[];
}

/** An open upload session of a bucket, as `ls_u` lists it. */
export interface UploadSessionRow {
  readonly id: string;
  readonly key: string;
  readonly held: number;
  readonly size?: number;
  readonly created: string;
  readonly updated: string;
  /** A session of numbered parts (S3 multipart), listed by ls_p. */
  readonly numbered: boolean;
}

/** A numbered part a session holds, as `ls_p` lists it. */
export interface NumberedPart {
  readonly number: number;
  readonly size: number;
  /** The part's own MD5 (hex), what S3 calls the part's ETag. */
  readonly md5: string;
  readonly modified: string;
}

/** A numbered part stored, as `part_n` answers: its size and its own digests. */
export interface StoredNumberedPart {
  readonly number: number;
  readonly size: number;
  readonly md5: string;
  readonly sha256: string;
}
