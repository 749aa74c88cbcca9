import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Hash } from 'node:crypto';

/**
 * The small file operations every part of the fs storage makes durable the
 * same way, written once: a folder's entries synced, a file written or
 * appended and synced, and a file's bytes fed to a hash.
 */

/** Syncs a folder, so the entries made or removed in it survive a crash. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes (flag `w`) or appends (flag `a`) text to a file and syncs it before resolving. */
export async function writeSynced(path: string, text: string, flag: 'w' | 'a' = 'w'): Promise<void> {
  const fh = await open(path, flag);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Feeds a file's bytes from `from` to `to` (its end when absent) to a hash,
 * through one reused buffer; the file is opened without following a link.
 * A file shorter than `to` fails.
 */
export async function hashFileRange(path: string, hash: Hash, from = 0, to = Infinity): Promise<void> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    for (let position = from; position < to; ) {
      const { bytesRead } = await fh.read(buffer, 0, Math.min(buffer.length, to - position), position);
      if (bytesRead === 0) {
        if (to === Infinity) return;
        throw new Error(`${path} ends at ${position}, before the ${to} bytes it should hold`);
      }
      hash.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
  } finally {
    await fh.close();
  }
}
