import { bodyFollows, CHUNKED } from '../../shared/protocol/commands.ts';
import { formatStatus } from '../../shared/protocol/reply.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { StorageError } from '../storage/storage.ts';
import { PeerGone } from '../../shared/net/socket-reader.ts';
import { chunkedBody, sizedBody, type UploadBody } from '../session/body.ts';
import type { Handler } from './handler.ts';

/** After a refusal mid-body, at most this much of a sized body is read and dropped to keep the connection in step. */
const MAX_SKIP = 16 << 20;

export const uploadF: Handler<'upload_f'> = async (session, request) => {
  const { storage, limits } = session.context;
  const { bucket, name } = request;
  const options = {
    overwrite: request.overwrite,
    size: request.size === CHUNKED ? undefined : request.size,
    sha256: request.sha256,
  };
  // Refusals that need no body come before the go-ahead, so no byte is sent in vain.
  try {
    await storage.checkPut(bucket, name, options);
  } catch (err) {
    if (!bodyFollows(request.size)) throw err;
    // A client that did not wait for 100 SEND has its body on the way: only closing keeps it from being read as commands.
    const reason = err instanceof StorageError ? err.reason : Reason.internal;
    session.fail(request.spec, err);
    session.log.info({ reason }, 'closing after a refused upload whose body may follow');
    session.close();
    return;
  }
  session.send(formatStatus('SEND', [request.size], 'send the body now'));

  const body: UploadBody =
    options.size === undefined ? chunkedBody(session.reader, limits.maxChunk) : sizedBody(session.reader, options.size);
  // The minimum rate is measured over the whole body, from the go-ahead to its last byte.
  session.reader.beginBody();
  try {
    const info = await storage.put(bucket, name, body, options);
    session.send(formatStatus('FUTB', [info.size, info.sha256, info.modified], `stored ${bucket}/${name}`));
  } catch (err) {
    if (err instanceof PeerGone) throw err;
    session.fail(request.spec, err);
    if (body.complete) return;
    if (body.remaining !== undefined && body.remaining <= MAX_SKIP) {
      await body.skipRest();
      return;
    }
    // The rest of the body is unknown or large: the reply above is the last word on this connection.
    const reason = err instanceof StorageError ? err.reason : Reason.internal;
    session.log.info({ reason }, 'closing after a refused body');
    session.close();
  } finally {
    session.reader.endBody();
  }
};
