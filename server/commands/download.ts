import { formatStatus } from '../../shared/protocol/reply.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import type { Session } from '../session/session.ts';
import { StorageError, type OpenedFile } from '../storage/storage.ts';
import { fileExtras } from './file-extras.ts';
import type { Handler } from './handler.ts';

export const download: Handler<'download'> = async (session, { bucket, name, offset, length, sha256 }) => {
  const range = offset === undefined ? undefined : { offset, length };
  // The SHA-256 is checked on the version opened, the one whose bytes follow: a range is served only of the file its client described.
  const file = await session.context.storage.get(bucket, name, range, { sha256 });
  try {
    const { info } = file;
    session.send(formatStatus('FDFBS', [file.length, info.sha256, file.offset, info.size, info.modified], '', fileExtras(info)));
    await sendBytes(session, file);
  } catch (err) {
    // The status line promised bytes that can no longer come: only a cut connection says so honestly.
    session.cut('download cut short', err);
  } finally {
    await file.close();
  }
};

/**
 * Streams the range through pooled slabs, never queueing a write behind a
 * pending one: the next slab is read while the last is being written, and is
 * written once that write has handed its bytes to the kernel. Reading ahead
 * takes a second slab only when it is a large one from the budget; with a
 * small slab the download waits for its write and reads into the same slab,
 * so a reader that stops reading holds one small slab beyond the budget.
 */
async function sendBytes(session: Session, file: OpenedFile): Promise<void> {
  const slabs = session.context.slabs;
  let position = file.offset;
  const end = file.offset + file.length;
  let writing: { slab: Buffer; done: Promise<void> } | undefined;
  let reading: Buffer | undefined;
  const finishWrite = async (): Promise<Buffer> => {
    const { slab, done } = writing!;
    try {
      await done;
    } catch (err) {
      // A write cut by a closing socket may still reference its slab: it is not reused.
      slabs.forget(slab);
      throw err;
    } finally {
      writing = undefined;
    }
    return slab;
  };
  try {
    while (position < end) {
      reading = writing && !slabs.largeAvailable ? await finishWrite() : slabs.take();
      const n = await file.read(reading, Math.min(reading.length, end - position), position);
      if (n === 0) throw new StorageError(Reason.internal, 'the file ended before its announced size');
      position += n;
      if (writing) slabs.give(await finishWrite());
      const slab = reading;
      reading = undefined;
      const done = session.writeOut(n === slab.length ? slab : slab.subarray(0, n));
      done.catch(() => {}); // a write failing while the next read runs is handled when awaited, not reported as unhandled
      writing = { slab, done };
    }
    if (writing) slabs.give(await finishWrite());
  } finally {
    if (reading) slabs.give(reading);
    if (writing) {
      const { slab, done } = writing;
      done.then(() => slabs.give(slab), () => slabs.forget(slab));
    }
  }
}
