import { PAGE, TARGETS, type HugeBucketOutcome, type HugeBucketResult, type Iteration } from './huge-bucket.ts';
import { MiB } from './stats.ts';

export interface ReportRow {
  readonly section: string;
  readonly measure: string;
  readonly value: string;
  readonly ratio?: string;
}

const SECTION = 'huge bucket';
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
const msText = (v: number) => `${v.toFixed(1)} ms`;
const count = (n: number) => n.toLocaleString('en-US');
const short = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));

/** The table's rows for one size: each figure with the target beside it. */
export function hugeBucketRows(files: number, outcome: HugeBucketOutcome): ReportRow[] {
  if ('skipped' in outcome) return [{ section: SECTION, measure: `${count(files)} files`, value: 'not measured', ratio: outcome.skipped }];
  const r = outcome.measured;
  const n = short(r.files);
  return [
    { section: SECTION, measure: `${n}: made in ${count(r.folders)} folders by an operator (sync fs calls)`, value: `${r.createSeconds.toFixed(1)} s`, ratio: `removed in ${r.removeSeconds.toFixed(1)} s · load average ${r.loadAverage.toFixed(1)} as measuring began` },
    { section: SECTION, measure: `${n}: first page of ${count(PAGE)}, fresh server`, value: msText(r.firstPage.ms), ratio: `target < ${TARGETS.pageMs} ms` },
    ...passRows(n, 'first pass, pipelined', r.iteration),
    ...passRows(n, 'second pass, a page at a time', r.warmIteration),
    ...passRows(n, 'third pass, pipelined', r.warmPipelined),
    { section: SECTION, measure: `${n}: one folder's page, delimiter=/ (${r.folderPage.prefix})`, value: `cold ${msText(r.folderPage.coldMs)}`, ratio: `warm ${msText(r.folderPage.warmMs)}` },
    {
      section: SECTION,
      measure: `${n}: bucket server RSS after every page`,
      value: mib(r.rss.afterIteration),
      ratio: `peak ${mib(r.rss.peak)} · at start ${mib(r.rss.started)} · target < ${mib(TARGETS.rssBytes)}`,
    },
    { section: SECTION, measure: `${n}: ls_b after every page (folder totals added up)`, value: msText(r.lsB.ms) },
    {
      section: SECTION,
      measure: `${n}: a file written behind Pail's back, listed`,
      value: `after ${msText(r.behindBack.ms)}`,
      ratio: `${r.behindBack.polls} polls · ls_b then ${msText(r.behindBack.lsBMs)}`,
    },
    {
      section: SECTION,
      measure: `${n}: fresh server${r.restarted.cachesDropped ? ', kernel caches dropped' : ' (kernel caches kept: not root)'}`,
      value: `first page ${msText(r.restarted.firstPageMs)}`,
      ratio: `ls_b cold ${msText(r.restarted.lsBColdMs)}${r.restarted.lsBColdPastClientTimeout ? ' (past the client’s reply timeout: it would have given up)' : ''} · warm ${msText(r.restarted.lsBWarmMs)} · RSS then ${mib(r.restarted.rssAfterLsB)}`,
    },
    { section: SECTION, measure: `${n}: SHA-256s computed in the background meanwhile`, value: count(r.hashRecords), ratio: 'files copied in are hashed as listings meet them' },
  ];
}

/** How the bucket server's memory grows with the files it has listed: each size's RSS and the slope from the smallest to the largest. */
export function memoryGrowthRow(measured: readonly HugeBucketResult[]): ReportRow | undefined {
  if (measured.length < 2) return undefined;
  const [small, large] = [measured[0], measured.at(-1)!];
  const perFile = (large.rss.afterIteration - small.rss.afterIteration) / (large.files - small.files);
  return {
    section: SECTION,
    measure: 'bucket server RSS after every page, by files',
    value: measured.map((r) => `${short(r.files)} ${mib(r.rss.afterIteration)}`).join(' · '),
    ratio: `≈ ${perFile.toFixed(0)} bytes per file from ${short(small.files)} to ${short(large.files)}`,
  };
}

/** The rows of one pass over every page: page times, rows per second, CPU per 1,000 rows. */
function passRows(n: string, pass: string, it: Iteration): ReportRow[] {
  return [
    {
      section: SECTION,
      measure: `${n}: ${pass}, every later page, no delimiter (${count(it.pages)} pages)`,
      value: `p50 ${msText(it.p50Ms)}`,
      ratio: `p99 ${msText(it.p99Ms)} · max ${msText(it.maxMs)} · ${it.overTarget} over ${TARGETS.pageMs} ms · target < ${TARGETS.pageMs} ms`,
    },
    { section: SECTION, measure: `${n}: ${pass}, all pages end to end`, value: `${count(Math.round(it.rowsPerSecond))} rows/s`, ratio: `target ≥ ${count(TARGETS.rowsPerSecond)} rows/s` },
    {
      section: SECTION,
      measure: `${n}: ${pass}, CPU per ${count(PAGE)} rows`,
      value: `server ${msText(it.serverCpuMsPer1000)}`,
      ratio: `client ${msText(it.clientCpuMsPer1000)} (CPU time, not stretched by the machine's other work)`,
    },
  ];
}
