import { createHash } from 'node:crypto';
import { cannotRead, hashFileBytes } from '../local-file.ts';

/** A local file's SHA-256 (hex), read as a stream: memory stays one chunk whatever the file's size. */
export async function sha256OfFile(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  try {
    await hashFileBytes(hash, path, { signal });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw cannotRead(path, err);
  }
  return hash.digest('hex');
}
