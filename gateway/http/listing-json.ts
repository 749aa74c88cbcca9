import type { ListingRow } from '../../shared/protocol/listing.ts';
import { fileSchema } from '../schemas.ts';

/** The fields of the `File` schema, in its order: the only ones a listed file is written with. */
const FILE_FIELDS = [...fileSchema.required];

/** Rows are sent in pieces of about this many characters: one write per piece, not per row. */
const PIECE = 64 * 1024;

/** What a listing's JSON says besides its rows; `next` is known from the page's status line, before any row. */
export interface ListingHead {
  readonly bucket: string;
  readonly prefix: string;
  readonly next: string | null;
}

/**
 * The JSON text of a FileList, `{"bucket", "prefix", "files": […],
 * "folders": […], "next"}`, produced as the rows arrive from the bucket
 * server, so a long listing is never held whole: the opening and first file
 * go out at once, the rest in pieces of ~64 KiB. Folder rows come mixed with
 * the files in key order but have an array of their own, so they are kept
 * until the files end; only a page (at most 10,000 rows) has them. A stream
 * skips Fastify's serializer, so the schema's fields are picked here.
 */
export async function* listingJson(head: ListingHead, rows: AsyncIterable<ListingRow>): AsyncGenerator<string> {
  let piece = `{"bucket":${JSON.stringify(head.bucket)},"prefix":${JSON.stringify(head.prefix)},"files":[`;
  const folders: string[] = [];
  let first = true;
  for await (const row of rows) {
    if (row.kind === 'folder') {
      folders.push(JSON.stringify({ prefix: row.prefix }));
      continue;
    }
    piece += `${first ? '' : ','}${JSON.stringify(row.file, FILE_FIELDS)}`;
    if (first || piece.length >= PIECE) {
      yield piece;
      piece = '';
    }
    first = false;
  }
  yield `${piece}],"folders":[${folders.join(',')}],"next":${JSON.stringify(head.next)}}`;
}
