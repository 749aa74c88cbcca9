import { formatStatus } from '../../shared/protocol/reply.ts';
import type { Handler } from './handler.ts';

export const deleteF: Handler<'delete_f'> = async (session, { bucket, name }) => {
  await session.context.storage.deleteFile(bucket, name);
  session.send(formatStatus('FDS', [bucket, name], 'file deleted'));
};
