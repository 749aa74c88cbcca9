import { formatStatus } from '../../shared/protocol/reply.ts';
import type { Handler } from './handler.ts';

export const deleteB: Handler<'delete_b'> = async (session, { bucket, force }) => {
  await session.context.storage.deleteBucket(bucket, { force });
  session.send(formatStatus('BDS', [bucket], 'bucket deleted'));
};
