import { mkdir, stat } from 'node:fs/promises';
import type { CommandContext } from '../commands/command.ts';
import { failureLine, LocalFileError, type FailureReport } from '../errors.ts';
import { formatBytes } from '../format.ts';
import { forEachBounded } from './bounded.ts';
import type { BucketTree, LocalEntry, RemoteEntry } from './entries.ts';
import { walkLocal } from './local-walk.ts';
import { walkRemote } from './remote-walk.ts';
import { TreeProgress } from './tree-progress.ts';
import { downloadEntry, uploadEntry } from './transfers.ts';

/**
 * Connections a tree's transfers use side by side: enough to keep a link busy
 * through each file's round trips and the server's per-file work, few enough
 * not to crowd a small server or a slow disk.
 */
export const TRANSFER_CONNECTIONS = 4;

/** A local path that is not copied, and why. */
export interface Skipped {
  readonly path: string;
  readonly why: string;
}

/** Where skipped paths are noted for people and collected for --json. */
export function skipNotes(context: CommandContext): { skipped: Skipped[]; note: (path: string, why: string) => void } {
  const skipped: Skipped[] = [];
  return {
    skipped,
    note: (path, why) => {
      skipped.push({ path, why });
      context.output.note(`pail: skipped ${path}: ${why}`);
    },
  };
}

export async function localFolder(path: string): Promise<void> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new LocalFileError(`cannot read ${path}: ${err.code === 'ENOENT' ? 'no such folder' : (err.code ?? err.message)}`, { cause: err });
  });
  if (!info.isDirectory()) throw new LocalFileError(`${path} is not a folder (put -r takes a folder)`);
}

/** Makes the download root if need be; refuses a root that is a file. */
export async function makeRoot(path: string): Promise<void> {
  await mkdir(path, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
    throw new LocalFileError(`cannot save into ${path}: ${err.code === 'EEXIST' || err.code === 'ENOTDIR' ? 'not a folder' : (err.code ?? err.message)}`, { cause: err });
  });
}

export type PutOutcome = { source: string; bucket: string; name: string } & ({ size: number; sha256: string; modified: string } | { error: FailureReport });

/** `put -r DIR BUCKET[/PREFIX]`: every file and empty folder under DIR, at PREFIX + its path. */
export async function putTree(context: CommandContext, root: string, tree: BucketTree, options: { overwrite: boolean }): Promise<{ files: PutOutcome[]; skipped: Skipped[] }> {
  await localFolder(root);
  const { skipped, note } = skipNotes(context);
  const entries: LocalEntry[] = [];
  for await (const entry of walkLocal(root, note)) entries.push(entry);
  const files = new Array<PutOutcome>(entries.length);
  await runBounded(context, 'put', entries, async (entry, index, progress) => {
    const counter = progress.file();
    const result = await uploadEntry(progress.pool, tree, entry, { signal: context.signal, overwrite: options.overwrite, onBytes: counter.bytes });
    counter.done(result.ok);
    const name = tree.prefix + entry.key;
    files[index] = { source: entry.path, bucket: tree.bucket, name, ...(result.ok ? result.result : { error: result.error }) };
    progress.say(() => {
      if (result.ok) context.output.line(`uploaded ${tree.bucket}/${name}  ${formatBytes(result.result.size)}  sha256 ${result.result.sha256}`);
      else context.output.note(`pail: not uploaded ${tree.bucket}/${name}: ${failureLine(result.error)}`);
    });
  });
  return { files, skipped };
}

export type GetOutcome = { bucket: string; name: string } & ({ dest: string; size: number; sha256: string; modified: string } | { error: FailureReport });

/** `get -r BUCKET/PREFIX DIR`: every key under PREFIX, at DIR + its path below PREFIX. */
export async function getTree(context: CommandContext, tree: BucketTree, root: string, pageSize: number | undefined): Promise<{ files: GetOutcome[] }> {
  await makeRoot(root);
  const connection = await context.connect();
  const entries: RemoteEntry[] = [];
  for await (const entry of walkRemote(connection, tree, pageSize)) entries.push(entry);
  const files = new Array<GetOutcome>(entries.length);
  await runBounded(context, 'get', entries, async (entry, index, progress) => {
    const counter = progress.file();
    const result = await downloadEntry(progress.pool, tree, root, entry, { signal: context.signal, onBytes: counter.bytes });
    counter.done(result.ok);
    const base = { bucket: tree.bucket, name: entry.fullKey };
    if (result.ok) {
      const { target, size, sha256, modified } = result.result;
      files[index] = { ...base, dest: target, size, sha256, modified };
      progress.say(() =>
        context.output.line(
          entry.kind === 'folder'
            ? `made folder ${target} for ${tree.bucket}/${entry.fullKey}`
            : `downloaded ${tree.bucket}/${entry.fullKey} → ${target}  ${formatBytes(size)}  sha256 ${sha256} checked`,
        ),
      );
    } else {
      files[index] = { ...base, error: result.error };
      progress.say(() => context.output.note(`pail: not downloaded ${tree.bucket}/${entry.fullKey}: ${failureLine(result.error)}`));
    }
  });
  return { files };
}

/** A tree job's bar and connections, lent to each step. */
export interface JobLane {
  readonly pool: ReturnType<CommandContext['pool']>;
  file: TreeProgress['file'];
  /** Prints between drawings of the bar, so a line never lands on it. */
  say(print: () => void): void;
}

/** Runs `step` on each entry, TRANSFER_CONNECTIONS at once, under one bar for the whole job. */
export async function runBounded<E extends { size: number }>(
  context: CommandContext,
  verb: string,
  entries: readonly E[],
  step: (entry: E, index: number, lane: JobLane) => Promise<void>,
): Promise<void> {
  const progress = new TreeProgress(context, verb, entries.length, entries.reduce((sum, e) => sum + e.size, 0));
  const pool = context.pool(TRANSFER_CONNECTIONS);
  const lane: JobLane = {
    pool,
    file: () => progress.file(),
    say: (print) => {
      progress.clear();
      print();
    },
  };
  try {
    await forEachBounded(entries.map((entry, index) => ({ entry, index })), TRANSFER_CONNECTIONS, ({ entry, index }) => step(entry, index, lane));
  } finally {
    progress.clear();
    await pool.close();
  }
}
