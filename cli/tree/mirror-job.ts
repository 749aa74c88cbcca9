import { join } from 'node:path';
import { compareKeys } from '../../shared/protocol/names.ts';
import type { PailPool } from '../../shared/client/pool.ts';
import type { CommandContext } from '../commands/command.ts';
import { failureLine, type FailureReport } from '../errors.ts';
import { formatBytes } from '../format.ts';
import type { BucketTree, LocalEntry, RemoteEntry, TreeEntry } from './entries.ts';
import { sha256OfFile } from './hash.ts';
import { walkLocal } from './local-walk.ts';
import { planMirror, type Plan } from './plan.ts';
import { walkRemote } from './remote-walk.ts';
import { deleteLocal, deleteRemote, downloadEntry, pruneEmptyFolders, uploadEntry, type Outcome } from './transfers.ts';
import { localFolder, makeRoot, runBounded, skipNotes, type Skipped } from './tree-jobs.ts';

/** Which way a mirror copies: a local folder to a bucket's prefix, or back. */
export type MirrorDirection = { readonly to: 'bucket'; readonly root: string; readonly tree: BucketTree } | { readonly to: 'local'; readonly tree: BucketTree; readonly root: string };

export interface MirrorOptions {
  readonly delete: boolean;
  readonly dryRun: boolean;
  readonly pageSize: number | undefined;
}

export interface MirrorAction {
  readonly action: 'copy' | 'delete';
  readonly key: string;
  readonly why?: 'new' | 'changed';
  readonly size: number;
  readonly error?: FailureReport;
}

export interface MirrorSummary {
  readonly copied: number;
  readonly unchanged: number;
  readonly deleted: number;
  /** On the destination only, kept without --delete. */
  readonly kept: number;
  readonly failed: number;
  /** Bytes copied (or that would be, in a dry run). */
  readonly bytes: number;
}

export interface MirrorReport {
  readonly summary: MirrorSummary;
  readonly actions: MirrorAction[];
  readonly skipped: Skipped[];
}

/**
 * Makes the destination like the source: plans by walking both sides in key
 * order (planMirror), then deletes what the source no longer has (with
 * --delete), then copies what differs, a few at once. A dry run plans and
 * says what it would do, changing nothing.
 */
export async function mirrorTree(context: CommandContext, direction: MirrorDirection, options: MirrorOptions): Promise<MirrorReport> {
  const { skipped, note } = skipNotes(context);
  const connection = await context.connect();
  const { signal } = context;
  const remoteSha256 = async (entry: RemoteEntry) =>
    // A file copied in behind the server's back has no SHA-256 until the server computed it; stat waits for it.
    entry.sha256 ?? (await connection.stat(direction.tree.bucket, entry.fullKey)).sha256;
  const localSha256 = (entry: LocalEntry) => sha256OfFile(entry.path, signal);
  const remote = walkRemote(connection, direction.tree, options.pageSize);
  if (direction.to === 'bucket') {
    await localFolder(direction.root);
    const plan = await planMirror(walkLocal(direction.root, note), remote, { sourceSha256: localSha256, destSha256: remoteSha256 }, options);
    // Named by their key in the bucket, where the copies land and the deletes happen.
    const keyName = (e: TreeEntry) => `${direction.tree.bucket}/${direction.tree.prefix}${e.key}`;
    return execute(context, plan, options, skipped, { copy: keyName, delete: keyName }, {
      remove: (entry, pool) => deleteRemote(pool, direction.tree, entry, signal),
      copy: (copy, pool, onBytes) => uploadEntry(pool, direction.tree, copy.entry, { signal, overwrite: true, sha256: copy.sha256, onBytes }),
    });
  }
  if (!options.dryRun) await makeRoot(direction.root);
  const plan = await planMirror(remote, walkLocal(direction.root, note), { sourceSha256: remoteSha256, destSha256: localSha256 }, options);
  // Copies named by their key in the bucket, deletes by the local path they remove.
  const names = { copy: (e: TreeEntry) => `${direction.tree.bucket}/${direction.tree.prefix}${e.key}`, delete: (e: TreeEntry) => join(direction.root, e.key) };
  return execute(context, plan, options, skipped, names, {
    remove: (entry) => deleteLocal(entry, signal),
    afterRemoves: (removed) => pruneEmptyFolders(direction.root, removed),
    copy: (copy, pool, onBytes) => downloadEntry(pool, direction.tree, direction.root, copy.entry, { signal, onBytes }),
  });
}

interface Steps<S extends TreeEntry, D extends TreeEntry> {
  remove(entry: D, pool: PailPool): Promise<Outcome<unknown>>;
  afterRemoves?(removed: D[]): Promise<void>;
  copy(copy: Plan<S, D>['copies'][number], pool: PailPool, onBytes: (n: number) => void): Promise<Outcome<unknown>>;
}

async function execute<S extends TreeEntry, D extends TreeEntry>(
  context: CommandContext,
  plan: Plan<S, D>,
  options: MirrorOptions,
  skipped: Skipped[],
  names: { readonly copy: (entry: TreeEntry) => string; readonly delete: (entry: TreeEntry) => string },
  steps: Steps<S, D>,
): Promise<MirrorReport> {
  const { output } = context;
  const actions: MirrorAction[] = [];
  const counts = { copied: 0, deleted: 0, failed: 0, bytes: 0 };
  if (options.dryRun) {
    for (const entry of plan.deletes) {
      actions.push({ action: 'delete', key: entry.key, size: entry.size });
      output.line(`would delete ${names.delete(entry)}`);
    }
    for (const { entry, why } of plan.copies) {
      actions.push({ action: 'copy', key: entry.key, why, size: entry.size });
      counts.bytes += entry.size;
      output.line(`would copy ${names.copy(entry)} (${why}, ${formatBytes(entry.size)})`);
    }
    const summary = { copied: plan.copies.length, unchanged: plan.unchanged, deleted: plan.deletes.length, kept: plan.kept, failed: 0, bytes: counts.bytes };
    return { summary, actions, skipped };
  }
  const removed: D[] = [];
  const deleting = { files: plan.deletes.length, bytes: 0 };
  await runBounded(context, 'delete', deleting, plan.deletes, async (entry, lane) => {
    const counter = lane.file();
    const result = await steps.remove(entry, lane.pool);
    counter.done(result.ok);
    if (result.ok) removed.push(entry);
    actions.push({ action: 'delete', key: entry.key, size: entry.size, ...(result.ok ? {} : { error: result.error }) });
    lane.say(() => (result.ok ? output.line(`deleted ${names.delete(entry)}`) : output.note(`pail: not deleted ${names.delete(entry)}: ${failureLine(result.error)}`)));
    return { outcome: undefined, key: entry.key, ok: result.ok, bytes: 0 };
  }).then((done) => {
    counts.deleted = done.total - done.failed;
    counts.failed += done.failed;
  });
  await steps.afterRemoves?.(removed);
  const copying = { files: plan.copies.length, bytes: plan.copies.reduce((sum, c) => sum + c.entry.size, 0) };
  await runBounded(context, 'mirror', copying, plan.copies, async (copy, lane) => {
    const counter = lane.file();
    const result = await steps.copy(copy, lane.pool, counter.bytes);
    counter.done(result.ok);
    const { entry, why } = copy;
    actions.push({ action: 'copy', key: entry.key, why, size: entry.size, ...(result.ok ? {} : { error: result.error }) });
    lane.say(() =>
      result.ok
        ? output.line(`copied ${names.copy(entry)} (${why}, ${formatBytes(entry.size)})`)
        : output.note(`pail: not copied ${names.copy(entry)}: ${failureLine(result.error)}`),
    );
    return { outcome: undefined, key: entry.key, ok: result.ok, bytes: result.ok ? entry.size : 0 };
  }).then((done) => {
    counts.copied = done.total - done.failed;
    counts.failed += done.failed;
    counts.bytes = done.bytes;
  });
  const summary = { copied: counts.copied, unchanged: plan.unchanged, deleted: counts.deleted, kept: plan.kept, failed: counts.failed, bytes: counts.bytes };
  // Done side by side, they finished in any order; reported as planned: deletes, then copies, each in key order.
  const order = (a: MirrorAction, b: MirrorAction) => (a.action === b.action ? compareKeys(a.key, b.key) : a.action === 'delete' ? -1 : 1);
  return { summary, actions: actions.sort(order), skipped };
}
