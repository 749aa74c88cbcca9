import { createHash } from 'node:crypto';
import type { ListingRow } from '../../shared/protocol/listing.ts';
import { StorageError, type OpenedFile } from '../../server/storage/storage.ts';

/** The storage tests' helpers: bodies as a storage takes them, what it gives back read whole, and what it refuses with. */

export const MiB = 1 << 20;

/** Bytes that differ from one seed to another and along the buffer (a misplaced range shows). */
export function bytes(size: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A body in chunks of at most `chunk` bytes, as a socket delivers one. */
export async function* body(data: Buffer, chunk = 256 * 1024): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += chunk) yield data.subarray(i, i + chunk);
}

/**
 * A body that sends its first `sent` bytes, then waits for `release()`
 * before the rest: an upload held in flight for as long as a test needs.
 * `started` resolves once the first bytes were taken.
 */
export function heldBody(data: Buffer, sent: number): { body: AsyncGenerator<Buffer>; started: Promise<void>; release: () => void } {
  let release!: () => void;
  let started!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const startedPromise = new Promise<void>((resolve) => (started = resolve));
  async function* generate(): AsyncGenerator<Buffer> {
    yield* body(data.subarray(0, sent));
    started();
    await released;
    yield* body(data.subarray(sent));
  }
  return { body: generate(), started: startedPromise, release };
}

export const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
export const md5 = (data: Buffer): string => createHash('md5').update(data).digest('hex');

/** Reads an opened file's range whole, in ascending reads as a download does, and closes it. */
export async function readOpened(opened: OpenedFile, readSize = 256 * 1024): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(readSize);
  const parts: Buffer[] = [];
  try {
    for (let done = 0; done < opened.length; ) {
      const n = await opened.read(buffer, Math.min(readSize, opened.length - done), opened.offset + done);
      if (n === 0) throw new Error(`the file ended after ${done} of ${opened.length} bytes`);
      parts.push(Buffer.from(buffer.subarray(0, n)));
      done += n;
    }
  } finally {
    await opened.close();
  }
  return Buffer.concat(parts);
}

/** Every row of a listing, as `kind key` strings (folders end in `/`), in the order given. */
export async function rowsOf(rows: AsyncIterable<ListingRow>): Promise<string[]> {
  const out: string[] = [];
  for await (const row of rows) out.push(row.kind === 'folder' ? `folder ${row.prefix}` : `file ${row.file.name}`);
  return out;
}

/** Every file row of a listing. */
export async function filesOf(rows: AsyncIterable<ListingRow>) {
  const out = [];
  for await (const row of rows) if (row.kind === 'file') out.push(row.file);
  return out;
}

/** The reason word a storage's promise was refused with, or `ok` when it was kept; any other failure is thrown. */
export async function reason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof StorageError) return err.reason;
    throw err;
  }
  return 'ok';
}
