import type { Socket } from 'node:net';
import { Code, type ReplyCode } from '../protocol/codes.ts';
import type { Status } from '../protocol/reply.ts';
import { bodyFollows, CHUNKED } from '../protocol/commands.ts';
import { Reason } from '../protocol/reasons.ts';
import { formatRequest } from '../protocol/request.ts';
import { drained } from '../net/drained.ts';
import { PeerGone } from '../net/socket-reader.ts';
import { expectReply, unexpectedReply, type Channel } from './channel.ts';
import { PailError } from './errors.ts';
import type { UploadOptions, Uploaded } from './types.ts';
import { storedFile, writerDataOptions } from './writer-data.ts';

/** Uploads are sent in batches of up to this much; chunked, it is also the largest protocol chunk. */
const SEND_CHUNK = 1 << 20;
/** Unsent upload bytes the socket may hold before the source is read again. */
const SEND_BUFFER = 2 << 20;

/** Uploads a body: a Buffer, or any stream or iterable of Buffers (sent chunked unless `size` is given). */
export async function upload(
  channel: Channel,
  bucket: string,
  name: string,
  body: Buffer | AsyncIterable<Buffer> | Iterable<Buffer>,
  options: UploadOptions = {},
): Promise<Uploaded> {
  const size = Buffer.isBuffer(body) ? body.length : options.size;
  const flags = [...(options.overwrite ? ['overwrite'] : []), ...(options.sha256 ? [`sha256=${options.sha256}`] : []), ...writerDataOptions(options)];
  const line = formatRequest('upload_f', [bucket, name, size ?? CHUNKED], flags);
  return storedFile(await sendWithBody(channel, line, size, body, options, Code.FUTB));
}

/**
 * The exchange of a command whose body follows its line (upload_f, part_u):
 * the line, the go-ahead, the body, then the reply, which must be `success`.
 */
export function sendWithBody(
  channel: Channel,
  line: string,
  size: number | undefined,
  body: Buffer | AsyncIterable<Buffer> | Iterable<Buffer>,
  options: { readonly onProgress?: (sent: number) => void },
  success: ReplyCode,
): Promise<Status> {
  return channel.exclusive(async () => {
    channel.send(line);
    const goAhead = await channel.status();
    if (goAhead.code !== Code.SEND) {
      // The server closes after refusing an upload whose body may follow: a pool must never lend this connection again.
      if (bodyFollows(size ?? CHUNKED)) channel.destroy();
      throw unexpectedReply(goAhead, Code.SEND);
    }
    const chunks = Buffer.isBuffer(body) ? [body] : body;
    let sent: number;
    try {
      sent = await sendBody(channel.socket, chunks, size, options);
    } catch (err) {
      // The server may have refused mid-body (disk full, too large) and closed: its reply says why.
      if (err instanceof PeerGone) {
        const refusal = await channel.status().catch(() => undefined);
        if (refusal?.spec?.failure) throw PailError.from(refusal);
      }
      channel.destroy();
      throw err;
    }
    if (size !== undefined && sent !== size) {
      // The server still waits for the missing bytes; this connection cannot be used again.
      channel.destroy();
      throw new PailError(Code.FUTF, Reason.badSize, `the body had ${sent} bytes, not the ${size} announced`);
    }
    const done = await channel.status();
    expectReply(done, success);
    return done;
  });
}

/**
 * Sends an upload's body. Chunks are gathered while more of them are at
 * hand and go out together: one `writev` per batch instead of one `write`
 * per chunk (and, chunked, one protocol chunk per batch instead of a header
 * line and a body per chunk). A batch goes out when it reaches SEND_CHUNK,
 * or once the event loop has handled the reads at hand (`setImmediate`).
 * The socket may hold up to SEND_BUFFER unsent bytes before the source is
 * read again. Returns the bytes taken from the source; sized,
 * it stops (without sending it) at the chunk that would overrun `size`.
 */
async function sendBody(socket: Socket, chunks: AsyncIterable<Buffer> | Iterable<Buffer>, size: number | undefined, options: { readonly onProgress?: (sent: number) => void }): Promise<number> {
  const chunked = size === undefined;
  let taken = 0;
  let sent = 0;
  let batch: Buffer[] = [];
  let batchBytes = 0;
  let flushQueued: NodeJS.Immediate | undefined;
  const flush = () => {
    clearImmediate(flushQueued);
    flushQueued = undefined;
    if (batchBytes === 0 || socket.destroyed) return;
    socket.cork();
    if (chunked) socket.write(`${batchBytes}\n`);
    for (const piece of batch) socket.write(piece);
    socket.uncork();
    sent += batchBytes;
    batch = [];
    batchBytes = 0;
    options.onProgress?.(sent);
  };
  const add = (piece: Buffer) => {
    batch.push(piece);
    batchBytes += piece.length;
    if (batchBytes >= SEND_CHUNK) flush();
    // After this turn's I/O: the chunks of every read the loop makes now join the batch first.
    else flushQueued ??= setImmediate(flush);
  };
  try {
    for await (const chunk of chunks) {
      if (socket.destroyed) throw new PeerGone();
      if (!chunked && taken + chunk.length > size) return taken + chunk.length;
      taken += chunk.length;
      // A chunked batch is one protocol chunk, so it never exceeds SEND_CHUNK.
      for (let at = 0; at < chunk.length; ) {
        const n = chunked ? Math.min(chunk.length - at, SEND_CHUNK - batchBytes) : chunk.length;
        add(at === 0 && n === chunk.length ? chunk : chunk.subarray(at, at + n));
        at += n;
      }
      if (socket.writableLength + batchBytes >= SEND_BUFFER) {
        flush();
        await drained(socket);
      }
    }
    flush();
    if (chunked) socket.write('0\n');
    await drained(socket);
    return taken;
  } finally {
    clearImmediate(flushQueued);
  }
}
