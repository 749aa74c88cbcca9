/** Rows are gathered into writes of about this many bytes. */
const ROW_BATCH = 64 * 1024;

/** The text of a reply with rows: the status line, then each row, in pieces of about ROW_BATCH. */
export function* replyBatches(status: string, rows: Iterable<string>): Generator<string> {
  let batch = `${status}\n`;
  for (const row of rows) {
    batch += `${row}\n`;
    if (batch.length >= ROW_BATCH) {
      yield batch;
      batch = '';
    }
  }
  if (batch) yield batch;
}
