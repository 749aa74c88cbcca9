import { formatStatus } from '../../shared/protocol/reply.ts';
import { formatBucketRow } from '../../shared/protocol/rows.ts';
import type { Handler } from './handler.ts';

export const lsB: Handler<'ls_b'> = async (session) => {
  const buckets = await session.context.storage.listBuckets();
  await session.sendRows(formatStatus('BLS', [buckets.length], 'name files bytes created'), buckets.map(formatBucketRow));
};
