import { createHash, randomBytes, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Download, DownloadInfo, DownloadOptions } from '../shared/client/connection.ts';
import { PailError, UnreachableError } from '../shared/client/errors.ts';
import { PeerGone } from '../shared/net/socket-reader.ts';
import { Code } from '../shared/protocol/codes.ts';
import { Reason } from '../shared/protocol/reasons.ts';
import { InterruptedError, LocalFileError } from './errors.ts';
import { hashFileBytes } from './local-file.ts';
import { isConnectionLost } from './resume/connection-lost.ts';

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
export async function receive(
  { info, body }: Download,
  sink: Writable,
  options: ReceiveOptions & {
    readonly end: boolean;
    /** The digest of the bytes before the body's, for a ranged download that completes a partial file; `onBytes` counts from `before`. */
    readonly resuming?: { readonly hash: Hash; readonly before: number };
  },
): Promise<void> {
  const hash = options.resuming?.hash ?? createHash('sha256');
  const before = options.resuming?.before ?? 0;
  let received = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      received += chunk.length;
      options.onBytes?.(before + received);
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

/**
 * Asks for the file's bytes: all of them, or (`from`) those from an offset
 * of the version with a SHA-256, which the server refuses with `changed`
 * when the file is another version now.
 */
export type Fetch = (from?: DownloadOptions & { readonly offset: number; readonly sha256: string }) => Promise<Download>;

const PARTIAL = '.pail-partial';
/** Room in a file name for `.`, `.`, the SHA-256 and PARTIAL around the target's own name. */
const PARTIAL_EXTRA = 2 + 64 + PARTIAL.length;
const NAME_MAX = 255;

/**
 * The partial file's name carries the SHA-256 of the version it holds a
 * beginning of (`.NAME.SHA256.pail-partial`, beside the target), so the
 * version to ask the rest of is known without a file of its own; a name
 * too long for that is replaced by a digest of it.
 */
function partialStem(target: string): string {
  const name = basename(target);
  return Buffer.byteLength(name) + PARTIAL_EXTRA <= NAME_MAX ? name : createHash('sha256').update(name).digest('hex').slice(0, 32);
}

function partialPath(target: string, sha256: string): string {
  return join(dirname(target), `.${partialStem(target)}.${sha256}${PARTIAL}`);
}

/** The partial file an interrupted download to `target` left, if any. */
async function findPartial(target: string): Promise<{ path: string; sha256: string; size: number } | undefined> {
  const prefix = `.${partialStem(target)}.`;
  const names = await readdir(dirname(target)).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(PARTIAL)) continue;
    const sha256 = name.slice(prefix.length, -PARTIAL.length);
    if (!/^[0-9a-f]{64}$/.test(sha256)) continue;
    const path = join(dirname(target), name);
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile()) return { path, sha256, size: info.size };
  }
  return undefined;
}

/**
 * Downloads into a partial file beside the target and renames it into
 * place once the SHA-256 of the whole file matched. Interrupted (Ctrl-C, a
 * lost connection), the partial file stays, and the next download to the
 * same target goes on from its end with a ranged download bound to the
 * same version; a file changed on the server meanwhile starts over. A
 * mismatch or a local failure removes it.
 */
export async function receiveResumable(
  fetch: Fetch,
  target: string,
  options: ReceiveOptions & { readonly label: string; readonly say: (line: string) => void; readonly onInfo?: (info: DownloadInfo) => void },
): Promise<DownloadInfo & { readonly resumedFrom: number }> {
  const found = await findPartial(target);
  let download: Download | undefined;
  let resumedFrom = 0;
  if (found && found.size > 0) {
    try {
      download = await fetch({ offset: found.size, sha256: found.sha256 });
      resumedFrom = found.size;
      options.say(`pail: resuming ${options.label} at ${found.size} of ${download.info.total} bytes (the rest of the same version)`);
    } catch (err) {
      if (!(err instanceof PailError) || (err.reason !== Reason.changed && err.reason !== Reason.badRange)) throw err;
      options.say(`pail: ${options.label} changed on the server since the interrupted download; starting over`);
    }
  }
  if (found && resumedFrom === 0) await rm(found.path, { force: true });
  download ??= await fetch();
  const { info } = download;
  options.onInfo?.(info);
  const partial = partialPath(target, info.sha256);
  try {
    const hash = createHash('sha256');
    if (resumedFrom > 0) await hashFileBytes(hash, partial, { end: resumedFrom });
    const sink = resumedFrom > 0 ? createWriteStream(partial, { flags: 'r+', start: resumedFrom }) : createWriteStream(partial, { flags: 'w' });
    await receive(download, sink, { ...options, end: true, resuming: { hash, before: resumedFrom } });
    await rename(partial, target);
  } catch (err) {
    download.body.destroy();
    const keep = options.signal.aborted || err instanceof InterruptedError || isConnectionLost(err);
    if (!keep) await rm(partial, { force: true });
    else options.say(`pail: kept what was received of ${options.label} in ${partial}; get it again to resume`);
    const fsError = err as NodeJS.ErrnoException;
    if (fsError.path === partial) throw new LocalFileError(`cannot save to ${target}: ${fsError.code ?? fsError.message}`, { cause: err });
    throw err;
  }
  return { ...info, resumedFrom };
}
