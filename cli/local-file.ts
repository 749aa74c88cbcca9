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
