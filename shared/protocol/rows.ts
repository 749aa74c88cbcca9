import type { BucketInfo, EventKind, ListedFile, PailEvent } from './types.ts';
import { EVENT_KINDS } from './types.ts';
import { formatStatus, ReplyFormatError, type Status } from './reply.ts';
import { joinTokens, quote, tokenize } from './tokens.ts';

/**
 * The rows that follow 500 BLS and 800 FLS, and the 110 EVENT lines: tokens
 * in a fixed order, names quoted when they need it.
 */

/** `NAME FILES BYTES CREATED` */
export function formatBucketRow(b: BucketInfo): string {
  return joinTokens([b.name, String(b.files), String(b.bytes), b.created]);
}

export function parseBucketRow(line: string): BucketInfo {
  const [name, files, bytes, created] = fixed(line, 4, 'bucket row');
  return { name, files: count(files), bytes: count(bytes), created };
}

/** The SHA-256 token of a file whose hash is still being computed. */
export const SHA256_PENDING = '-';

/** `BUCKET KEY SIZE MODIFIED SHA256` (SHA256 `-` while it is being computed) */
export function formatFileRow(f: ListedFile): string {
  return joinTokens([f.bucket, f.name, String(f.size), f.modified, f.sha256 ?? SHA256_PENDING]);
}

/** A file row of a page: the five tokens, then `etag=ETAG` when the file has an entity tag. */
export function formatPageFileRow(f: ListedFile): string {
  const row = formatFileRow(f);
  return f.etag === undefined ? row : `${row} ${quote(`${ETAG_PREFIX}${f.etag}`)}`;
}

const ETAG_PREFIX = 'etag=';

export function parseFileRow(line: string): ListedFile {
  const tokens = tokenize(line);
  const tagged = tokens.length === 6 && tokens[5].startsWith(ETAG_PREFIX);
  if (tokens.length !== 5 && !tagged) throw new ReplyFormatError(`a file row has 5 tokens (and an etag), got ${tokens.length}`);
  const [bucket, name, size, modified, sha256] = tokens;
  const file = { bucket, name, size: count(size), modified, sha256: sha256 === SHA256_PENDING ? null : sha256 };
  return tagged ? { ...file, etag: tokens[5].slice(ETAG_PREFIX.length) } : file;
}

/** `110 EVENT KIND BUCKET [NAME [SIZE MODIFIED SHA256]]` */
export function formatEvent(e: PailEvent): string {
  switch (e.kind) {
    case 'bucket-created':
    case 'bucket-deleted':
      return formatStatus('EVENT', [e.kind, e.bucket]);
    case 'file-deleted':
      return `${formatStatus('EVENT', [e.kind, e.bucket])} ${joinTokens([e.name])}`;
    case 'file-uploaded':
      return `${formatStatus('EVENT', [e.kind, e.bucket])} ${joinTokens([e.file.name, String(e.file.size), e.file.modified, e.file.sha256])}`;
  }
}

export function parseEvent(status: Status): PailEvent {
  const kind = status.fields.kind as EventKind;
  const bucket = status.fields.bucket;
  if (!EVENT_KINDS.includes(kind)) throw new ReplyFormatError(`unknown event kind ${kind}`);
  if (kind === 'bucket-created' || kind === 'bucket-deleted') return { kind, bucket };
  const rest = tokenize(status.text);
  if (kind === 'file-deleted') {
    if (rest.length !== 1) throw new ReplyFormatError('file-deleted names one file');
    return { kind, bucket, name: rest[0] };
  }
  if (rest.length !== 4) throw new ReplyFormatError('file-uploaded carries name, size, modified and sha256');
  const [name, size, modified, sha256] = rest;
  return { kind, bucket, file: { bucket, name, size: count(size), modified, sha256 } };
}

function fixed(line: string, n: number, what: string): string[] {
  const tokens = tokenize(line);
  if (tokens.length !== n) throw new ReplyFormatError(`a ${what} has ${n} tokens, got ${tokens.length}`);
  return tokens;
}

function count(token: string): number {
  const n = Number(token);
  if (!/^\d+$/.test(token) || !Number.isSafeInteger(n)) throw new ReplyFormatError(`not a count: ${token}`);
  return n;
}
