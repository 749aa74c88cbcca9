import { bodyFollows, CHUNKED, type CommandSpec } from '../../shared/protocol/commands.ts';
import { formatStatus } from '../../shared/protocol/reply.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { PeerGone } from '../../shared/net/socket-reader.ts';
import { StorageError } from '../storage/storage.ts';
import { chunkedBody, sizedBody, type UploadBody } from './body.ts';
import type { Session } from './session.ts';

/** After a refusal mid-body, at most this much of a sized body is read and dropped to keep the connection in step. */
const MAX_SKIP = 16 << 20;

/**
 * The exchange of every command whose body follows its line (upload_f,
 * part_u): the checks that need no body, then `100 SEND`, then the body
 * handed to `store`, whose reply line ends it. A refusal before the go-ahead
 * closes the connection when a body may already be on the way; a refusal
 * mid-body reads and drops the rest of a small sized body to stay in step,
 * and otherwise closes.
 */
export async function receiveBody(
  session: Session,
  spec: CommandSpec,
  size: number | typeof CHUNKED,
  check: () => Promise<void>,
  store: (body: UploadBody) => Promise<string>,
): Promise<void> {
  try {
    await check();
  } catch (err) {
    if (!bodyFollows(size)) throw err;
    // A client that did not wait for 100 SEND has its body on the way: only closing keeps it from being read as commands.
    const reason = err instanceof StorageError ? err.reason : Reason.internal;
    session.fail(spec, err);
    session.log.info({ reason }, 'closing after a refused upload whose body may follow');
    session.close();
    return;
  }
  session.send(formatStatus('SEND', [size], 'send the body now'));
  const { limits } = session.context;
  const body: UploadBody = size === CHUNKED ? chunkedBody(session.reader, limits.maxChunk) : sizedBody(session.reader, size);
  // The minimum rate is measured over the whole body, from the go-ahead to its last byte.
  session.reader.beginBody();
  try {
    session.send(await store(body));
  } catch (err) {
    if (err instanceof PeerGone) throw err;
    session.fail(spec, err);
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
}
