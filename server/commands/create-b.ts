import { formatStatus } from '../../shared/protocol/reply.ts';
import type { Handler } from './handler.ts';

export const createB: Handler<'create_b'> = async (session, { bucket }) => {
  await session.context.storage.createBucket(bucket);
  session.send(formatStatus('BCS', [bucket], 'bucket created'));
};
