import { setTimeout as sleep } from 'node:timers/promises';
import { UnreachableError } from '../../shared/client/errors.ts';
import { PeerGone } from '../../shared/net/socket-reader.ts';

/** Socket errors that mean the connection went, not that the server refused. */
const LOST = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_STREAM_DESTROYED']);

/** A failure a new connection may get past: the server unreachable, gone, or restarting. */
export function isConnectionLost(err: unknown): boolean {
  if (err instanceof UnreachableError || err instanceof PeerGone) return true;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && LOST.has(code);
}

/**
 * Tries again after a lost connection: RETRIES more times at most, waiting
 * 0.25 s, 0.5 s, 1 s, 2 s (3.75 s in all, long enough for a server restart
 * or a blip of the network, short enough that a server that is down fails
 * the command soon). The count starts again whenever `progressed` says the
 * last try got further, so a long transfer over a flaky link goes on while
 * each try gains ground.
 */
export const RETRIES = 4;
const FIRST_WAIT_MS = 250;

export async function withRetries<T>(
  signal: AbortSignal,
  attempt: () => Promise<T>,
  onRetry: (err: Error, wait: number, count: number) => void,
  progressed: () => boolean,
): Promise<T> {
  for (let failures = 0; ; ) {
    try {
      return await attempt();
    } catch (err) {
      if (signal.aborted || !isConnectionLost(err)) throw err;
      failures = progressed() ? 1 : failures + 1;
      if (failures > RETRIES) throw err instanceof UnreachableError ? err : new UnreachableError(`the connection to the bucket server was lost: ${(err as Error).message}`, { cause: err });
      const wait = FIRST_WAIT_MS * 2 ** (failures - 1);
      onRetry(err as Error, wait, failures);
      await sleep(wait, undefined, { signal });
    }
  }
}
