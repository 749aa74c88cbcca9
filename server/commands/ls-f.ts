import { formatStatus } from '../../shared/protocol/reply.ts';
import { formatFileRow } from '../../shared/protocol/rows.ts';
import type { Handler } from './handler.ts';

export const lsF: Handler = async (session, { bucket }) => {
  const files = await session.context.storage.listFiles(bucket);
  // Rows are formatted as they are written, in batches: a long listing is never held as one string.
  const rows = (function* () {
    for (const file of files) yield formatFileRow(file);
  })();
  await session.sendRows(formatStatus('FLS', [files.length], 'bucket name size modified sha256'), rows);
};
