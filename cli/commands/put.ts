import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { Uploaded } from '../../shared/client/connection.ts';
import { failureLine, fileFailure, InterruptedError, LocalFileError, UsageError, type FailureReport } from '../errors.ts';
import { Exit, type ExitStatus } from '../exit.ts';
import { formatBytes } from '../format.ts';
import { openForReading } from '../local-file.ts';
import { PART_SIZE, uploadInSession, type SessionUploaded } from '../resume/session-upload.ts';
import { parseBucketTree } from '../tree/targets.ts';
import { putTree } from '../tree/tree-jobs.ts';
import { arg, RECURSIVE, type ClientCommand, type CommandContext } from './command.ts';

/** The FILE that stands for standard input. */
const STDIN = '-';

interface Source {
  readonly path: string;
  readonly name: string;
  /** Unknown for standard input, which is sent chunked. */
  readonly size: number | undefined;
  /** A local file's modification time: a file changed since an interrupted upload does not resume into it. */
  readonly mtimeMs?: number;
}

/** Starts large uploads over instead of resuming them. */
export const NO_RESUME = '--no-resume';

export const put: ClientCommand = {
  protocol: 'upload_f',
  word: 'put',
  summary:
    `Uploads local files to a bucket (BUCKET/KEY names one file's key; BUCKET/FOLDER/ puts them in a folder); ` +
    `FILE ${STDIN} reads standard input (sent chunked) and needs a key; with -r, uploads the tree under DIR to BUCKET[/PREFIX]; ` +
    `a file over ${PART_SIZE / 1024 / 1024} MiB goes through an upload session in parts of that size, and an interrupted one resumes at the next put of the same file to the same key`,
  args: [arg('file', 'path', 'local file to upload', { variadic: true }), arg('bucket', 'bucket', 'bucket to upload to')],
  flags: [
    { flag: '--name', value: 'NAME', summary: 'the key to store the file under (default: the local file name)' },
    { flag: '--overwrite', summary: 'replace a file of the same key' },
    { flag: '--sha256', value: 'HEX', summary: 'refuse the upload unless the body has this SHA-256' },
    { flag: NO_RESUME, summary: 'abort an interrupted upload of the same file instead of resuming it, and start over' },
    {
      flag: RECURSIVE,
      short: '-r',
      summary: 'FILE is a folder: upload every file under it as PREFIX/its path, empty folders as folder keys; symbolic links are not followed (skipped, and said so)',
    },
  ],
  async run(context, args) {
    const target = args.one('bucket')!;
    const paths = args.many('file');
    const name = args.flag('--name');
    const sha256 = args.flag('--sha256');
    const fresh = args.flag(NO_RESUME) === true;
    if (args.flag(RECURSIVE) === true) return putRecursive(context, paths, target, { overwrite: args.flag('--overwrite') === true, fresh }, name ?? sha256);
    const { bucket, keyOf } = keysFor(target, paths.length, typeof name === 'string' ? name : undefined);
    if (sha256 !== undefined && paths.length > 1) throw new UsageError('--sha256 checks one file; give one FILE with it');
    if (paths.filter((p) => p === STDIN).length > 1) throw new UsageError(`standard input can be read once; give ${STDIN} once`);
    const sources = await Promise.all(paths.map((path) => source(path, keyOf, context)));
    const options = { overwrite: args.flag('--overwrite') === true, sha256: typeof sha256 === 'string' ? sha256.toLowerCase() : undefined, fresh };
    const outcomes: Outcome[] = [];
    for (const from of sources) {
      const outcome = await putOne(context, bucket, from, options);
      outcomes.push(outcome);
      // Said as each file lands or is refused, so the outcome of every file is on the screen however the rest go.
      if ('error' in outcome) context.output.note(`pail: not uploaded ${bucket}/${outcome.name}: ${failureLine(outcome.error)}`);
      else context.output.line(`uploaded ${bucket}/${outcome.name}  ${formatBytes(outcome.size)}  sha256 ${outcome.sha256}`);
    }
    const failed = outcomes.filter((o) => 'error' in o).length;
    if (failed === 0) return context.output.report({ files: outcomes }, []);
    if (outcomes.length > 1) context.output.note(`pail: ${failed} of ${outcomes.length} files not uploaded`);
    context.output.report({ files: outcomes }, [], { ok: false });
    return Exit.refused;
  },
};

type Outcome =
  | ((Uploaded | SessionUploaded) & { source: string; bucket: string; name: string })
  | { source: string; bucket: string; name: string; error: FailureReport };

/**
 * Sends one file over a connection of its own asking (the server closes the
 * connection after a refused upload, and the next ask opens another). A
 * refusal or an unreadable file is this file's outcome; an unreachable
 * server or Ctrl-C stops the whole command.
 */
async function putOne(
  context: CommandContext,
  bucket: string,
  { path, name, size, mtimeMs }: Source,
  options: { overwrite: boolean; sha256: string | undefined; fresh: boolean },
): Promise<Outcome> {
  const failed = (error: FailureReport): Outcome => ({ source: path, bucket, name, error });
  if (size !== undefined && size > PART_SIZE && mtimeMs !== undefined) return putInSession(context, bucket, { path, name, size, mtimeMs }, options, failed);
  let body: Readable;
  try {
    body = path === STDIN ? context.stdin! : await openForReading(path);
  } catch (err) {
    if (err instanceof LocalFileError) return failed({ message: err.message });
    throw err;
  }
  const progress = context.progress(`put ${name}`, size);
  // The cut connection fails a write, but not a wait for more input (standard input); this ends that wait.
  const stop = () => body.destroy(new InterruptedError());
  context.signal.addEventListener('abort', stop, { once: true });
  try {
    const connection = await context.connect();
    const result = await connection.upload(bucket, name, body, { size, overwrite: options.overwrite, sha256: options.sha256, onProgress: (sent) => progress.update(sent) });
    return { source: path, bucket, name, ...result };
  } catch (err) {
    const report = context.signal.aborted ? undefined : fileFailure(err);
    if (!report) throw err;
    return failed(report);
  } finally {
    context.signal.removeEventListener('abort', stop);
    progress.finish();
    body.destroy();
  }
}

/** A large file, through an upload session that a later put of the same file resumes. */
async function putInSession(
  context: CommandContext,
  bucket: string,
  { path, name, size, mtimeMs }: { path: string; name: string; size: number; mtimeMs: number },
  options: { overwrite: boolean; sha256: string | undefined; fresh: boolean },
  failed: (error: FailureReport) => Outcome,
): Promise<Outcome> {
  const progress = context.progress(`put ${name}`, size);
  try {
    const result = await uploadInSession(
      (work) => context.connect().then(work),
      { server: context.server, bucket, key: name, path: resolve(path), size, mtimeMs },
      {
        ...options,
        signal: context.signal,
        onBytes: (done) => progress.update(done),
        say: (line) => {
          progress.finish();
          context.output.note(line);
        },
      },
    );
    return { source: path, bucket, name, ...result };
  } catch (err) {
    const report = context.signal.aborted ? undefined : fileFailure(err);
    if (!report) throw err;
    return failed(report);
  } finally {
    progress.finish();
  }
}

/** The key of each FILE: `undefined` when only a file name would give it (standard input has none). */
type KeyOf = (path: string) => string | undefined;

/**
 * Where the files go: BUCKET (their names), BUCKET/FOLDER/ (in that folder),
 * BUCKET/KEY for one file (that key, as --name gives it); several files with
 * BUCKET/FOLDER go in that folder.
 */
function keysFor(target: string, files: number, name: string | undefined): { bucket: string; keyOf: KeyOf } {
  const slash = target.indexOf('/');
  const bucket = slash < 0 ? target : target.slice(0, slash);
  const rest = slash < 0 ? '' : target.slice(slash + 1);
  if (name !== undefined && files > 1) throw new UsageError('--name names one file; give one FILE with it');
  const named = (path: string) => name ?? (path === STDIN ? undefined : basename(path));
  if (rest === '' || rest.endsWith('/')) return { bucket, keyOf: (path) => withFolder(rest, named(path)) };
  if (files > 1) return { bucket, keyOf: (path) => withFolder(`${rest}/`, named(path)) };
  if (name !== undefined) throw new UsageError(`${target} names the key already; give either BUCKET/KEY or --name`);
  return { bucket, keyOf: () => rest };
}

function withFolder(folder: string, name: string | undefined): string | undefined {
  return name === undefined ? undefined : folder + name;
}

/** Checks a FILE before anything is sent, so a typo fails the whole command early. */
async function source(path: string, keyOf: KeyOf, context: CommandContext): Promise<Source> {
  const name = keyOf(path);
  if (path === STDIN) {
    if (!context.stdin) throw new UsageError(`put ${STDIN} reads standard input, which the shell reads commands from`);
    if (name === undefined) throw new UsageError(`put ${STDIN} needs --name NAME or BUCKET/KEY: standard input has no file name`);
    return { path, name, size: undefined };
  }
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new LocalFileError(`cannot read ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, { cause: err });
  });
  if (!info.isFile()) throw new LocalFileError(`${path} is not a file${info.isDirectory() ? ` (put -r uploads a folder)` : ''}`);
  return { path, name: name!, size: info.size, mtimeMs: info.mtimeMs };
}

/** `put -r DIR BUCKET[/PREFIX]` */
async function putRecursive(context: CommandContext, paths: readonly string[], target: string, options: { overwrite: boolean; fresh: boolean }, perFile: unknown): Promise<ExitStatus | void> {
  if (paths.length !== 1) throw new UsageError('put -r takes one DIR: put -r DIR BUCKET[/PREFIX]');
  if (paths[0] === STDIN) throw new UsageError(`put -r takes a folder, not standard input`);
  if (perFile !== undefined) throw new UsageError('--name and --sha256 are for one file; put -r names each file by its path');
  const tree = parseBucketTree(target);
  const { outcomes: files, skipped, total, failed, bytes } = await putTree(context, paths[0], tree, options);
  const summary = `put -r: ${total - failed} of ${total} uploaded to ${tree.bucket}/${tree.prefix}, ${formatBytes(bytes)}${skipped.length ? `, ${skipped.length} skipped` : ''}`;
  if (failed === 0) return context.output.report({ files, skipped }, [summary]);
  context.output.note(`pail: ${failed} of ${total} not uploaded`);
  context.output.report({ files, skipped }, [summary], { ok: false });
  return Exit.refused;
}
