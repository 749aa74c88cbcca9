import { CHUNKED } from '../../shared/protocol/commands.ts';
import { formatStatus } from '../../shared/protocol/reply.ts';
import { receiveBody } from '../session/receive-body.ts';
import { fileExtras } from './file-extras.ts';
import type { Handler } from './handler.ts';

export const uploadF: Handler<'upload_f'> = async (session, request) => {
  const { storage } = session.context;
  const { bucket, name } = request;
  const options = {
    overwrite: request.overwrite,
    size: request.size === CHUNKED ? undefined : request.size,
    sha256: request.sha256,
    md5: request.md5,
    attrs: request.attrs,
  };
  // Refusals that need no body come before the go-ahead, so no byte is sent in vain.
  await receiveBody(
    session,
    request.spec,
    request.size,
    () => storage.checkPut(bucket, name, options),
    async (body) => {
      const info = await storage.put(bucket, name, body, { ...options, checked: true });
      return formatStatus('FUTB', [info.size, info.sha256, info.modified], `stored ${bucket}/${name}`, fileExtras(info));
    },
  );
};
