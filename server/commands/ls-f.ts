import { formatStatus } from '../../shared/protocol/reply.ts';
import { formatFileRow } from '../../shared/protocol/rows.ts';
import type { Handler } from './handler.ts';

export const lsF: Handler = async (session, { bucket }) => {
  const files = await session.context.storage.listFiles(bucket);
  await session.sendRows(formatStatus('FLS', [files.length], 'bucket name size modified sha256'), files.map(formatFileRow));
};
