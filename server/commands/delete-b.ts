import { formatStatus } from '../../shared/protocol/reply.ts';
import type { Handler } from './handler.ts';

export const deleteB: Handler = async (session, { bucket, flags }) => {
  await session.context.storage.deleteBucket(bucket!, { force: flags.has('force') });
  session.send(formatStatus('BDS', [bucket!], 'bucket deleted'));
};
