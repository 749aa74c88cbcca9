import { stat } from 'node:fs/promises';
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
 * The direction: SOURCE is a local folder when one of that name exists here,
 * else it is the bucket side.
 */
export const mirror: ClientCommand = {
  word: 'mirror',
  runs: ['ls_f', 'stat', 'upload_f', 'download', 'delete_f'],
  summary:
    'Makes DEST like SOURCE, one a local folder and the other BUCKET[/PREFIX] (SOURCE is the local side when such a folder exists): ' +
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

async function directionOf(source: string, dest: string): Promise<MirrorDirection> {
  const isFolder = async (path: string) => (await stat(path).catch(() => undefined))?.isDirectory() === true;
  if (await isFolder(source)) return { to: 'bucket', root: source, tree: parseBucketTree(dest) };
  if (source.startsWith('.') || source.startsWith('/')) throw new UsageError(`there is no local folder ${source} to mirror from`);
  return { to: 'local', tree: parseBucketTree(source), root: dest };
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
