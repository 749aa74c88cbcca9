import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Download } from '../shared/client/connection.ts';
import { PailError, UnreachableError } from '../shared/client/errors.ts';
import { PeerGone } from '../shared/net/socket-reader.ts';
import { Code } from '../shared/protocol/codes.ts';
import { Reason } from '../shared/protocol/reasons.ts';
import { LocalFileError } from './errors.ts';

export interface ReceiveOptions {
  readonly signal: AbortSignal;
  /** Called with the bytes received so far. */
  readonly onBytes?: (received: number) => void;
}

/**
 * Writes the body to a temporary name beside the target and renames it into
 * place only once the SHA-256 matched, so a cut, corrupt or interrupted
 * download never leaves a file under the target's name.
 */
export async function receiveFile(download: Download, target: string, options: ReceiveOptions): Promise<void> {
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.part`);
  try {
    await receive(download, createWriteStream(temp, { flags: 'wx' }), { ...options, end: true });
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    const fsError = err as NodeJS.ErrnoException;
    if (fsError.path === temp) throw new LocalFileError(`cannot save to ${target}: ${fsError.code ?? fsError.message}`, { cause: err });
    throw err;
  }
}

/** Copies the body into `sink`, checking its SHA-256 against the one the server announced. */
export async function receive({ info, body }: Download, sink: Writable, options: ReceiveOptions & { readonly end: boolean }): Promise<void> {
  const hash = createHash('sha256');
  let received = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      received += chunk.length;
      options.onBytes?.(received);
      done(null, chunk);
    },
  });
  try {
    await pipeline(body, tap, sink, { signal: options.signal, end: options.end });
  } catch (err) {
    // The client's body stream reports a cut connection as PeerGone.
    if (err instanceof PeerGone) throw new UnreachableError(`the bucket server closed the connection after ${received} of ${info.length} bytes`);
    throw err;
  }
  const actual = hash.digest('hex');
  if (actual !== info.sha256) {
    throw new PailError(Code.FDFBF, Reason.checksumMismatch, `the bytes received have SHA-256 ${actual}, not the ${info.sha256} the server announced`);
  }
}
