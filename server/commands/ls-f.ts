import { MAX_PAGE_ROWS } from '../../shared/protocol/commands.ts';
import { formatListingRow, formatListingStatus, isPaged, type ListingRow } from '../../shared/protocol/listing.ts';
import { skipVanished } from '../storage/storage.ts';
import type { Handler } from './handler.ts';

/**
 * `ls_f`: the whole listing (the old reply, every row gathered first so the
 * status line can count them), or a page of it. A page gathers at most
 * `limit` rows (MAX_PAGE_ROWS when none is given), so a connection holds a
 * bounded amount however large the bucket; it takes one row more than it
 * sends to learn whether the listing goes on, and then says where.
 */
export const lsF: Handler<'ls_f'> = async (session, request) => {
  const { storage } = session.context;
  const { bucket, prefix, delimiter, after } = request;
  if (bucket === undefined) {
    const rows: ListingRow[] = [];
    for (const { name } of await storage.listBuckets()) await gather(storage.list(name), rows, Infinity).catch(skipVanished);
    return session.sendRows(formatListingStatus(rows.length), formatted(rows));
  }
  if (!isPaged(request)) {
    const rows = await gather(storage.list(bucket), [], Infinity);
    return session.sendRows(formatListingStatus(rows.length), formatted(rows));
  }
  const limit = request.limit ?? MAX_PAGE_ROWS;
  const rows = await gather(storage.list(bucket, { prefix, delimiter, after }), [], limit + 1);
  const more = rows.length > limit;
  if (more) rows.length = limit;
  const next = more ? keyOf(rows[rows.length - 1]) : null;
  await session.sendRows(formatListingStatus(rows.length, { next }), formatted(rows, true));
};

/** Takes up to `max` rows into `into`; stopping early ends the storage's reading. */
async function gather(source: AsyncIterable<ListingRow>, into: ListingRow[], max: number): Promise<ListingRow[]> {
  if (max <= 0) return into;
  const end = into.length + max;
  for await (const row of source) {
    into.push(row);
    if (into.length >= end) break;
  }
  return into;
}

function* formatted(rows: readonly ListingRow[], paged = false): Generator<string> {
  for (const row of rows) yield formatListingRow(row, paged);
}

const keyOf = (row: ListingRow): string => (row.kind === 'file' ? row.file.name : row.prefix);
