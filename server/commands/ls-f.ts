import { formatStatus } from '../../shared/protocol/reply.ts';
import { formatFileRow } from '../../shared/protocol/rows.ts';
import type { FileInfo } from '../../shared/protocol/types.ts';
import { replyBatches } from '../session/reply-batches.ts';
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

/** Rows formatted as they are taken: a long listing is never held as one string. */
function* rows(files: readonly FileInfo[]): Generator<string> {
  for (const file of files) yield formatFileRow(file);
}

export const lsF: Handler<'ls_f'> = async (session, { bucket }) => {
  const files = await session.context.storage.listFiles(bucket);
  if (files.length > CACHED_REPLY_FILES) return session.sendRows(status(files), rows(files));
  let reply = replies.get(files);
  if (reply === undefined) {
    reply = [...replyBatches(status(files), rows(files))].join('');
    replies.set(files, reply);
  }
  await session.write(reply);
};
