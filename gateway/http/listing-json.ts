import type { FileInfo } from '../../shared/protocol/types.ts';

/** Rows are sent in pieces of about this many characters: one write per piece, not per row. */
const PIECE = 64 * 1024;

/**
 * The JSON text of `{"bucket": …, "files": [ … ]}`, produced as the rows
 * arrive from the bucket server, so a long listing is never held whole: the
 * opening and first row go out at once, the rest in pieces of ~64 KiB. Each
 * file is written with exactly the fields of the `File` schema.
 */
export async function* listingJson(bucket: string, files: AsyncIterable<FileInfo>): AsyncGenerator<string> {
  let piece = `{"bucket":${JSON.stringify(bucket)},"files":[`;
  let rows = 0;
  for await (const file of files) {
    piece += `${rows++ === 0 ? '' : ','}${fileJson(file)}`;
    if (rows === 1 || piece.length >= PIECE) {
      yield piece;
      piece = '';
    }
  }
  yield `${piece}]}`;
}

function fileJson(f: FileInfo): string {
  return `{"bucket":${JSON.stringify(f.bucket)},"name":${JSON.stringify(f.name)},"size":${f.size},"modified":${JSON.stringify(f.modified)},"sha256":${JSON.stringify(f.sha256)}}`;
}
