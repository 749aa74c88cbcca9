import { CHUNKED } from '../../shared/protocol/commands.ts';
import { formatStatus } from '../../shared/protocol/reply.ts';
import { receiveBody } from '../session/receive-body.ts';
import type { Handler } from './handler.ts';

/** `part_u ID OFFSET SIZE`: a part of an upload session, acknowledged once its bytes are durable. */
export const partU: Handler<'part_u'> = async (session, request) => {
  const { storage } = session.context;
  const { upload, offset, sha256 } = request;
  const size = request.size === CHUNKED ? undefined : request.size;
  await receiveBody(
    session,
    request.spec,
    request.size,
    () => storage.checkPart(upload, offset, size),
    async (body) => {
      const part = await storage.writePart(upload, offset, body, { size, sha256 });
      return formatStatus('UPS', [part.offset, part.size, part.sha256], 'part stored');
    },
  );
};
