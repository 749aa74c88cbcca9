import type { Granted } from '../access/access.ts';
import type { BucketInfo, ListedFile, PailEvent } from '../protocol/types.ts';

/**
 * The JSON the gateway sends, spelled once: the gateway writes these shapes
 * and the web app reads them (the JSON schemas in gateway/schemas.ts describe
 * the same bodies for the OpenAPI document). Types only; nothing here runs.
 */

/** A failure: the bucket server's reply, or the one it would have given (schema PailError). */
export interface ErrorBody {
  readonly code: number;
  readonly mnemonic: string;
  /** A reason word of shared/protocol/reasons.ts. */
  readonly reason: string;
  readonly message: string;
}

/** The body of every error response. */
export interface ErrorResponse {
  readonly error: ErrorBody;
}

/** GET /api/buckets. */
export interface BucketList {
  readonly buckets: readonly BucketInfo[];
}

/** POST /api/buckets, 201. */
export interface CreatedBucket {
  readonly name: string;
}

/**
 * GET /api/buckets/:bucket/files?prefix=&delimiter=&after=&limit=: a page of
 * the listing (the whole of it without limit). Files and folders each in the
 * byte order of their keys; `next` is where the listing goes on (pass it as
 * `after`), or null when this page was the last.
 */
export interface FileList {
  readonly bucket: string;
  /** The prefix asked for ('' when none). */
  readonly prefix: string;
  readonly files: readonly ListedFile[];
  /** With `delimiter=/`: the folders below the prefix, each rolling up the keys under it. */
  readonly folders: readonly FolderInfo[];
  readonly next: string | null;
}

/** A folder row of a listing: a prefix ending in `/` (its files are not counted). */
export interface FolderInfo {
  readonly prefix: string;
}

/**
 * POST /api/buckets/:bucket/zip?base=: what to put in the archive, as the
 * JSON body or as a form's `selection` field holding this JSON. Every key,
 * and every key under every prefix ('' or a folder ending in `/`).
 */
export interface ZipSelection {
  readonly keys?: readonly string[];
  readonly prefixes?: readonly string[];
}

/** One file's outcome in a multipart upload (schema UploadOutcome). */
export type UploadOutcome =
  | { readonly name: string; readonly stored: true; readonly size: number; readonly sha256: string; readonly modified: string }
  | { readonly name: string; readonly stored: false; readonly error: ErrorBody };

/** POST /api/buckets/:bucket/files, 201 (all stored) or 207 (some refused; `unread` when the form was cut short). */
export interface UploadAnswer {
  readonly files: readonly UploadOutcome[];
  readonly unread?: ErrorBody;
}

/** GET /api/session and POST /api/login. */
export interface SessionInfo {
  /** Whether this login may change things, or only list and download. */
  readonly access: Granted;
  /** Whether the gateway asks for a login at all. */
  readonly login: boolean;
}

/**
 * A message on /api/console: the reply lines of one command as the bucket
 * server sent them (status line first, then any rows; the greeting is one),
 * or a refusal the gateway made itself.
 */
export type ConsoleMessage =
  | { readonly type: 'lines'; readonly lines: readonly string[] }
  | { readonly type: 'error'; readonly error: ErrorBody };

/** A message on /api/events: a change, or whether the gateway reaches the bucket server. */
export type EventsMessage =
  | { readonly type: 'event'; readonly event: PailEvent }
  | { readonly type: 'status'; readonly bucketServer: 'connected' | 'unreachable'; readonly message: string };
