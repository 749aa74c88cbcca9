import { formatStatus } from '../../shared/protocol/reply.ts';
import { formatFileRow } from '../../shared/protocol/rows.ts';
import type { FileInfo } from '../../shared/protocol/types.ts';
import type { Handler } from './handler.ts';

/** Listings of up to this many files keep their formatted reply while they stay unchanged. */
const CACHED_REPLY_FILES = 256;
/**
 * Formatted replies, keyed by the listing the storage handed out: a listing is
 * replaced when a file changes, never edited, so a reply found here is current.
 * Under load most `ls_f` calls list the same few small buckets; reusing the
 * reply saves formatting every row and the status line on each call.
 */
const replies = new WeakMap<readonly FileInfo[], string>();

const status = (files: readonly FileInfo[]) => formatStatus('FLS', [files.length], 'bucket name size modified sha256');

export const lsF: Handler = async (session, { bucket }) => {
  const files = await session.context.storage.listFiles(bucket);
  if (files.length <= CACHED_REPLY_FILES) {
    let reply = replies.get(files);
    if (reply === undefined) {
      reply = `${status(files)}\n`;
      for (const file of files) reply += `${formatFileRow(file)}\n`;
      replies.set(files, reply);
    }
    await session.write(reply);
    return;
  }
  // Rows are formatted as they are written, in batches: a long listing is never held as one string.
  const rows = (function* () {
    for (const file of files) yield formatFileRow(file);
  })();
  await session.sendRows(status(files), rows);
};
