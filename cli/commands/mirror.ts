import { stat } from 'node:fs/promises';
import { isBucketName } from '../../shared/protocol/names.ts';
import { UsageError } from '../errors.ts';
import { Exit } from '../exit.ts';
import { formatBytes } from '../format.ts';
import { mirrorTree, type MirrorDirection, type MirrorSummary } from '../tree/mirror-job.ts';
import { parseBucketTree } from '../tree/targets.ts';
import { arg, PAGE_SIZE_FLAG, pageSizeOf, type ClientCommand } from './command.ts';

const DELETE = '--delete';
const DRY_RUN = '--dry-run';

/**
 * `mirror DIR BUCKET[/PREFIX]` and `mirror BUCKET[/PREFIX] DIR`: a command of
 * the client's own, made of listings, stats, uploads, downloads and deletes.
 * Which side is which: see directionOf.
 */
export const mirror: ClientCommand = {
  word: 'mirror',
  runs: ['ls_f', 'stat', 'upload_f', 'download', 'delete_f'],
  summary:
    'Makes DEST like SOURCE, one a local folder and the other BUCKET[/PREFIX] (a word that could be either is the local side if such a folder exists; ./NAME is always local): ' +
    'copies only what differs by size and SHA-256, a few files at once, and prints a summary',
  args: [arg('source', 'path', 'copy from (a local folder, or BUCKET/PREFIX)'), arg('dest', 'path', 'copy to (BUCKET/PREFIX, or a local folder)')],
  flags: [
    { flag: DELETE, summary: 'also delete what DEST has and SOURCE does not (under PREFIX only)' },
    { flag: DRY_RUN, summary: 'say what would be copied and deleted, and change nothing' },
    PAGE_SIZE_FLAG,
  ],
  async run(context, args) {
    const source = args.one('source')!;
    const dest = args.one('dest')!;
    const direction = await directionOf(source, dest);
    const dryRun = args.flag(DRY_RUN) === true;
    const report = await mirrorTree(context, direction, { delete: args.flag(DELETE) === true, dryRun, pageSize: pageSizeOf(args) });
    const where = direction.to === 'bucket' ? `${source} → ${direction.tree.bucket}/${direction.tree.prefix}` : `${direction.tree.bucket}/${direction.tree.prefix} → ${dest}`;
    const ok = report.summary.failed === 0;
    context.output.report({ source, dest, dryRun, ...report }, [`mirror ${where}: ${summaryLine(report.summary, dryRun)}`], { ok });
    if (!ok) return Exit.refused;
  },
};

/**
 * Which side is the bucket. A word that starts with `.`, `/` or `~`, or
 * whose first segment is no bucket name, is a local path. When both words
 * could be either, the local side is the one that exists as a folder here;
 * when both do (`mirror photos photos` after a first download), it refuses
 * rather than guess, since a wrong guess with --delete deletes the wrong side.
 */
async function directionOf(source: string, dest: string): Promise<MirrorDirection> {
  const toBucket = (): MirrorDirection => ({ to: 'bucket', root: source, tree: parseBucketTree(dest) });
  const toLocal = (): MirrorDirection => ({ to: 'local', tree: parseBucketTree(source), root: dest });
  const sourceMayBeBucket = mayBeBucket(source);
  const destMayBeBucket = mayBeBucket(dest);
  if (!sourceMayBeBucket && !destMayBeBucket) throw new UsageError(`mirror copies between a local folder and BUCKET[/PREFIX]; neither ${source} nor ${dest} names a bucket`);
  if (!sourceMayBeBucket) return toBucket();
  if (!destMayBeBucket) return toLocal();
  const [sourceIsFolder, destIsFolder] = await Promise.all([isFolder(source), isFolder(dest)]);
  if (sourceIsFolder && destIsFolder) {
    throw new UsageError(`${source} and ${dest} are both local folders and could both be buckets; write the local one as ./${source} or ./${dest}`);
  }
  return sourceIsFolder ? toBucket() : toLocal();
}

function mayBeBucket(word: string): boolean {
  return !/^[./~]/.test(word) && isBucketName(word.split('/')[0]);
}

async function isFolder(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() === true;
}

function summaryLine(s: MirrorSummary, dryRun: boolean): string {
  const would = dryRun ? 'would be ' : '';
  const parts = [
    `${s.copied} ${would}copied (${formatBytes(s.bytes)})`,
    `${s.unchanged} unchanged`,
    `${s.deleted} ${would}deleted`,
    ...(s.kept ? [`${s.kept} only in the destination, kept (${DELETE} deletes them)`] : []),
    ...(s.failed ? [`${s.failed} failed`] : []),
  ];
  return `${parts.join(', ')}${dryRun ? '; nothing changed (dry run)' : ''}`;
}
