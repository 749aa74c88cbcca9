import type { Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { LocalFileError } from './errors.ts';

/** The failure of reading a local file, as every command words it. */
export function cannotRead(path: string, err: unknown): LocalFileError {
  return new LocalFileError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
}

/** Opens the file before anything is sent, so a file that cannot be read is refused here rather than cut off mid-upload. */
export async function openForReading(path: string): Promise<Readable> {
  const handle = await open(path, 'r').catch((err: unknown) => {
    throw cannotRead(path, err);
  });
  return handle.createReadStream();
}

/** Feeds a local file's bytes [start, end) (all of them by default) to `hash`, streamed: memory stays one chunk whatever the size. */
export async function hashFileBytes(hash: Hash, path: string, range: { readonly start?: number; readonly end?: number; readonly signal?: AbortSignal } = {}): Promise<void> {
  const { start, end, signal } = range;
  const stream = createReadStream(path, { signal, ...(start !== undefined ? { start } : {}), ...(end !== undefined ? { end: end - 1 } : {}) });
  for await (const chunk of stream) hash.update(chunk as Buffer);
}
