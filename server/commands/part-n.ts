import { CHUNKED } from '../../shared/protocol/commands.ts';
import { formatStatus } from '../../shared/protocol/reply.ts';
import { receiveBody } from '../session/receive-body.ts';
import type { Handler } from './handler.ts';

/** `part_n ID NUMBER SIZE [sha256=HEX] [md5=HEX]`: a numbered part, replacing one of its number, acknowledged once its bytes and record are durable. */
export const partN: Handler<'part_n'> = async (session, request) => {
  const { storage } = session.context;
  const { upload, number, sha256, md5 } = request;
  const size = request.size === CHUNKED ? undefined : request.size;
  await receiveBody(
    session,
    request.spec,
    request.size,
    () => storage.checkNumberedPart(upload, number, size),
    async (body) => {
      const part = await storage.writeNumberedPart(upload, number, body, { size, sha256, md5 });
      return formatStatus('NPS', [part.number, part.size, part.md5, part.sha256], 'part stored');
    },
  );
};
