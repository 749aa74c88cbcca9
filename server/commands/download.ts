import { formatStatus } from '../../shared/protocol/reply.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import type { Session } from '../session/session.ts';
import { StorageError, type OpenedFile } from '../storage/storage.ts';
import type { Handler } from './handler.ts';

/** Size of each read, and how many reads may wait in the socket at once: the memory a download can hold. */
const READ_SIZE = 1 << 20;
const BUFFERS = 4;

export const download: Handler = async (session, { bucket, name, offset, length }) => {
  const range = offset === undefined ? undefined : { offset, length };
  const file = await session.context.storage.get(bucket!, name!, range);
  try {
    const { info } = file;
    session.send(formatStatus('FDFBS', [file.length, info.sha256, file.offset, info.size, info.modified]));
    await sendBytes(session, file);
  } catch (err) {
    // The status line promised bytes that can no longer come: only a cut connection says so honestly.
    session.log.error({ err }, 'download cut short');
    session.socket.destroy();
    session.close();
  } finally {
    await file.close();
  }
};

/**
 * Streams the range through a few reusable buffers: a buffer is read into
 * again only once the socket has handed its bytes to the kernel, so a
 * download of any size holds at most BUFFERS × READ_SIZE and makes no garbage.
 */
async function sendBytes(session: Session, file: OpenedFile): Promise<void> {
  const free: Buffer[] = Array.from({ length: BUFFERS }, () => Buffer.allocUnsafeSlow(READ_SIZE));
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const release = (buffer: Buffer) => {
    free.push(buffer);
    notify();
  };
  const socket = session.socket;
  socket.once('close', notify);
  let position = file.offset;
  const end = file.offset + file.length;
  try {
    while (position < end) {
      while (free.length === 0) {
        if (socket.destroyed) throw new Error('the client left mid-download');
        await new Promise<void>((resolve) => (wake = resolve));
      }
      const buffer = free.pop()!;
      const n = await file.read(buffer, Math.min(READ_SIZE, end - position), position);
      if (n === 0) throw new StorageError(Reason.internal, 'the file ended before its announced size');
      position += n;
      socket.write(n === buffer.length ? buffer : buffer.subarray(0, n), () => release(buffer));
    }
  } finally {
    socket.off('close', notify);
  }
}
