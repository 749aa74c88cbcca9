import { LISTING_OPTIONS, type ListingOptions } from './request.ts';
import { formatStatus, ReplyFormatError, type Status } from './reply.ts';
import { formatFileRow, formatPageFileRow, parseFileRow } from './rows.ts';
import { joinTokens, quote, tokenize } from './tokens.ts';
import type { ListedFile } from './types.ts';

/**
 * Pages of `ls_f`. A page's status line says after its row count whether the
 * listing goes on: `800 FLS 1000 more KEY` (ask again with `after=KEY`) or
 * `800 FLS 12 end`. A listing without options keeps its old status line.
 * Folder rows (with `delimiter=/`) are `BUCKET PREFIX`, two tokens, the
 * prefix ending in `/`; file rows keep their five tokens, and on a page a
 * sixth, `etag=ETAG`, for a file that has an entity tag.
 */

/** A row of a listing: a file, or a folder that rolls up the keys below it. */
export type ListingRow = { readonly kind: 'file'; readonly file: ListedFile } | { readonly kind: 'folder'; readonly bucket: string; readonly prefix: string };

/** Whether a request asks for a page (any option) rather than the whole listing. */
export function isPaged(options: ListingOptions): boolean {
  return LISTING_OPTIONS.some((name) => options[name] !== undefined);
}

/** The status line of a listing: the old one, or a page's with where it goes on (`next`, or null at the end). */
export function formatListingStatus(rows: number, page?: { readonly next: string | null }): string {
  if (!page) return formatStatus('FLS', [rows], 'bucket name size modified sha256');
  return formatStatus('FLS', [rows], page.next === null ? 'end' : `more ${quote(page.next)}`);
}

/** Where a page's listing goes on: the key to pass as `after`, or null when this page was the last. */
export function pageNext(status: Status): string | null {
  const [word, next] = tokenize(status.text);
  if (word === 'end') return null;
  if (word === 'more' && next !== undefined) return next;
  throw new ReplyFormatError('a page of a listing says more KEY or end after its row count');
}

/** A row of a listing; a page's file rows also carry their entity tags. */
export function formatListingRow(row: ListingRow, paged = false): string {
  if (row.kind === 'folder') return joinTokens([row.bucket, row.prefix]);
  return paged ? formatPageFileRow(row.file) : formatFileRow(row.file);
}

export function parseListingRow(line: string): ListingRow {
  const tokens = tokenize(line);
  if (tokens.length === 2 && tokens[1].endsWith('/')) return { kind: 'folder', bucket: tokens[0], prefix: tokens[1] };
  return { kind: 'file', file: parseFileRow(line) };
}

/** The options of a page as request tokens, in the table's order: `prefix=photos/ delimiter=/ limit=100`. */
export function listingOptionTokens(options: ListingOptions): string[] {
  return LISTING_OPTIONS.flatMap((name) => (options[name] === undefined ? [] : [`${name}=${String(options[name])}`]));
}
