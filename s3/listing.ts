import type { PailConnection } from '../shared/client/connection.ts';
import { compareKeys, keyProblem } from '../shared/protocol/names.ts';
import type { ListedFile } from '../shared/protocol/types.ts';

/** An entry of an S3 listing: an object, or a common prefix the keys below it rolled up into. */
export type ListEntry = { readonly kind: 'object'; readonly file: ListedFile } | { readonly kind: 'prefix'; readonly prefix: string };

export interface ListQuery {
  readonly prefix: string;
  readonly delimiter?: string;
  /** Start after this key; after a common prefix of this listing, after every key under it. */
  readonly after?: string;
  /** 0 to 1000 entries. */
  readonly maxKeys: number;
}

export interface ListResult {
  readonly entries: ListEntry[];
  /** Whether entries follow this page. */
  readonly truncated: boolean;
  /** Where the next page starts (its `after`): the last entry's key or prefix, when truncated. */
  readonly next?: string;
}

/** Rows a page of a listing emulating a delimiter reads from the bucket server at once. */
const SCAN_PAGE = 1000;
/** Sorts after every key that starts with a prefix and goes on (U+10FFFF, the last code point). */
const PAST_EVERYTHING = '\u{10FFFF}';

/**
 * A page of an S3 listing on the protocol's paged `ls_f`. Without a
 * delimiter or with `/`, the bucket server rolls up the common prefixes and
 * says whether the listing goes on: one page of it is one page of S3's. Any
 * other delimiter is rolled up here, from the plain listing under the
 * prefix, skipping past each common prefix's keys. S3 takes prefixes and
 * markers that no key of Pail's could be (`\n`, `/`, `a//`): a prefix no key
 * can start with lists nothing, and a marker that is no key is passed over
 * here, key by key, instead of by the bucket server.
 */
export async function listEntries(connection: PailConnection, bucket: string, query: ListQuery): Promise<ListResult> {
  const scan = scanPrefixOf(query.prefix);
  if (query.maxKeys === 0 || scan === null) {
    // Nothing to list, but the bucket must still be there.
    await connection.listPage(bucket, { limit: 1 });
    return { entries: [], truncated: false };
  }
  const native = query.delimiter === undefined || query.delimiter === '/';
  if (native && scan === query.prefix && (query.after === undefined || keyProblem(query.after) === null)) return nativePage(connection, bucket, query);
  return scannedPage(connection, bucket, query, scan);
}

/**
 * The prefix to ask the bucket server for: the S3 prefix itself when it is
 * a valid key (or empty); its folder when only its last name is one no key
 * ends with (`a/.` may begin `a/.x`); null when no key can start with it.
 */
function scanPrefixOf(prefix: string): string | null {
  if (prefix === '' || keyProblem(prefix) === null) return prefix;
  const slash = prefix.lastIndexOf('/');
  const last = prefix.slice(slash + 1);
  if ((last === '.' || last === '..') && keyProblem(`${prefix}x`) === null) return prefix.slice(0, slash + 1);
  return null;
}

async function nativePage(connection: PailConnection, bucket: string, query: ListQuery): Promise<ListResult> {
  const listing = await connection.streamListing(bucket, {
    prefix: query.prefix === '' ? undefined : query.prefix,
    delimiter: query.delimiter === '/' ? '/' : undefined,
    after: query.after,
    limit: query.maxKeys,
  });
  const entries: ListEntry[] = [];
  // Rows come in key order, folders among files, as S3 lists them.
  for await (const row of listing.rows) entries.push(row.kind === 'file' ? { kind: 'object', file: row.file } : { kind: 'prefix', prefix: row.prefix });
  return { entries, truncated: listing.next !== null, next: listing.next ?? undefined };
}

/**
 * A page gathered here from the plain listing under `scan`: keys not under
 * the S3 prefix, and keys up to the marker, are passed over; keys with the
 * delimiter after the prefix roll up into common prefixes, and the bucket
 * server is then asked to go on past each one's keys.
 */
async function scannedPage(connection: PailConnection, bucket: string, query: ListQuery, scan: string): Promise<ListResult> {
  const { prefix, delimiter, maxKeys } = query;
  const entries: ListEntry[] = [];
  let lastPrefix: string | undefined;
  // A marker that is a common prefix of this listing stands for every key under it.
  let skipThrough = query.after !== undefined && commonPrefixOf(query.after, prefix, delimiter) === query.after ? query.after + PAST_EVERYTHING : query.after;
  let cursor = skipThrough !== undefined && keyProblem(skipThrough) === null ? skipThrough : undefined;
  for (;;) {
    const page = await connection.listPage(bucket, { prefix: scan === '' ? undefined : scan, after: cursor, limit: SCAN_PAGE });
    for (const file of page.files) {
      if (!file.name.startsWith(prefix) || (skipThrough !== undefined && compareKeys(file.name, skipThrough) <= 0)) continue;
      const rolled = commonPrefixOf(file.name, prefix, delimiter);
      if (rolled !== undefined && rolled === lastPrefix) continue;
      // One more entry exists past a full page: it is truncated there.
      if (entries.length === maxKeys) return { entries, truncated: true, next: keyOfEntry(entries[entries.length - 1]) };
      if (rolled === undefined) entries.push({ kind: 'object', file });
      else {
        entries.push({ kind: 'prefix', prefix: rolled });
        lastPrefix = rolled;
      }
    }
    if (page.next === null) return { entries, truncated: false };
    const last = page.files[page.files.length - 1].name;
    const past = lastPrefix !== undefined && last.startsWith(lastPrefix) ? lastPrefix + PAST_EVERYTHING : last;
    // Past a common prefix by the bucket server's `after` when that is a key; else key by key here.
    if (keyProblem(past) === null) cursor = past;
    else {
      cursor = last;
      skipThrough = past;
    }
  }
}

/** The common prefix a key rolls up into: the prefix and the rest up to and including the delimiter's first occurrence. */
function commonPrefixOf(key: string, prefix: string, delimiter: string | undefined): string | undefined {
  if (delimiter === undefined || !key.startsWith(prefix)) return undefined;
  const at = key.indexOf(delimiter, prefix.length);
  return at < 0 ? undefined : key.slice(0, at + delimiter.length);
}

export function keyOfEntry(entry: ListEntry): string {
  return entry.kind === 'object' ? entry.file.name : entry.prefix;
}
