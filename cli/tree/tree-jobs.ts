import { mkdir, stat } from 'node:fs/promises';
import { compareKeys } from '../../shared/protocol/names.ts';
import type { PailPool } from '../../shared/client/pool.ts';
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
export type GetOutcome = { bucket: string; name: string } & ({ dest: string; size: number; sha256: string; modified: string } | { error: FailureReport });

/**
 * What a tree job did. People see each outcome as it happens; `outcomes`
 * keeps them, in key order, only for --json, which reports them all at the
 * end, so that memory does not grow with the tree otherwise.
 */
export interface TreeResult<O> {
  readonly outcomes: O[];
  readonly total: number;
  readonly failed: number;
  /** Bytes of the files transferred. */
  readonly bytes: number;
}

/** Counts a tree before its job runs, for the bar's totals: a walk that keeps nothing. */
async function sizeOf(entries: AsyncIterable<{ size: number }>): Promise<{ files: number; bytes: number }> {
  const totals = { files: 0, bytes: 0 };
  for await (const entry of entries) {
    totals.files++;
    totals.bytes += entry.size;
  }
  return totals;
}

/**
 * `put -r DIR BUCKET[/PREFIX]`: every file and empty folder under DIR, at
 * PREFIX + its path. The folder is walked twice: once to count it for the
 * bar, once to send it, a few files at a time.
 */
export async function putTree(
  context: CommandContext,
  root: string,
  tree: BucketTree,
  options: { overwrite: boolean; fresh: boolean },
): Promise<TreeResult<PutOutcome> & { skipped: Skipped[] }> {
  await localFolder(root);
  // A bucket that is not there (or not allowed) fails the command once, not each of its files.
  await (await context.connect()).listPage(tree.bucket, { limit: 1 });
  const { skipped, note } = skipNotes(context);
  const totals = await sizeOf(walkLocal(root, () => {}));
  const result = await runBounded<LocalEntry, PutOutcome>(context, 'put', totals, walkLocal(root, note), async (entry, lane) => {
    const counter = lane.file();
    const session = { server: context.server, fresh: options.fresh, say: (line: string) => lane.say(() => context.output.note(line)) };
    const sent = await uploadEntry(lane.pool, tree, entry, { signal: context.signal, overwrite: options.overwrite, onBytes: counter.bytes, session });
    counter.done(sent.ok);
    const name = tree.prefix + entry.key;
    lane.say(() => {
      if (sent.ok) context.output.line(`uploaded ${tree.bucket}/${name}  ${formatBytes(sent.result.size)}  sha256 ${sent.result.sha256}`);
      else context.output.note(`pail: not uploaded ${tree.bucket}/${name}: ${failureLine(sent.error)}`);
    });
    const outcome = { source: entry.path, bucket: tree.bucket, name, ...(sent.ok ? sent.result : { error: sent.error }) };
    return { outcome, key: name, ok: sent.ok, bytes: sent.ok ? sent.result.size : 0 };
  });
  return { ...result, skipped };
}

/**
 * `get -r BUCKET/PREFIX DIR`: every key under PREFIX, at DIR + its path
 * below PREFIX. Listed twice, page by page: once to count, once to fetch.
 */
export async function getTree(context: CommandContext, tree: BucketTree, root: string, pageSize: number | undefined): Promise<TreeResult<GetOutcome>> {
  await makeRoot(root);
  const connection = await context.connect();
  const totals = await sizeOf(walkRemote(connection, tree, pageSize));
  return runBounded<RemoteEntry, GetOutcome>(context, 'get', totals, walkRemote(connection, tree, pageSize), async (entry, lane) => {
    const counter = lane.file();
    const got = await downloadEntry(lane.pool, tree, root, entry, { signal: context.signal, onBytes: counter.bytes });
    counter.done(got.ok);
    const base = { bucket: tree.bucket, name: entry.fullKey };
    if (!got.ok) {
      lane.say(() => context.output.note(`pail: not downloaded ${tree.bucket}/${entry.fullKey}: ${failureLine(got.error)}`));
      return { outcome: { ...base, error: got.error }, key: entry.fullKey, ok: false, bytes: 0 };
    }
    const { target, size, sha256, modified } = got.result;
    lane.say(() =>
      context.output.line(
        entry.kind === 'folder'
          ? `made folder ${target} for ${tree.bucket}/${entry.fullKey}`
          : `downloaded ${tree.bucket}/${entry.fullKey} → ${target}  ${formatBytes(size)}  sha256 ${sha256} checked`,
      ),
    );
    return { outcome: { ...base, dest: target, size, sha256, modified }, key: entry.fullKey, ok: true, bytes: size };
  });
}

/** A tree job's bar and connections, lent to each step. */
export interface JobLane {
  readonly pool: PailPool;
  file: TreeProgress['file'];
  /** Prints between drawings of the bar, so a line never lands on it. */
  say(print: () => void): void;
}

/** What one step did, for the job's counts (and its outcome for --json). */
export interface StepDone<O> {
  readonly outcome: O;
  readonly key: string;
  readonly ok: boolean;
  readonly bytes: number;
}

/** Runs `step` on each entry, TRANSFER_CONNECTIONS at once, under one bar for the whole job. */
export async function runBounded<E, O>(
  context: CommandContext,
  verb: string,
  totals: { readonly files: number; readonly bytes: number },
  entries: AsyncIterable<E> | Iterable<E>,
  step: (entry: E, lane: JobLane) => Promise<StepDone<O>>,
): Promise<TreeResult<O>> {
  const progress = new TreeProgress(context, verb, totals.files, totals.bytes);
  const pool = context.pool(TRANSFER_CONNECTIONS);
  const lane: JobLane = {
    pool,
    file: () => progress.file(),
    say: (print) => {
      progress.clear();
      print();
    },
  };
  const kept: StepDone<O>[] = [];
  const counts = { total: 0, failed: 0, bytes: 0 };
  try {
    await forEachBounded(entries, TRANSFER_CONNECTIONS, async (entry) => {
      const done = await step(entry, lane);
      counts.total++;
      if (!done.ok) counts.failed++;
      counts.bytes += done.bytes;
      if (context.output.json) kept.push(done);
    });
  } finally {
    progress.clear();
    await pool.close();
  }
  // Done side by side, they finished in any order; reported in key order.
  kept.sort((a, b) => compareKeys(a.key, b.key));
  return { outcomes: kept.map((d) => d.outcome), ...counts };
}
