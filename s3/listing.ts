import type { PailConnection } from '../shared/client/connection.ts';
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
 * prefix, skipping past each common prefix's keys.
 */
export async function listEntries(connection: PailConnection, bucket: string, query: ListQuery): Promise<ListResult> {
  if (query.maxKeys === 0) return { entries: [], truncated: false };
  if (query.delimiter === undefined || query.delimiter === '/') return nativePage(connection, bucket, query);
  return rolledUpPage(connection, bucket, { ...query, delimiter: query.delimiter });
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

async function rolledUpPage(connection: PailConnection, bucket: string, query: ListQuery & { readonly delimiter: string }): Promise<ListResult> {
  const { prefix, delimiter, maxKeys } = query;
  const entries: ListEntry[] = [];
  let lastPrefix: string | undefined;
  let cursor = query.after !== undefined && commonPrefixOf(query.after, prefix, delimiter) === query.after ? query.after + PAST_EVERYTHING : query.after;
  for (;;) {
    const page = await connection.listPage(bucket, { prefix: prefix === '' ? undefined : prefix, after: cursor, limit: SCAN_PAGE });
    for (const file of page.files) {
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
    cursor = lastPrefix !== undefined && last.startsWith(lastPrefix) ? lastPrefix + PAST_EVERYTHING : last;
  }
}

/** The common prefix a key rolls up into: the prefix and the rest up to and including the delimiter's first occurrence. */
function commonPrefixOf(key: string, prefix: string, delimiter: string): string | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const at = key.indexOf(delimiter, prefix.length);
  return at < 0 ? undefined : key.slice(0, at + delimiter.length);
}

export function keyOfEntry(entry: ListEntry): string {
  return entry.kind === 'object' ? entry.file.name : entry.prefix;
}
