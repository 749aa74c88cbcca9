import { open } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';

/** Stream buffer size for the baselines: large buffers, as a careful hand-written server would use. */
export const STREAM_BUFFER = 1 << 20;

/** Tells the parent process which port a benchmark server listens on. */
export function announce(address: AddressInfo | string | null): void {
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`listening ${port}\n`);
}

/** Flushes a written file to disk (fsync works on the file, whichever descriptor asks). */
export async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
