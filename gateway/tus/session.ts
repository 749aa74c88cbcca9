import type { Uploaded } from '../../shared/client/types.ts';
import { PailError } from '../../shared/client/errors.ts';
import type { PailPool } from '../../shared/client/pool.ts';
import { Reason } from '../../shared/protocol/reasons.ts';

/**
 * Completes a session that holds all its bytes (complete_u, with the
 * client's digest of the whole file when it sent one). A digest that does
 * not match aborts the session, so nothing appears and its room is freed.
 * Runs on the commands lane without the client's signal: a completion begun
 * is finished even if the client has just gone, so the file appears.
 */
export async function completeSession(commands: PailPool, upload: string, sha256: string | undefined): Promise<Uploaded> {
  try {
    return await commands.use((c) => c.completeUpload(upload, { sha256 }));
  } catch (err) {
    if (err instanceof PailError && err.reason === Reason.checksumMismatch) await abortQuietly(commands, upload);
    throw err;
  }
}

/** Aborts a session the client can no longer reach or use; a failure to do so leaves it to expire. */
export async function abortQuietly(commands: PailPool, upload: string): Promise<void> {
  await commands.use((c) => c.abortUpload(upload)).catch(() => undefined);
}
