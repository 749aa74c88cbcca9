import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LocalFileError, UsageError } from '../errors.ts';
import { Exit } from '../exit.ts';
import { formatBytes } from '../format.ts';
import type { Progress } from '../progress.ts';
import { receive, receiveResumable } from '../receive.ts';
import { folderPrefix } from '../tree/targets.ts';
import { getTree } from '../tree/tree-jobs.ts';
import { arg, PAGE_SIZE_FLAG, pageSizeOf, RECURSIVE, type ClientCommand, type CommandContext, type ParsedArgs } from './command.ts';

/** The DEST that stands for standard output. */
const STDOUT = '-';
/** Asks for a file's bytes on standard output even when that is a terminal (as curl's `--output -` does). */
const TO_TERMINAL = '--to-terminal';

export const get: ClientCommand = {
  protocol: 'download',
  word: 'get',
  summary:
    `Downloads a file to DEST (a file, a folder, or ${STDOUT} for standard output; default: its name here) and checks its SHA-256; ` +
    'BUCKET/NAME is BUCKET NAME; with -r, NAME is a folder (BUCKET/ for the whole bucket) and DEST the local folder to fill (default: here)',
  args: [
    arg('bucket', 'bucket', 'bucket', { slashFills: 'name' }),
    arg('name', 'key', 'file to download'),
    arg('dest', 'path', 'save as', { optional: true }),
  ],
  flags: [
    { flag: TO_TERMINAL, summary: `with DEST ${STDOUT}, write the bytes even when standard output is a terminal (refused otherwise: they may be binary)` },
    {
      flag: RECURSIVE,
      short: '-r',
      summary: 'download every key under the folder NAME into DEST at its path below NAME, each checked by SHA-256; never writes outside DEST',
    },
    PAGE_SIZE_FLAG,
  ],
  async run(context, args) {
    if (args.flag(RECURSIVE) === true) return getRecursive(context, args);
    const bucket = args.one('bucket')!;
    const name = args.one('name')!;
    const dest = args.one('dest');
    const onTerminal = dest === STDOUT && context.stdout.isTTY === true;
    if (onTerminal && args.flag(TO_TERMINAL) !== true) {
      throw new UsageError(`get … ${STDOUT} would write ${name}'s bytes to the terminal, which binary output can garble; give ${TO_TERMINAL} to write them anyway, or redirect standard output`);
    }
    // Settle where the file goes before the server starts sending it.
    const target = dest === STDOUT ? undefined : await targetPath(dest ?? baseName(name), name);
    if (target !== undefined) return getFile(context, bucket, name, target);
    const download = await (await context.connect()).download(bucket, name);
    // A bar on the terminal the bytes go to would share their lines.
    const progress = onTerminal ? undefined : context.progress(`get ${name}`, download.info.length);
    try {
      context.output.yieldStdout();
      await receive(download, context.stdout, { signal: context.signal, onBytes: (received: number) => progress?.update(received), end: false });
    } finally {
      progress?.finish();
    }
    const { sha256, modified, length } = download.info;
    context.output.report(
      { bucket, name, dest: STDOUT, size: length, sha256, modified },
      [`downloaded ${bucket}/${name} → standard output  ${formatBytes(length)}  sha256 ${sha256} checked`],
    );
  },
};

/** Into a file, resuming a download of it that was interrupted (see receiveResumable). */
async function getFile(context: CommandContext, bucket: string, name: string, target: string): Promise<void> {
  let progress: Progress | undefined;
  try {
    const info = await receiveResumable((from) => context.connect().then((c) => c.download(bucket, name, from)), target, {
      signal: context.signal,
      label: `${bucket}/${name}`,
      say: (line) => context.output.note(line),
      onInfo: (info) => (progress = context.progress(`get ${name}`, info.total)),
      onBytes: (done) => progress?.update(done),
    });
    const { sha256, modified, total, resumedFrom } = info;
    context.output.report(
      { bucket, name, dest: target, size: total, sha256, modified, ...(resumedFrom > 0 ? { resumedFrom } : {}) },
      [`downloaded ${bucket}/${name} → ${target}  ${formatBytes(total)}  sha256 ${sha256} checked`],
    );
  } finally {
    progress?.finish();
  }
}

/** A key's last segment: the file's own name, for a default DEST. */
function baseName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

/** DEST itself, or the key's file name inside DEST when DEST is a folder. */
async function targetPath(dest: string, name: string): Promise<string> {
  const info = await stat(dest).catch(() => undefined);
  if (info?.isDirectory() || dest.endsWith('/')) return join(dest, baseName(name));
  const folder = await stat(dirname(dest)).catch(() => undefined);
  if (!folder?.isDirectory()) throw new LocalFileError(`cannot save to ${dest}: there is no folder ${dirname(dest)}`);
  return dest;
}

/** `get -r BUCKET/PREFIX DIR` */
async function getRecursive(context: CommandContext, args: ParsedArgs) {
  const dest = args.one('dest') ?? '.';
  if (dest === STDOUT) throw new UsageError(`get -r writes a tree of files, not standard output`);
  const tree = { bucket: args.one('bucket')!, prefix: folderPrefix(args.one('name')!) };
  const { outcomes: files, total, failed, bytes } = await getTree(context, tree, dest, pageSizeOf(args));
  const summary = `get -r: ${total - failed} of ${total} downloaded from ${tree.bucket}/${tree.prefix} into ${dest}, ${formatBytes(bytes)}`;
  if (failed === 0) return context.output.report({ files }, [summary]);
  context.output.note(`pail: ${failed} of ${total} not downloaded`);
  context.output.report({ files }, [summary], { ok: false });
  return Exit.refused;
}
