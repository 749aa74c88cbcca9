import type { ReportRow } from './huge-bucket-report.ts';
import type { SmallTree, TreeCopy, TreeRound } from './small-tree.ts';
import { MB } from './stats.ts';

const SECTION = 'S3 tree';
const KINDS: readonly { key: keyof TreeRound; what: string; against?: keyof TreeRound; againstName?: string }[] = [
  { key: 'rcloneLocal', what: 'rclone copy local → local (no network, no server, no fsync)' },
  { key: 'rcloneUp', what: 'rclone copy up to Pail through S3', against: 'cliUp', againstName: 'pail put -r' },
  { key: 'rcloneDown', what: 'rclone copy down from Pail through S3', against: 'cliDown', againstName: 'pail get -r' },
  { key: 'cliUp', what: 'pail put -r over TCP (4 at once, as rclone)' },
  { key: 'cliDown', what: 'pail get -r over TCP (4 at once, as rclone)' },
];

/** Each copy's median round (by time) over all rounds. */
function median(rounds: readonly TreeRound[], key: keyof TreeRound): TreeCopy {
  return [...rounds.map((r) => r[key])].sort((a, b) => a.seconds - b.seconds)[rounds.length >> 1];
}

/**
 * The rows of the small-file tree: files/s and MB/s of each copy's median round, against rclone's own
 * local → local copy (the ceiling of this shape on this machine) and, for rclone through S3, against Pail's own
 * tree transfer of the same direction.
 */
export function smallTreeRows(tree: SmallTree, rounds: readonly TreeRound[]): ReportRow[] {
  const ceiling = median(rounds, 'rcloneLocal');
  const rate = (c: TreeCopy) => tree.files / c.seconds;
  return KINDS.map(({ key, what, against, againstName }) => {
    const c = median(rounds, key);
    const ratios = [
      `${(tree.bytes / MB / c.seconds).toFixed(1)} MB/s`,
      key === 'rcloneLocal' ? '' : `${(rate(c) / rate(ceiling)).toFixed(2)}× rclone local`,
      against ? `${(rate(c) / rate(median(rounds, against))).toFixed(2)}× ${againstName}` : '',
    ];
    return { section: SECTION, measure: `${what}, ${tree.files.toLocaleString('en-US')} files`, value: `${rate(c).toFixed(0)} files/s`, ratio: ratios.filter(Boolean).join(' · ') };
  });
}

/** One check for every copy of every round: the copy completed and its check found no difference. */
export function smallTreeChecks(tree: SmallTree, rounds: readonly TreeRound[]): { what: string; ok: boolean; why?: string }[] {
  return rounds.flatMap((round, i) =>
    KINDS.map(({ key, what }) => ({
      what: `${what}, ${tree.files} files${rounds.length > 1 ? ` (round ${i + 1})` : ''}: ${key.startsWith('cli') ? 'every file sent and its SHA-256 checked' : 'rclone check finds no difference'}`,
      ok: round[key].ok,
      why: round[key].why,
    })),
  );
}
