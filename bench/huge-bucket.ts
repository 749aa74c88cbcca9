import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { PailConnection } from '../shared/client/connection.ts';
import { filePageOf } from '../shared/client/listing.ts';
import { compareKeys } from '../shared/protocol/names.ts';
import { expectedFirstKey, FILES_PER_FOLDER, folderName, makeOperatorTree, parseKey, removeTree, roomFor, treeBytes } from './operator-tree.ts';
import { spawnServer, type BenchProcess } from './spawn.ts';
import { ms, percentile } from './stats.ts';

/**
 * Issue 14's huge bucket: a tree of `files` files made straight in a fresh
 * data folder (as an operator copies files in), then served by a bucket
 * server started on it and paged through with the protocol client, 1,000 rows
 * a page. Everything is timed from the client: a page's time runs from its
 * request to its last row parsed.
 */
export const BUCKET = 'huge';
export const PAGE = 1000;
/** The targets, printed beside the figures (timings never fail the run). */
export const TARGETS = { pageMs: 50, rowsPerSecond: 200_000, rssBytes: 300 * 1024 * 1024 };
/** Bounds every wait: the whole iteration, and the poll for a file written behind Pail's back. */
const ITERATION_MAX_MS = 15 * 60_000;
const APPEAR_MAX_MS = 10_000;
/**
 * The restarted server's first ls_b stats every file of the bucket from a cold disk: it is waited for this
 * long, past the client's usual reply timeout, so the report can say how long it really takes.
 */
const COLD_LS_B_MAX_MS = 10 * 60_000;
/** How long a client waits for a reply unless told otherwise (shared/client/channel.ts). */
const CLIENT_REPLY_TIMEOUT_MS = 60_000;

export interface PageTimes {
  readonly pages: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Pages that took longer than the target. */
  readonly overTarget: number;
}

/** Every page after the first of one pass over the whole bucket without delimiter. */
export interface Iteration extends PageTimes {
  readonly rows: number;
  /** Rows over the wall time from the second page's request to the last page's last row (the client's checks of each page included). */
  readonly rowsPerSecond: number;
  readonly inByteOrder: boolean;
  /** Rows that are not a key this benchmark made (so a duplicate, or a stranger). */
  readonly unexpected: number;
  readonly timedOut: boolean;
  /**
   * CPU milliseconds per 1,000 rows listed, the bucket server's (all its threads, background hashing included)
   * and the client's (its listPage calls only): unlike times, not stretched by other work on the machine.
   */
  readonly serverCpuMsPer1000: number;
  readonly clientCpuMsPer1000: number;
}

export interface HugeBucketResult {
  readonly files: number;
  readonly folders: number;
  readonly createSeconds: number;
  /** The machine's 1-minute load average as the measurements began (other work on the machine skews timings). */
  readonly loadAverage: number;
  readonly removeSeconds: number;
  /** A fresh server's first page (no options but limit), from the request to its last row. */
  readonly firstPage: { readonly ms: number; readonly rows: number; readonly firstKey: string | undefined };
  /** A page of one folder with delimiter=/, before anything else read it (cold), and again (warm). */
  readonly folderPage: { readonly prefix: string; readonly coldMs: number; readonly warmMs: number; readonly files: number; readonly folders: number };
  /**
   * Every page after the first, iterating the whole bucket without delimiter: the first pass (`iteration`, pipelined),
   * then a second page at a time (`warmIteration`) and a third pipelined (`warmPipelined`) over folders the server now holds.
   */
  readonly iteration: Iteration;
  readonly warmIteration: Iteration;
  /** A third pass, pipelined as the first. */
  readonly warmPipelined: Iteration;
  readonly rss: { readonly started: number; readonly afterFirstPages: number; readonly afterIteration: number; readonly peak: number };
  readonly lsB: { readonly ms: number; readonly files: number; readonly bytes: number };
  readonly behindBack: { readonly appeared: boolean; readonly ms: number; readonly polls: number; readonly lsBFiles: number; readonly lsBMs: number };
  /** A second fresh server on the same tree, after the kernel's caches were dropped (when root). */
  readonly restarted: {
    readonly cachesDropped: boolean;
    readonly firstPageMs: number;
    readonly firstPageRows: number;
    readonly lsBColdMs: number;
    /** Whether that first ls_b took longer than a client waits for a reply by default (it would have given up). */
    readonly lsBColdPastClientTimeout: boolean;
    readonly lsBWarmMs: number;
    readonly lsBFiles: number;
    readonly rssAfterLsB: number;
  };
  /** SHA-256 records the servers wrote in the background for the files they listed (logs' lines at the end). */
  readonly hashRecords: number;
}

export type HugeBucketOutcome = { readonly measured: HugeBucketResult } | { readonly skipped: string };

const step = (what: string) => process.stderr.write(`bench: ${what}\n`);

/** Makes the tree in `root/huge-N/`, measures it, and removes it (also when a measurement throws). */
export async function hugeBucket(root: string, files: number, servers: string): Promise<HugeBucketOutcome> {
  const room = roomFor(root, files);
  if (!room.ok) {
    const gib = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GiB`;
    return { skipped: `not enough disk: ${gib(room.freeBytes)} and ${room.freeInodes} inodes free, ${gib(room.needBytes)} wanted` };
  }
  const data = join(root, `huge-${files}`);
  mkdirSync(join(data, BUCKET), { recursive: true });
  const processes: BenchProcess[] = [];
  const start = async () => {
    const p = await spawnServer('pail', join(servers, 'pail.ts'), [data]);
    processes.push(p);
    return p;
  };
  let measured: Omit<HugeBucketResult, 'removeSeconds'> | undefined;
  try {
    step(`huge bucket: making ${files} files in ${files / FILES_PER_FOLDER} folders`);
    const createSeconds = makeOperatorTree(join(data, BUCKET), files);
    measured = await measure(data, files, createSeconds, start);
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    step(`huge bucket: removing ${files} files`);
    const removeSeconds = removeTree(data);
    if (measured) measured = { ...measured, removeSeconds } as HugeBucketResult;
  }
  return { measured: measured as HugeBucketResult };
}

async function measure(data: string, files: number, createSeconds: number, start: () => Promise<BenchProcess>): Promise<Omit<HugeBucketResult, 'removeSeconds'>> {
  const folders = files / FILES_PER_FOLDER;
  execFileSync('sync');
  step(`huge bucket ${files}: a fresh server, first page, a folder's page, every page`);
  const loadAverage = loadavg()[0];
  const pail = await start();
  const rssStarted = await pail.rss();
  await pail.resetPeak();
  const client = await PailConnection.connect({ host: '127.0.0.1', port: pail.port });
  try {
    // 1. The first page, cold: nothing read yet by this process.
    let t = process.hrtime.bigint();
    const first = await client.listPage(BUCKET, { limit: PAGE });
    const firstPage = { ms: ms(t), rows: first.files.length + first.folders.length, firstKey: first.files[0]?.name };

    // 2. One folder's page with delimiter=/, cold then warm (a folder in the middle, not read by the first page).
    const prefix = folderName(Math.floor(folders / 2));
    t = process.hrtime.bigint();
    const cold = await client.listPage(BUCKET, { prefix, delimiter: '/', limit: PAGE });
    const coldMs = ms(t);
    t = process.hrtime.bigint();
    const warm = await client.listPage(BUCKET, { prefix, delimiter: '/', limit: PAGE });
    const warmMs = ms(t);
    const folderOk = (p: typeof cold) => p.folders.length === 0 && p.files.length === FILES_PER_FOLDER && p.files.every((f) => f.name.startsWith(prefix));
    const folderPage = { prefix, coldMs, warmMs, files: folderOk(cold) && folderOk(warm) ? warm.files.length : -1, folders: warm.folders.length };
    const afterFirstPages = await pail.rss();

    // 3. Every page, end to end: the first page's rows count too, and every later page is timed.
    const iteration = await iterate(pail, client, files, first, true);
    // A second pass: the folders are in the server's memory now, their files' sizes read and SHA-256s computed.
    const warmIteration = await iterate(pail, client, files, first, false);
    const warmPipelined = await iterate(pail, client, files, first, true);
    const afterIteration = await pail.rss();
    const peak = await pail.peak();

    // 4. The bucket's totals, added up from its folders' (most were read by the iteration).
    t = process.hrtime.bigint();
    const bucketInfo = (await client.listBuckets()).find((b) => b.name === BUCKET);
    const lsB = { ms: ms(t), files: bucketInfo?.files ?? -1, bytes: bucketInfo?.bytes ?? -1 };

    // 5. A file written straight into a folder the server holds in memory: polled until its page shows it.
    const behindBack = await writeBehindBack(client, data, prefix);

    return {
      files,
      folders,
      createSeconds,
      loadAverage,
      firstPage,
      folderPage,
      iteration,
      warmIteration,
      warmPipelined,
      rss: { started: rssStarted, afterFirstPages, afterIteration, peak },
      lsB,
      behindBack,
      restarted: await restart(pail, start, files),
      hashRecords: countRecords(data),
    };
  } finally {
    await client.quit().catch(() => {});
  }
}

/**
 * One pass over every page after the first. One page at a time: each page asked for once the last is read (a page's
 * time is its request to its last row). Pipelined (PailConnection.pages, on a connection of its own): the next page
 * asked for as soon as a page's status line names it, so server and client work side by side (a page's time is from
 * the previous page's last row to its own).
 */
async function iterate(pail: BenchProcess, client: PailConnection, files: number, first: Awaited<ReturnType<PailConnection['listPage']>>, pipelined: boolean): Promise<Iteration> {
  let rows = 0;
  let inByteOrder = true;
  let unexpected = 0;
  let previous: string | undefined;
  const seen = new Uint8Array(files);
  const take = (page: typeof first) => {
    rows += page.files.length + page.folders.length;
    unexpected += page.folders.length;
    for (const { name } of page.files) {
      if (previous !== undefined && compareKeys(previous, name) >= 0) inByteOrder = false;
      previous = name;
      const parsed = parseKey(name, files);
      const index = parsed ? parsed.folder * FILES_PER_FOLDER + parsed.file : -1;
      if (index < 0 || seen[index]) unexpected++;
      else seen[index] = 1;
    }
  };
  take(first);
  const times: number[] = [];
  let clientCpuMicros = 0;
  const serverCpuBefore = await pail.cpu();
  const deadline = Date.now() + ITERATION_MAX_MS;
  const wall = process.hrtime.bigint();
  let after = first.next;
  // At most one page per 1,000 keys, and a few more: a listing that never ends is caught here, not waited for.
  const maxPages = files / PAGE + 2;
  if (pipelined && after !== null) {
    const own = await PailConnection.connect({ host: '127.0.0.1', port: pail.port });
    try {
      let t = process.hrtime.bigint();
      let cpu = process.cpuUsage();
      for await (const { rows: pageRows, next } of own.pages(BUCKET, { after, pageSize: PAGE })) {
        times.push(ms(t));
        take(filePageOf({ rows: pageRows, next }));
        const used = process.cpuUsage(cpu);
        clientCpuMicros += used.user + used.system;
        after = next;
        // Leaving early closes the connection (a page is still on its way): it is this pass's own.
        if (times.length >= maxPages || Date.now() >= deadline) break;
        t = process.hrtime.bigint();
        cpu = process.cpuUsage();
      }
    } finally {
      await own.quit().catch(() => {});
    }
  }
  while (!pipelined && after !== null && times.length < maxPages && Date.now() < deadline) {
    const t = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const page = await client.listPage(BUCKET, { after, limit: PAGE });
    times.push(ms(t));
    const used = process.cpuUsage(cpu);
    clientCpuMicros += used.user + used.system;
    take(page);
    after = page.next;
  }
  const serverCpuSeconds = (await pail.cpu()) - serverCpuBefore;
  const listed = rows - first.files.length;
  const sorted = [...times].sort((a, b) => a - b);
  // End to end: from the second page's request to the last page's last row, the client's own work between pages included.
  const totalMs = ms(wall);
  return {
    pages: times.length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? NaN,
    overTarget: times.filter((x) => x >= TARGETS.pageMs).length,
    rows,
    rowsPerSecond: listed / (totalMs / 1000),
    inByteOrder,
    unexpected,
    timedOut: after !== null,
    serverCpuMsPer1000: (serverCpuSeconds * 1000 * 1000) / listed,
    clientCpuMsPer1000: clientCpuMicros / listed,
  };
}

/** Writes a file straight into a folder the server has read, then lists that folder until the file shows. */
async function writeBehindBack(client: PailConnection, data: string, prefix: string): Promise<HugeBucketResult['behindBack']> {
  const key = `${prefix}behind-the-back.txt`;
  writeFileSync(join(data, BUCKET, key), 'written by an operator\n');
  const t = process.hrtime.bigint();
  let polls = 0;
  let appeared = false;
  while (!appeared && ms(t) < APPEAR_MAX_MS) {
    polls++;
    const page = await client.listPage(BUCKET, { prefix, delimiter: '/', limit: PAGE });
    appeared = page.files.some((f) => f.name === key);
    if (!appeared) await delay(1);
  }
  const appearedMs = ms(t);
  const l = process.hrtime.bigint();
  const info = (await client.listBuckets()).find((b) => b.name === BUCKET);
  return { appeared, ms: appearedMs, polls, lsBFiles: info?.files ?? -1, lsBMs: ms(l) };
}

/** Stops the server, drops the kernel's caches (root only), starts a fresh one: its first page and its ls_b, cold and warm. */
async function restart(pail: BenchProcess, start: () => Promise<BenchProcess>, files: number): Promise<HugeBucketResult['restarted']> {
  step(`huge bucket ${files}: a fresh server after dropping the kernel's caches, first page and ls_b`);
  await pail.stop();
  execFileSync('sync');
  let cachesDropped = true;
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '3');
  } catch {
    cachesDropped = false;
  }
  const again = await start();
  const client = await PailConnection.connect({ host: '127.0.0.1', port: again.port, replyTimeoutMs: COLD_LS_B_MAX_MS });
  try {
    let t = process.hrtime.bigint();
    const page = await client.listPage(BUCKET, { limit: PAGE });
    const firstPageMs = ms(t);
    t = process.hrtime.bigint();
    const cold = (await client.listBuckets()).find((b) => b.name === BUCKET);
    const lsBColdMs = ms(t);
    t = process.hrtime.bigint();
    await client.listBuckets();
    const lsBWarmMs = ms(t);
    return {
      cachesDropped,
      firstPageMs,
      firstPageRows: page.files.length + page.folders.length,
      lsBColdMs,
      lsBColdPastClientTimeout: lsBColdMs > CLIENT_REPLY_TIMEOUT_MS,
      lsBWarmMs,
      lsBFiles: cold?.files ?? -1,
      rssAfterLsB: await again.rss(),
    };
  } finally {
    await client.quit().catch(() => {});
    await again.stop();
  }
}

/** Lines in the bucket's SHA-256 logs: one per hash computed (or mark), as the servers left them. */
function countRecords(data: string): number {
  const dir = join(data, '.pail', 'meta', BUCKET);
  let lines = 0;
  try {
    for (const name of readdirSync(dir)) {
      const text = readFileSync(join(dir, name), 'utf8');
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
    }
  } catch {
    return 0;
  }
  return lines;
}

/** Whether a measured bucket listed exactly its keys: every check that fails the run. */
export function hugeBucketChecks(r: HugeBucketResult): { what: string; ok: boolean }[] {
  const n = r.files;
  return [
    { what: `huge bucket ${n}: the first page holds ${PAGE} rows from the first key in byte order`, ok: r.firstPage.rows === PAGE && r.firstPage.firstKey === expectedFirstKey(n) },
    { what: `huge bucket ${n}: a folder's page with delimiter=/ holds its ${FILES_PER_FOLDER} files and nothing else`, ok: r.folderPage.files === FILES_PER_FOLDER },
    ...[r.iteration, r.warmIteration, r.warmPipelined].map((it, pass) => ({
      what: `huge bucket ${n}: every page's rows add up to ${n} exactly, in byte order, no duplicates (pass ${pass + 1})`,
      ok: !it.timedOut && it.rows === n && it.inByteOrder && it.unexpected === 0,
    })),
    { what: `huge bucket ${n}: ls_b counts ${n} files of ${treeBytes(n)} bytes`, ok: r.lsB.files === n && r.lsB.bytes === treeBytes(n) },
    { what: `huge bucket ${n}: a file written behind Pail's back appears in its folder's page, and in ls_b`, ok: r.behindBack.appeared && r.behindBack.lsBFiles === n + 1 },
    { what: `huge bucket ${n}: a restarted server lists a first page of ${PAGE} and counts ${n + 1} files`, ok: r.restarted.firstPageRows === PAGE && r.restarted.lsBFiles === n + 1 },
  ];
}

