import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Download } from '../../shared/client/connection.ts';
import { PailError, UnreachableError } from '../../shared/client/errors.ts';
import { PeerGone } from '../../shared/net/socket-reader.ts';
import { Code } from '../../shared/protocol/codes.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { LocalFileError, UsageError } from '../errors.ts';
import { formatBytes } from '../format.ts';
import { NO_PROGRESS } from '../progress.ts';
import { arg, type ClientCommand, type CommandContext } from './command.ts';

/** The DEST that stands for standard output. */
const STDOUT = '-';
/** Asks for a file's bytes on standard output even when that is a terminal (as curl's `--output -` does). */
const TO_TERMINAL = '--to-terminal';

export const get: ClientCommand = {
  protocol: 'download',
  word: 'get',
  summary: `Downloads a file to DEST (a file, a folder, or ${STDOUT} for standard output; default: its name here) and checks its SHA-256`,
  args: [
    arg('bucket', 'bucket', 'bucket'),
    arg('name', 'key', 'file to download'),
    arg('dest', 'path', 'save as', { optional: true }),
  ],
  flags: [{ flag: TO_TERMINAL, summary: `with DEST ${STDOUT}, write the bytes even when standard output is a terminal (refused otherwise: they may be binary)` }],
  async run(context, args) {
    const bucket = args.one('bucket')!;
    const name = args.one('name')!;
    const dest = args.one('dest');
    const onTerminal = dest === STDOUT && context.stdout.isTTY === true;
    if (onTerminal && args.flag(TO_TERMINAL) !== true) {
      throw new UsageError(`get … ${STDOUT} would write ${name}'s bytes to the terminal, which binary output can garble; give ${TO_TERMINAL} to write them anyway, or redirect standard output`);
    }
    // Settle where the file goes before the server starts sending it.
    const target = dest === STDOUT ? undefined : await targetPath(dest ?? name, name);
    const download = await (await context.connect()).download(bucket, name);
    if (target === undefined) {
      context.output.yieldStdout();
      // A bar on the terminal the bytes go to would share their lines.
      await receive(context, download, name, context.stdout, { end: false, progress: !onTerminal });
    } else {
      await receiveFile(context, download, name, target);
    }
    const { sha256, modified, length } = download.info;
    context.output.report(
      { bucket, name, dest: target ?? STDOUT, size: length, sha256, modified },
      [`downloaded ${bucket}/${name} → ${target ?? 'standard output'}  ${formatBytes(length)}  sha256 ${sha256} checked`],
    );
  },
};

/** DEST itself, or NAME inside DEST when DEST is a folder. */
async function targetPath(dest: string, name: string): Promise<string> {
  const info = await stat(dest).catch(() => undefined);
  if (info?.isDirectory() || dest.endsWith('/')) return join(dest, name);
  const folder = await stat(dirname(dest)).catch(() => undefined);
  if (!folder?.isDirectory()) throw new LocalFileError(`cannot save to ${dest}: there is no folder ${dirname(dest)}`);
  return dest;
}

/**
 * Writes the body to a temporary name beside the target and renames it into
 * place only once the SHA-256 matched, so a cut, corrupt or interrupted
 * download never leaves a file under the target's name.
 */
async function receiveFile(context: CommandContext, download: Download, name: string, target: string): Promise<void> {
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.part`);
  try {
    await receive(context, download, name, createWriteStream(temp, { flags: 'wx' }), { end: true, progress: true });
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    const fsError = err as NodeJS.ErrnoException;
    if (fsError.path === temp) throw new LocalFileError(`cannot save to ${target}: ${fsError.code ?? fsError.message}`, { cause: err });
    throw err;
  }
}

async function receive(
  context: CommandContext,
  { info, body }: Download,
  name: string,
  sink: Writable,
  options: { end: boolean; progress: boolean },
) {
  const hash = createHash('sha256');
  const progress = options.progress ? context.progress(`get ${name}`, info.length) : NO_PROGRESS;
  let received = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      received += chunk.length;
      progress.update(received);
      done(null, chunk);
    },
  });
  try {
    await pipeline(body, tap, sink, { signal: context.signal, end: options.end });
  } catch (err) {
    // The client's body stream reports a cut connection as PeerGone.
    if (err instanceof PeerGone) throw new UnreachableError(`the bucket server closed the connection after ${received} of ${info.length} bytes`);
    throw err;
  } finally {
    progress.finish();
  }
  const actual = hash.digest('hex');
  if (actual !== info.sha256) {
    throw new PailError(Code.FDFBF, Reason.checksumMismatch, `the bytes received have SHA-256 ${actual}, not the ${info.sha256} the server announced`);
  }
}
