import type { ListedFile } from '../../shared/protocol/types.ts';
import { fileSchema } from '../schemas.ts';

/** The fields of the `File` schema, in its order: the only ones a listed file is written with. */
const FILE_FIELDS = [...fileSchema.required];

/** Rows are sent in pieces of about this many characters: one write per piece, not per row. */
const PIECE = 64 * 1024;

/**
 * The JSON text of `{"bucket": …, "files": [ … ]}`, produced as the rows
 * arrive from the bucket server, so a long listing is never held whole: the
 * opening and first row go out at once, the rest in pieces of ~64 KiB. A
 * stream skips Fastify's serializer, so the schema's fields are picked here.
 */
export async function* listingJson(bucket: string, files: AsyncIterable<ListedFile>): AsyncGenerator<string> {
  let piece = `{"bucket":${JSON.stringify(bucket)},"files":[`;
  let first = true;
  for await (const file of files) {
    piece += `${first ? '' : ','}${JSON.stringify(file, FILE_FIELDS)}`;
    if (first || piece.length >= PIECE) {
      yield piece;
      piece = '';
    }
    first = false;
  }
  yield `${piece}]}`;
}
