import { formatStatus } from '../../shared/protocol/reply.ts';
import { fileExtras } from './file-extras.ts';
import type { Handler } from './handler.ts';

/** A file's size, SHA-256, time (and etag and attrs when it has them) without its bytes (the gateway's HEAD, If-None-Match and Range). */
export const stat: Handler<'stat'> = async (session, { bucket, name }) => {
  const info = await session.context.storage.stat(bucket, name);
  session.send(formatStatus('FSS', [info.size, info.sha256, info.modified], '', fileExtras(info)));
};
