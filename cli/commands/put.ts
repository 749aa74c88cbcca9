import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import type { Uploaded } from '../../shared/client/connection.ts';
import { InterruptedError, LocalFileError, UsageError } from '../errors.ts';
import { formatBytes } from '../format.ts';
import { arg, type ClientCommand, type CommandContext } from './command.ts';

/** The FILE that stands for standard input. */
const STDIN = '-';

interface Source {
  readonly path: string;
  readonly name: string;
  /** Unknown for standard input, which is sent chunked. */
  readonly size: number | undefined;
}

export const put: ClientCommand = {
  protocol: 'upload_f',
  word: 'put',
  summary: `Uploads local files to a bucket; FILE ${STDIN} reads standard input (sent chunked) and needs --name`,
  args: [arg('file', 'path', 'local file to upload', { variadic: true }), arg('bucket', 'bucket', 'bucket to upload to')],
  flags: [
    { flag: '--name', value: 'NAME', summary: 'the name to store the file under (default: the local file name)' },
    { flag: '--overwrite', summary: 'replace a file of the same name' },
    { flag: '--sha256', value: 'HEX', summary: 'refuse the upload unless the body has this SHA-256' },
  ],
  async run(context, args) {
    const bucket = args.one('bucket')!;
    const paths = args.many('file');
    const name = args.flag('--name');
    const sha256 = args.flag('--sha256');
    if (name !== undefined && paths.length > 1) throw new UsageError('--name names one file; give one FILE with it');
    if (sha256 !== undefined && paths.length > 1) throw new UsageError('--sha256 checks one file; give one FILE with it');
    if (paths.filter((p) => p === STDIN).length > 1) throw new UsageError(`standard input can be read once; give ${STDIN} once`);
    const sources = await Promise.all(paths.map((path) => source(path, typeof name === 'string' ? name : undefined, context)));
    const connection = await context.connect();
    const uploaded: (Uploaded & { bucket: string; name: string; source: string })[] = [];
    for (const { path, name, size } of sources) {
      const body: Readable = path === STDIN ? context.stdin! : createReadStream(path);
      const progress = context.progress(`put ${name}`, size);
      // The cut connection fails a write, but not a wait for more input (standard input); this ends that wait.
      const stop = () => body.destroy(new InterruptedError());
      context.signal.addEventListener('abort', stop, { once: true });
      let result: Uploaded;
      try {
        result = await connection.upload(bucket, name, body, {
          size,
          overwrite: args.flag('--overwrite') === true,
          sha256: typeof sha256 === 'string' ? sha256.toLowerCase() : undefined,
          onProgress: (sent) => progress.update(sent),
        });
      } finally {
        context.signal.removeEventListener('abort', stop);
        progress.finish();
        body.destroy();
      }
      uploaded.push({ source: path, bucket, name, ...result });
      // Said as each file lands, so a failure further on leaves no doubt about the ones before.
      context.output.line(`uploaded ${bucket}/${name}  ${formatBytes(result.size)}  sha256 ${result.sha256}`);
    }
    context.output.report({ files: uploaded }, []);
  },
};

/** Checks a FILE before anything is sent, so a typo fails the whole command early. */
async function source(path: string, name: string | undefined, context: CommandContext): Promise<Source> {
  if (path === STDIN) {
    if (!context.stdin) throw new UsageError(`put ${STDIN} reads standard input, which the shell reads commands from`);
    if (name === undefined) throw new UsageError(`put ${STDIN} needs --name NAME: standard input has no file name`);
    return { path, name, size: undefined };
  }
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new LocalFileError(`cannot read ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, { cause: err });
  });
  if (!info.isFile()) throw new LocalFileError(`${path} is not a file`);
  return { path, name: name ?? basename(path), size: info.size };
}
