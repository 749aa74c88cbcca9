// `npm run bench [-- --quick] [--size BYTES] [--memory-size BYTES] [--huge FILES,FILES,...] [--only SECTION,...] [--ceph-ports MON,RGW] [--compare]`
// Measures Pail against baselines run on this machine in the same run, prints one table, writes JSON to bench/results/.
// Every load loop is bounded in count and time; only loopback is used. Checks (completion, checksums) fail the run;
// timings never do.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PailConnection } from '../shared/client/connection.ts';
import { hugeBucket, hugeBucketChecks, type HugeBucketResult } from './huge-bucket.ts';
import { hugeBucketRows, memoryGrowthRow } from './huge-bucket-report.ts';
import { lockout, type LockoutPlan } from './lockout.ts';
import { concurrentUploads, holdIdle, httpLoad, opsLoad, seedBucket, timeHttp, timeListing, type OpsResult } from './load.ts';
import { baselineSmallFiles, pailSmallFiles } from './small-files.ts';
import { startCeph } from './ceph.ts';
import { eventDelays } from './event-delay.ts';
import { directBucket, directClient, directDelete, directDownload, directUpload } from './s3-direct.ts';
import { STAGING_PART_SIZE, STAGING_PARTS_IN_FLIGHT } from '../server/storage/s3/received-body.ts';
import { awsDownload, awsStartup, awsUpload, ensureS3Clients, s3Clients } from './s3-clients.ts';
import { treeRound, writeSmallTree, type TreeRound } from './small-tree.ts';
import { smallTreeChecks, smallTreeRows } from './small-tree-report.ts';
import { spawnProgram, spawnServer, type BenchProcess } from './spawn.ts';
import { tusChunkSize, tusCutUpload, tusTransfer } from './tus.ts';
import { buildCeiling, cliStartup, cliUpload, writePayloadFile } from './upload-paths.ts';
import { MB, MiB, percentile, seconds } from './stats.ts';
import { httpDownload, httpUpload, pailDownload, pailUpload, payload, rawTcpDownload, rawTcpUpload, type Payload, type Transfer } from './transfer.ts';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    size: { type: 'string' },
    'memory-size': { type: 'string' },
    huge: { type: 'string' },
    compare: { type: 'boolean', default: false },
    only: { type: 'string' },
    // The test Ceph of the s3-backend section: ports of its own, beside the CI's (3310/7490) and a dev one (3300/7480).
    'ceph-ports': { type: 'string', default: '3320,7500' },
  },
});
/** The sections a run may be narrowed to with --only (say `--only gateway,s3-tree` for the S3 rows and theirs to compare). */
const SECTIONS = ['transfers', 'gateway', 's3-backend', 'tus', 'ops', 'small-files', 's3-tree', 'listing', 'memory', 'connections', 'lockout', 'huge'];
const only = flags.only?.split(',');
const unknown = only?.filter((s) => !SECTIONS.includes(s)) ?? [];
if (unknown.length) throw new Error(`--only takes sections among ${SECTIONS.join(', ')}; not ${unknown.join(', ')}`);
const wants = (section: string) => !only || only.includes(section);
const quick = flags.quick;
const size = Number(flags.size ?? (quick ? 16 * MiB : 1024 * MiB));
const memorySize = Number(flags['memory-size'] ?? (quick ? 64 * MiB : 4096 * MiB));
const plan = quick
  ? { rounds: 1, clients: [1, 16], maxOps: 500, maxMs: 500, listingFiles: 500, idle: 200, concurrent: 10, concurrentSize: MiB, smallClients: [1, 16], smallRounds: 1, treeFiles: 500, treeRounds: 1 }
  : { rounds: 5, clients: [1, 16, 64, 256], maxOps: 50_000, maxMs: 3_000, listingFiles: 10_000, idle: 10_000, concurrent: 100, concurrentSize: 10 * MB, smallClients: [1, 64], smallRounds: 3, treeFiles: 10_000, treeRounds: 3 };
/** Issue 14's huge buckets: files made straight in a data folder, in folders of 1,000. */
const hugeSizes = flags.huge ? flags.huge.split(',').map(Number) : quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
/** Issue 12's lockout: stalled downloads and trickling uploads held open while others list and upload. */
const lockoutPlan: LockoutPlan = quick
  ? { stalled: 20, trickling: 5, listings: 50, bigSize: 32 * MiB, uploadSize: 16 * MiB, maxMs: 10_000 }
  : { stalled: 200, trickling: 50, listings: 200, bigSize: 200 * MB, uploadSize: 100 * MB, maxMs: 30_000 };

const here = import.meta.dirname;
const rows: { section: string; measure: string; value: string; ratio?: string }[] = [];
const checks: { what: string; ok: boolean; why?: string }[] = [];
const results: Record<string, unknown> = {};
const row = (section: string, measure: string, value: string, ratio?: string) => rows.push({ section, measure, value, ratio });
const check = (what: string, ok: boolean, why?: string) => checks.push({ what, ok, why });
const mbps = (t: Transfer) => t.bytes / MB / t.seconds;
type Measured = Transfer & { readonly cpuSeconds: number };
const cpuPerGiB = (t: Measured) => (t.cpuSeconds / (t.bytes / (1024 * MiB))).toFixed(2);
const totalCpu = async (servers: BenchProcess[]) => (await Promise.all(servers.map((p) => p.cpu()))).reduce((a, b) => a + b, 0);
let pagesDropped = true;
/** Drops the page cache's clean pages (root only; without it the run goes on and the report says so). */
function dropCleanPages(): void {
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '1');
  } catch {
    pagesDropped = false;
  }
}
/** SHA-256 throughput of this machine on one core, over the payload's first 256 MiB. */
function sha256Rate(body: Payload): number {
  const started = process.hrtime.bigint();
  const hash = createHash('sha256');
  let bytes = 0;
  for (const chunk of body.chunks()) {
    if (bytes >= 256 * MiB) break;
    hash.update(chunk);
    bytes += chunk.length;
  }
  hash.digest();
  return bytes / MB / seconds(started);
}
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

const data = await mkdtemp(join(tmpdir(), 'pail-bench-'));
const processes: BenchProcess[] = [];
/** Progress on stderr, so a long run shows where it is. */
const step = (what: string) => process.stderr.write(`bench: ${what}\n`);
/**
 * The ceiling baseline (servers/ceiling.c): built with the machine's C compiler for this run. Without one
 * the run goes on without it and says so.
 */
const startCeiling = async (): Promise<BenchProcess | undefined> => {
  const binary = buildCeiling(join(here, 'servers', 'ceiling.c'), join(data, 'ceiling'));
  if (!binary) {
    step('no ceiling baseline: cannot build servers/ceiling.c');
    return undefined;
  }
  step('starting ceiling');
  const p = await spawnProgram('ceiling', binary, [data]);
  processes.push(p);
  return p;
};
const start = async (name: string, script: string, args: string[]) => {
  step(`starting ${name}`);
  const p = await spawnServer(name, join(here, 'servers', script), args);
  processes.push(p);
  return p;
};

try {
  const rawTcp = await start('raw-tcp', 'raw-tcp.ts', [data]);
  const ceiling = await startCeiling();
  const rawHttp = await start('raw-http', 'raw-http.ts', [data]);
  const pail = await start('pail', 'pail.ts', [join(data, 'pail')]);
  const gateway = existsSync(join(here, '..', 'gateway', 'main.ts')) ? await start('gateway', 'gateway.ts', [String(pail.port)]) : undefined;
  // The S3 listener, and the real clients that speak to it (aws-cli, rclone), for the S3 rows of sections 3 and 4c.
  const s3 = existsSync(join(here, '..', 's3', 'main.ts')) && (wants('gateway') || wants('s3-tree')) ? await start('s3', 's3.ts', [String(pail.port)]) : undefined;
  const haveClients = s3 ? ensureS3Clients(join(here, '..', 'scripts', 'ensure-s3-clients.sh')) : false;
  const clients = s3 && haveClients ? await s3Clients(s3.port, data) : undefined;
  const noS3 = !s3 ? 'no s3/main.ts in this checkout' : !haveClients ? 'the S3 clients could not be installed (scripts/ensure-s3-clients.sh)' : undefined;
  const setup = await PailConnection.connect({ host: '127.0.0.1', port: pail.port });
  await setup.createBucket('bench');
  await setup.createBucket('small');
  await setup.upload('small', 'a.txt', Buffer.from('small'));
  await setup.quit();

  // 1–3. Large transfers, each path beside its baseline.
  const body = payload(size);
  const label = mib(size);
  // The CLI and aws-cli upload a local file: written once here, and read back into the page cache (untimed) before
  // each run, so they send from memory as every other path does.
  const sourceFile = wants('transfers') || wants('gateway') ? await writePayloadFile(join(data, 'source.bin'), body) : '';
  const cached = (file: string) => execFileSync('cat', [file], { stdio: ['ignore', 'ignore', 'inherit'] });
  const hashRate = sha256Rate(body);
  row('baseline', 'SHA-256 on one core (Pail hashes every upload)', `${hashRate.toFixed(0)} MB/s`);
  /** One transfer path: what it runs, which processes serve it, and whether the server reports a SHA-256. */
  interface Path {
    readonly name: string;
    readonly servers: BenchProcess[];
    readonly kind: 'upload' | 'download';
    readonly run: () => Promise<Transfer>;
    readonly reportsSha256?: boolean;
  }
  /**
   * Runs `paths` in rounds, every path once per round in the order given, and keeps the median run of each
   * (by throughput), with the CPU time its servers spent on it. Interleaving makes the machine's drift (disk
   * speed changes from minute to minute here) fall on a path and its baseline alike; the median ignores one
   * lucky or unlucky run either way. Every run starts from the same state: the dirty pages of the last one
   * written (`sync`) and, before an upload, clean pages dropped, so each side's new file takes its pages from
   * the same pool (in this VM, memory not touched since boot made a first upload's writes cost 3× the system
   * time). A download follows its own upload in the order, so it reads from a warm cache on both sides.
   */
  const transfers = async (paths: Path[], rounds = plan.rounds, expected: Payload = body): Promise<Measured[]> => {
    const runs: Measured[][] = paths.map(() => []);
    for (let round = 0; round < rounds; round++) {
      for (const [i, path] of paths.entries()) {
        step(`${path.name}${rounds > 1 ? ` (${round + 1} of ${rounds})` : ''}`);
        execFileSync('sync');
        if (path.kind === 'upload') dropCleanPages();
        const cpuBefore = await totalCpu(path.servers);
        const t = await path.run();
        runs[i].push({ ...t, cpuSeconds: (await totalCpu(path.servers)) - cpuBefore });
        if (path.reportsSha256 !== false) check(`${path.name}: ${t.bytes} bytes, SHA-256 matches`, t.bytes === expected.size && t.sha256 === expected.sha256);
        else check(`${path.name}: ${t.bytes} bytes (the download checks them)`, t.bytes === expected.size);
      }
    }
    // Every round's MB/s goes into the JSON beside the median, so the spread can be seen.
    return runs.map((r) => ({ ...[...r].sort((a, b) => mbps(a) - mbps(b))[r.length >> 1], roundsMBps: r.map((t) => Math.round(mbps(t))) }));
  };
  /** Throughput, its ratio to a baseline (and to the ceiling of its direction), and CPU seconds per GiB of the processes serving it. */
  let ceilingOf: { upload?: Measured; download?: Measured } = {};
  const compared = (section: string, measure: string, t: Measured, base: Measured, baseName: string, direction: 'upload' | 'download') => {
    const ceil = ceilingOf[direction];
    const againstCeiling = ceil ? ` · ${(mbps(t) / mbps(ceil)).toFixed(2)}× ceiling` : '';
    row(section, measure, `${mbps(t).toFixed(0)} MB/s`, `${(mbps(t) / mbps(base)).toFixed(2)}× ${baseName}${againstCeiling} · CPU ${cpuPerGiB(t)} s/GiB`);
  };
  const baseline = (measure: string, t: Measured) => row('baseline', measure, `${mbps(t).toFixed(0)} MB/s`, `CPU ${cpuPerGiB(t)} s/GiB`);

  if (wants('transfers')) {
    // The ceiling speaks the raw baseline's exchange, so the same client functions time it.
    const ceilingPaths: Path[] = ceiling
      ? [
          { name: 'ceiling upload', servers: [ceiling], kind: 'upload', run: () => rawTcpUpload(ceiling.port, body), reportsSha256: false },
          { name: 'ceiling download', servers: [ceiling], kind: 'download', run: () => rawTcpDownload(ceiling.port) },
        ]
      : [];
    const [rawUp, rawDown, tcpUp, tcpDown, cliUp, ceilUp, ceilDown] = await transfers([
      { name: 'raw TCP upload', servers: [rawTcp], kind: 'upload', run: () => rawTcpUpload(rawTcp.port, body), reportsSha256: false },
      { name: 'raw TCP download', servers: [rawTcp], kind: 'download', run: () => rawTcpDownload(rawTcp.port) },
      { name: 'Pail TCP upload', servers: [pail], kind: 'upload', run: () => pailUpload(pail.port, body) },
      { name: 'Pail TCP download', servers: [pail], kind: 'download', run: () => pailDownload(pail.port) },
      {
        name: 'CLI put',
        servers: [pail],
        kind: 'upload',
        run: () => {
          cached(sourceFile);
          return cliUpload(pail.port, sourceFile, 'bench', 'cli.bin');
        },
      },
      ...ceilingPaths,
    ]);
    if (ceilUp && ceilDown) {
      ceilingOf = { upload: ceilUp, download: ceilDown };
      baseline(`ceiling upload ${label} (C: one reused buffer, write, fsync)`, ceilUp);
      baseline(`ceiling download ${label} (C: sendfile)`, ceilDown);
    } else {
      row('baseline', 'ceiling (C)', 'not measured', 'no C compiler on this machine');
    }
    baseline(`raw TCP upload ${label} (fsync)`, rawUp);
    baseline(`raw TCP download ${label}`, rawDown);
    compared('TCP', `upload ${label}`, tcpUp, rawUp, 'raw', 'upload');
    compared('TCP', `download ${label}`, tcpDown, rawDown, 'raw', 'download');
    // The CLI's figure is the whole `pail put` process, start-up included; its start-up alone is shown beside it.
    const startup = await cliStartup();
    compared('CLI', `pail put ${label} (whole process)`, cliUp, rawUp, 'raw', 'upload');
    row('CLI', 'start-up alone (pail --help), included above', `${(startup * 1000).toFixed(0)} ms`);
    results.transfer = { size, rounds: plan.rounds, statistic: 'median', sha256MBps: hashRate, rawUp, rawDown, tcpUp, tcpDown, cliUp, cliStartupSeconds: startup, ceilUp, ceilDown };
  }

  // The gateway's figures count both processes a transfer passes through: the gateway and the bucket server.
  const gwUrl = gateway && `http://127.0.0.1:${gateway.port}/api/buckets/bench/files`;
  if (wants('gateway')) {
    const gatewayPaths: Path[] = gateway
      ? [
          { name: 'gateway PUT', servers: [gateway, pail], kind: 'upload', run: () => httpUpload(`${gwUrl}/gw-put.bin?overwrite=true`, body) },
          { name: 'gateway GET', servers: [gateway, pail], kind: 'download', run: () => httpDownload(`${gwUrl}/gw-put.bin`) },
          { name: 'gateway multipart POST', servers: [gateway, pail], kind: 'upload', run: () => httpUpload(`${gwUrl}?overwrite=true`, body, 'multipart', 'gw-post.bin') },
        ]
      : [];
    // aws s3 cp through the S3 listener, in the same rounds as the gateway's PUT and GET of the same payload. Its
    // figures count the listener and the bucket server, as the gateway's count the gateway and the bucket server.
    const awsPaths: Path[] =
      gateway && s3 && clients?.aws
        ? [
            {
              name: 'aws s3 cp up',
              servers: [s3, pail],
              kind: 'upload',
              run: () => {
                cached(sourceFile);
                return awsUpload(clients, pail.port, sourceFile, 'bench', 'aws.bin');
              },
            },
            { name: 'aws s3 cp down', servers: [s3, pail], kind: 'download', run: () => awsDownload(clients, 'bench', 'aws.bin') },
          ]
        : [];
    const httpUrl = `http://127.0.0.1:${rawHttp.port}/f`;
    const [httpUp, httpDown, gwPut, gwGet, gwPost, awsUp, awsDown] = await transfers([
      { name: 'HTTP baseline PUT', servers: [rawHttp], kind: 'upload', run: () => httpUpload(httpUrl, body), reportsSha256: false },
      { name: 'HTTP baseline GET', servers: [rawHttp], kind: 'download', run: () => httpDownload(httpUrl) },
      ...gatewayPaths,
      ...awsPaths,
    ]);
    baseline(`node:http PUT ${label} (fsync)`, httpUp);
    baseline(`node:http GET ${label}`, httpDown);
    if (gateway) {
      compared('gateway', `PUT ${label}`, gwPut, httpUp, 'http', 'upload');
      compared('gateway', `multipart POST ${label}`, gwPost, httpUp, 'http', 'upload');
      compared('gateway', `GET ${label}`, gwGet, httpDown, 'http', 'download');
      results.gateway = { httpUp, httpDown, gwPut, gwPost, gwGet };
    } else {
      row('gateway', 'not measured', 'no gateway/main.ts in this checkout');
    }
    if (awsUp && awsDown && clients?.aws) {
      // The aws figures are the whole `aws s3 cp` process, start-up included; its start-up alone is shown beside them.
      const awsStart = await awsStartup(clients);
      row('S3', `aws: ${clients.aws.path}`, clients.aws.version.split(' ')[0], clients.aws.version.split(' ').slice(1).join(' '));
      compared('S3', `aws s3 cp up ${label} (whole process)`, awsUp, gwPut, 'gateway PUT', 'upload');
      compared('S3', `aws s3 cp down ${label} (whole process)`, awsDown, gwGet, 'gateway GET', 'download');
      row('S3', 'aws start-up alone (aws --version), included above', `${(awsStart * 1000).toFixed(0)} ms`);
      results.s3 = { aws: clients.aws, awsUp, awsDown, awsStartupSeconds: awsStart };
    } else {
      row('S3', 'aws s3 cp', 'not measured', noS3 ?? (gateway ? 'no aws CLI found' : 'no gateway to compare with'));
    }
  }

  // 3c. The s3 backend (issue 17) on a test Ceph of its own: Pail's bucket server over RGW beside a direct client of
  // RGW (the SDK, with the part size and parts in flight of Pail's staging upload, and one plain GetObject), and the fs
  // backend's same transfer, in the same interleaved rounds; then the delay of live events across two bucket servers.
  if (wants('s3-backend')) {
    const s3Size = flags.size ? size : quick ? 64 * MiB : 1024 * MiB;
    const s3Body = s3Size === size ? body : payload(s3Size);
    const s3Label = mib(s3Size);
    const s3Rounds = quick ? 3 : plan.rounds;
    const [monPort, rgwPort] = flags['ceph-ports'].split(',').map(Number);
    // The OSD keeps objects in memory: Pail's, the direct client's and the last round's, until garbage-collected (~10 s).
    const memstoreBytes = Math.max(2 * 1024 * MiB, 4 * s3Size + 512 * MiB);
    step(`starting a test Ceph on 127.0.0.1:${monPort}/${rgwPort}`);
    const ceph = await startCeph(join(here, '..', 'scripts'), join(data, 'ceph'), { mon: monPort, rgw: rgwPort, memstoreBytes });
    if ('skipped' in ceph) {
      step(`s3-backend skipped: ${ceph.skipped}`);
      row('s3 backend', 'not measured', 'skipped', ceph.skipped);
    } else {
      try {
        const store = `${ceph.url}?prefix=bench-`;
        const onRgw = await start('pail on RGW (A)', 'pail.ts', [join(data, 'pail-s3'), '20000', store]);
        const onRgwB = await start('pail on RGW (B)', 'pail.ts', [join(data, 'pail-s3-b'), '20000', store]);
        const direct = directClient(ceph.url);
        await directBucket(direct, 'direct-bench');
        const s3Setup = await PailConnection.connect({ host: '127.0.0.1', port: onRgw.port });
        await s3Setup.createBucket('bench');
        await s3Setup.createBucket('events');
        const removeOn = async (port: number, name: string) => {
          const c = await PailConnection.connect({ host: '127.0.0.1', port });
          await c.deleteFile('bench', name);
          await c.quit();
        };
        // The engine's CPU (radosgw and the OSD) per path, every round, so a row can say what the engine spent beside Pail.
        const engineCpu = new Map<string, number[]>();
        const engineTimed = (name: string, run: () => Promise<Transfer>) => async () => {
          const before = await ceph.cpu();
          const t = await run();
          engineCpu.set(name, [...(engineCpu.get(name) ?? []), ((await ceph.cpu()) - before) / (t.bytes / (1024 * MiB))]);
          return t;
        };
        const engineCpuPerGiB = (name: string) => {
          const all = [...(engineCpu.get(name) ?? [])].sort((a, b) => a - b);
          return `engine CPU ${all[all.length >> 1]?.toFixed(2) ?? '?'} s/GiB`;
        };
        // Each download removes what it read once timed, so the OSD holds at most this round's objects.
        const [viaUp, viaDown, directUp, directDown, fsUp, fsDown] = await transfers(
          [
            { name: 'Pail on RGW upload', servers: [onRgw], kind: 'upload', run: engineTimed('via up', () => pailUpload(onRgw.port, s3Body, 'rgw.bin')) },
            {
              name: 'Pail on RGW download',
              servers: [onRgw],
              kind: 'download',
              run: async () => ((t) => removeOn(onRgw.port, 'rgw.bin').then(() => t))(await engineTimed('via down', () => pailDownload(onRgw.port, 'rgw.bin'))()),
            },
            {
              name: 'direct RGW upload',
              servers: [],
              kind: 'upload',
              run: engineTimed('direct up', () => directUpload(direct, 'direct-bench', 'direct.bin', s3Body, STAGING_PART_SIZE, STAGING_PARTS_IN_FLIGHT)),
              reportsSha256: false,
            },
            {
              name: 'direct RGW download',
              servers: [],
              kind: 'download',
              run: async () => ((t) => directDelete(direct, 'direct-bench', 'direct.bin').then(() => t))(await engineTimed('direct down', () => directDownload(direct, 'direct-bench', 'direct.bin'))()),
            },
            { name: 'Pail on fs upload (beside RGW)', servers: [pail], kind: 'upload', run: () => pailUpload(pail.port, s3Body, 'fs-beside-rgw.bin') },
            { name: 'Pail on fs download (beside RGW)', servers: [pail], kind: 'download', run: async () => ((t) => removeOn(pail.port, 'fs-beside-rgw.bin').then(() => t))(await pailDownload(pail.port, 'fs-beside-rgw.bin')) },
          ],
          s3Rounds,
          s3Body,
        );
        direct.destroy();
        const parts = `${mib(STAGING_PART_SIZE)} parts, ${STAGING_PARTS_IN_FLIGHT} in flight`;
        row('s3 backend', 'rounds', `median of ${s3Rounds}`, `Ceph RGW on 127.0.0.1:${rgwPort}, memstore OSD · objects removed after each download`);
        row('s3 backend', `direct RGW upload ${s3Label} (SDK multipart, ${parts})`, `${mbps(directUp).toFixed(0)} MB/s`, `the engine alone · ${engineCpuPerGiB('direct up')}`);
        row('s3 backend', `direct RGW download ${s3Label} (SDK GetObject)`, `${mbps(directDown).toFixed(0)} MB/s`, `the engine alone · ${engineCpuPerGiB('direct down')}`);
        const against = (t: Measured, base: Measured, fs: Measured, engine: string) =>
          `${(mbps(t) / mbps(base)).toFixed(2)}× direct · ${(mbps(t) / mbps(fs)).toFixed(2)}× fs · CPU ${cpuPerGiB(t)} s/GiB · ${engineCpuPerGiB(engine)}`;
        row('s3 backend', `Pail on RGW upload ${s3Label} over TCP`, `${mbps(viaUp).toFixed(0)} MB/s`, against(viaUp, directUp, fsUp, 'via up'));
        row('s3 backend', `Pail on RGW download ${s3Label} over TCP`, `${mbps(viaDown).toFixed(0)} MB/s`, against(viaDown, directDown, fsDown, 'via down'));
        row('s3 backend', `Pail on fs upload ${s3Label} (same rounds)`, `${mbps(fsUp).toFixed(0)} MB/s`, `CPU ${cpuPerGiB(fsUp)} s/GiB`);
        row('s3 backend', `Pail on fs download ${s3Label} (same rounds)`, `${mbps(fsDown).toFixed(0)} MB/s`, `CPU ${cpuPerGiB(fsDown)} s/GiB`);
        const changes = quick ? 10 : 40;
        step(`live events: ${changes} changes through bucket server B, seen on A`);
        const events = await eventDelays(onRgw.port, onRgwB.port, 'events', changes, 5_000);
        const sorted = [...events.delays].sort((a, b) => a - b);
        check(`live events: all ${changes} changes through B seen on A within 5 s`, events.missed === 0, `${events.missed} not seen`);
        row(
          's3 backend',
          `live event, change through server B → watch on A (× ${changes})`,
          `p50 ${percentile(sorted, 50).toFixed(0)} ms`,
          `max ${(sorted.at(-1) ?? NaN).toFixed(0)} ms · from the start of the upload · event log polled every 250 ms`,
        );
        await s3Setup.quit();
        results.s3Backend = { size: s3Size, rounds: s3Rounds, partSize: STAGING_PART_SIZE, partsInFlight: STAGING_PARTS_IN_FLIGHT, viaUp, viaDown, directUp, directDown, fsUp, fsDown, engineCpuPerGiB: Object.fromEntries(engineCpu), events };
      } finally {
        step('taking the test Ceph down');
        for (const p of processes.filter((p) => p.name.startsWith('pail on RGW'))) await p.stop();
        await ceph.stop();
      }
    }
  }

  // 3b. Resumable uploads: tus through the gateway against a plain PUT in the same rounds, then one tus upload cut three times.
  if (gateway && wants('tus')) {
    const chunk = tusChunkSize(size);
    const endpoint = `http://127.0.0.1:${gateway.port}/api/uploads`;
    const [putBeside, tus] = await transfers([
      { name: 'gateway PUT (beside tus)', servers: [gateway, pail], kind: 'upload', run: () => httpUpload(`${gwUrl}/gw-put.bin?overwrite=true`, body) },
      { name: `gateway tus upload (${mib(chunk)} chunks)`, servers: [gateway, pail], kind: 'upload', run: () => tusTransfer(endpoint, body, 'gw-tus.bin', chunk) },
    ]);
    compared('tus', `tus upload ${label}, ${mib(chunk)} chunks`, tus, putBeside, 'gateway PUT', 'upload');
    step(`tus upload with its connection cut three times`);
    execFileSync('sync');
    dropCleanPages();
    const cut = await tusCutUpload(gateway.port, body, 'gw-tus-cut.bin', chunk);
    check(`tus upload cut three times: ${cut.bytes} bytes, SHA-256 matches`, cut.sha256 === body.sha256);
    check('tus upload cut three times: cut three times, resumed each time (one creation)', cut.cuts === 3 && cut.creations === 1);
    check('tus upload cut three times: at most a chunk sent again per cut (and per PATCH refused 409)', cut.sentAgain <= (3 + cut.conflicts) * chunk + MiB);
    row(
      'tus',
      `tus upload ${label}, connection cut 3 times`,
      `${mbps(cut).toFixed(0)} MB/s`,
      `sent again ${mib(cut.sentAgain)} (${(cut.sentAgain / chunk).toFixed(2)} chunks) · ${cut.retries} retries · ${cut.conflicts} PATCH 409`,
    );
    results.tus = { chunk, putBeside, tus, cut };
  }

  // 4. Small operations at rising concurrency.
  if (wants('ops')) {
    step('small operations');
    const ops: OpsResult[] = [];
    for (const clients of plan.clients) {
      const limits = { maxOps: plan.maxOps, maxMs: plan.maxMs };
      ops.push(await opsLoad(pail.port, 'ls_b', clients, (c) => c.listBuckets(), limits));
      ops.push(await opsLoad(pail.port, 'ls_f small', clients, (c) => c.listFiles('small'), limits));
      ops.push(
        await opsLoad(pail.port, 'create_b+delete_b', clients, async (c, i) => {
          await c.createBucket(`tmp-${clients}-${i}`);
          await c.deleteBucket(`tmp-${clients}-${i}`);
        }, limits),
      );
      ops.push(
        await opsLoad(pail.port, 'put+delete_f 1 KiB', clients, async (c, i) => {
          await c.upload('bench', `small-${i}`, Buffer.alloc(1024, i & 0xff));
          await c.deleteFile('bench', `small-${i}`);
        }, limits),
      );
    }
    if (gateway) {
      for (const clients of plan.clients) {
        const limits = { maxOps: plan.maxOps, maxMs: plan.maxMs };
        ops.push(await httpLoad(`http://127.0.0.1:${gateway.port}/api/buckets`, 'gateway GET /api/buckets (autocannon)', clients, limits));
        ops.push(await httpLoad(`http://127.0.0.1:${gateway.port}/api/buckets/small/files`, 'gateway GET …/small/files (autocannon)', clients, limits));
      }
    }
    for (const r of ops) {
      check(
        `${r.op} at ${r.clients} clients without failures`,
        r.failures === 0 && r.ops > 0,
        r.failures > 0 ? `${r.failures} of ${r.ops} failed; first: ${r.firstFailure}` : 'no operation completed',
      );
      const latency = (v: number) => (r.wholeMs ? (v < 1 ? '<1' : v.toFixed(0)) : v.toFixed(2));
      row('ops', `${r.op} × ${r.clients} clients`, `${r.opsPerSecond.toFixed(0)} ops/s`, `p50 ${latency(r.p50Ms)} ms · p99 ${latency(r.p99Ms)} ms`);
    }
    results.ops = ops;
  }

  // 4b. Small durable uploads beside the thread-per-connection C baseline (servers/small-files.c), interleaved round
  // by round; the rounds' operations and times are added up, the latencies are the median round's.
  if (wants('small-files')) {
    const smallBinary = buildCeiling(join(here, 'servers', 'small-files.c'), join(data, 'small-files'), ['-pthread']);
    if (smallBinary) {
      step('small files beside the C baseline');
      await mkdir(join(data, 'small-baseline'));
      const smallBaseline = await spawnProgram('small-files', smallBinary, [join(data, 'small-baseline')]);
      processes.push(smallBaseline);
      const smallSetup = await PailConnection.connect({ host: '127.0.0.1', port: pail.port });
      await smallSetup.createBucket('small-files');
      await smallSetup.quit();
      const smallFiles: { clients: number; baseline: OpsResult[]; pail: OpsResult[] }[] = [];
      for (const clients of plan.smallClients) {
        const runs = { clients, baseline: [] as OpsResult[], pail: [] as OpsResult[] };
        for (let round = 0; round < plan.smallRounds; round++) {
          const limits = { maxOps: plan.maxOps, maxMs: plan.maxMs };
          runs.baseline.push(await baselineSmallFiles(smallBaseline.port, clients, limits, `r${round}-c${clients}`));
          runs.pail.push(await pailSmallFiles(pail.port, clients, limits, 'small-files', `r${round}-c${clients}`));
        }
        smallFiles.push(runs);
        const rate = (rs: OpsResult[]) => rs.reduce((a, r) => a + r.ops, 0) / rs.reduce((a, r) => a + r.ops / r.opsPerSecond, 0);
        const middle = (rs: OpsResult[]) => [...rs].sort((a, b) => a.opsPerSecond - b.opsPerSecond)[rs.length >> 1];
        for (const [who, rs] of [['C thread per connection, one fsync per file', runs.baseline], ['Pail', runs.pail]] as const) {
          check(`small files: ${who} at ${clients} clients without failures`, rs.every((r) => r.failures === 0 && r.ops > 0));
          const against = who === 'Pail' ? ` · ${(rate(rs) / rate(runs.baseline)).toFixed(2)}× C` : '';
          row('small files', `${who}: put 1 KiB × ${clients} clients`, `${rate(rs).toFixed(0)} uploads/s`, `p50 ${middle(rs).p50Ms.toFixed(1)} ms · p99 ${middle(rs).p99Ms.toFixed(1)} ms${against}`);
        }
      }
      results.smallFiles = smallFiles;
    } else {
      row('small files', 'C baseline', 'not measured', 'no C compiler on this machine');
    }
  }

  // 4c. A tree of small files (1–16 KiB) copied by rclone up to Pail through S3 and back down, beside rclone's own
  // local → local copy of the same tree (what the tool costs for this shape, with no network and no server) and
  // Pail's CLI tree transfer over TCP, in interleaved rounds; the median round of each counts.
  if (wants('s3-tree')) {
    if (clients?.rclone) {
      step(`writing a tree of ${plan.treeFiles} small files`);
      const tree = await writeSmallTree(join(data, 'tree'), plan.treeFiles);
      const treeSetup = await PailConnection.connect({ host: '127.0.0.1', port: pail.port });
      await treeSetup.createBucket('tree');
      await treeSetup.quit();
      const rounds: TreeRound[] = [];
      for (let round = 0; round < plan.treeRounds; round++) rounds.push(await treeRound(clients, pail.port, tree, 'tree', data, `r${round}`, step));
      for (const c of smallTreeChecks(tree, rounds)) check(c.what, c.ok, c.why);
      row('S3 tree', 'rclone', clients.rclone.version, `default transfers (4) and checkers (8) · ${(tree.bytes / MB).toFixed(1)} MB in ${plan.treeFiles} files`);
      rows.push(...smallTreeRows(tree, rounds));
      results.s3Tree = { files: tree.files, bytes: tree.bytes, rclone: clients.rclone.version, rounds };
    } else {
      row('S3 tree', 'rclone copy', 'not measured', noS3 ?? 'no rclone found');
    }
  }

  // 5. A big listing: time to the first row and to the last.
  if (wants('listing')) {
    step(`listing ${plan.listingFiles} files`);
    await seedBucket(join(data, 'pail'), pail.port, 'big', plan.listingFiles);
    const listing = await timeListing(pail.port, 'big');
    check(`ls_f of ${plan.listingFiles} files lists them all`, listing.rows === plan.listingFiles);
    row('listing', `ls_f ${plan.listingFiles} files over TCP`, `first row ${listing.firstRowMs.toFixed(1)} ms`, `last ${listing.lastRowMs.toFixed(1)} ms`);
    results.listing = listing;
    if (gateway) {
      const http = await timeHttp(`http://127.0.0.1:${gateway.port}/api/buckets/big/files`);
      check(`gateway listing of ${plan.listingFiles} files answered`, http.bytes > plan.listingFiles * 50);
      row('listing', `GET …/files of ${plan.listingFiles} files via gateway`, `first byte ${http.firstByteMs.toFixed(1)} ms`, `last ${http.lastByteMs.toFixed(1)} ms`);
      results.gatewayListing = http;
    }
  }

  // 6. Memory during large transfers, minus idle: over TCP (the bucket server alone), then through the gateway (both).
  if (wants('memory')) {
    step(`memory during a ${mib(memorySize)} round trip over TCP`);
    const memoryBody = payload(memorySize);
    const [tcpGrowth] = await peakGrowth([pail], async () => {
      const up = await pailUpload(pail.port, memoryBody, 'memory.bin');
      const down = await pailDownload(pail.port, 'memory.bin');
      check(`${mib(memorySize)} round trip over TCP: SHA-256 matches`, up.sha256 === memoryBody.sha256 && down.sha256 === memoryBody.sha256);
    });
    row('memory', `bucket server RSS growth, ${mib(memorySize)} up+down over TCP`, mib(tcpGrowth));
    results.memory = { size: memorySize, serverGrowth: tcpGrowth };
    if (gateway) {
      step(`memory during a ${mib(memorySize)} round trip through the gateway`);
      const url = `http://127.0.0.1:${gateway.port}/api/buckets/bench/files/memory-gw.bin`;
      const [gatewayGrowth, serverGrowth] = await peakGrowth([gateway, pail], async () => {
        const up = await httpUpload(`${url}?overwrite=true`, memoryBody);
        const down = await httpDownload(url);
        check(`${mib(memorySize)} round trip through the gateway: SHA-256 matches`, up.sha256 === memoryBody.sha256 && down.sha256 === memoryBody.sha256);
      });
      row('memory', `gateway RSS growth, ${mib(memorySize)} PUT+GET`, mib(gatewayGrowth));
      row('memory', `bucket server RSS growth, ${mib(memorySize)} PUT+GET via gateway`, mib(serverGrowth));
      results.memory = { ...(results.memory as object), gatewayGrowth, serverGrowthViaGateway: serverGrowth };
    }
  }

  // 7. Idle connections held, and concurrent uploads verified.
  if (wants('connections')) {
    step('connections');
    const before = await pail.rss();
    const idle = await holdIdle(pail.port, plan.idle);
    const after = await pail.rss();
    idle.close();
    check(`${plan.idle} idle connections held`, idle.held === plan.idle);
    row('connections', `idle connections held`, `${idle.held} of ${plan.idle}`, `${((after - before) / Math.max(1, idle.held) / 1024).toFixed(1)} KiB each`);
    const concurrent = await concurrentUploads(pail.port, plan.concurrent, plan.concurrentSize);
    check(`${plan.concurrent} concurrent uploads verified`, concurrent.verified === plan.concurrent);
    row('connections', `${plan.concurrent} concurrent ${(plan.concurrentSize / MB).toFixed(0)} MB uploads+downloads`, `${concurrent.verified} verified`, `${concurrent.seconds.toFixed(1)} s`);
    results.connections = { idle: idle.held, rssPerConnection: (after - before) / Math.max(1, idle.held), concurrent };
  }

  // 8. Hostile and slow clients: listings and a fresh upload beside stalled downloads and trickling uploads.
  if (gateway && wants('lockout')) {
    const { stalled, trickling } = lockoutPlan;
    step(`lockout: ${stalled} stalled downloads and ${trickling} uploads at 5 KB/s`);
    const r = await lockout(gateway, pail, join(data, 'pail'), lockoutPlan);
    const load = `beside ${stalled} stalled GETs + ${trickling} PUTs at 5 KB/s`;
    check(`lockout: ${stalled} stalled downloads begun`, r.stalledBegun === stalled);
    check(`lockout: ${trickling} trickling uploads reached the bucket server`, r.tricklingArrived === trickling);
    check(`lockout: GET /api/buckets without failures, idle and under load`, r.idle.listing.failures === 0 && r.loaded.listing.failures === 0);
    check('lockout: POST /api/buckets under load', r.loaded.created);
    check('lockout: uploads idle and under load, SHA-256 matches', r.idle.uploadSha256Ok && r.loaded.uploadSha256Ok);
    const latency = (l: typeof r.idle.listing) => `p50 ${l.p50Ms.toFixed(1)} ms`;
    row('lockout', `GET /api/buckets × ${lockoutPlan.listings}, idle`, latency(r.idle.listing), `p99 ${r.idle.listing.p99Ms.toFixed(1)} ms`);
    row('lockout', `GET /api/buckets × ${lockoutPlan.listings}, ${load}`, latency(r.loaded.listing), `p99 ${r.loaded.listing.p99Ms.toFixed(1)} ms`);
    row('lockout', `PUT ${mib(lockoutPlan.uploadSize)}, idle`, `${r.idle.uploadMBps.toFixed(0)} MB/s`);
    row('lockout', `PUT ${mib(lockoutPlan.uploadSize)}, ${load}`, `${r.loaded.uploadMBps.toFixed(0)} MB/s`);
    row('lockout', `gateway RSS, ${load}`, mib(r.gatewayRss.loaded), `idle ${mib(r.gatewayRss.idle)} · as the load opened ${mib(r.gatewayRss.opened)}`);
    row('lockout', `bucket server RSS, ${load}`, mib(r.serverRss.loaded), `idle ${mib(r.serverRss.idle)} · as the load opened ${mib(r.serverRss.opened)}`);
    row('lockout', `kernel TCP buffers, ${load}`, mib(r.tcpMemory), `busy ${r.settleMs} ms after the stalled downloads let go`);
    results.lockout = r;
  }

  // 9. Huge buckets made by an operator, each served by a fresh bucket server: pages, memory, changes behind its back.
  if (wants('huge')) {
    const huge: HugeBucketResult[] = [];
    for (const files of hugeSizes) {
      const outcome = await hugeBucket(data, files, join(here, 'servers'));
      rows.push(...hugeBucketRows(files, outcome));
      if ('measured' in outcome) {
        huge.push(outcome.measured);
        for (const c of hugeBucketChecks(outcome.measured)) check(c.what, c.ok);
      }
    }
    const growth = memoryGrowthRow(huge);
    if (growth) rows.push(growth);
    results.hugeBucket = huge;
  }
} finally {
  await Promise.all(processes.map((p) => p.stop()));
  await rm(data, { recursive: true, force: true });
}

/** Each process's peak RSS while `run` runs, minus its RSS before. */
async function peakGrowth(watched: BenchProcess[], run: () => Promise<void>): Promise<number[]> {
  const idle = await Promise.all(watched.map((p) => p.rss()));
  await Promise.all(watched.map((p) => p.resetPeak()));
  await run();
  const peaks = await Promise.all(watched.map((p) => p.peak()));
  return peaks.map((peak, i) => peak - idle[i]);
}

// Report.
const width = (key: 'section' | 'measure' | 'value') => Math.max(key.length, ...rows.map((r) => r[key].length));
const [ws, wm, wv] = [width('section'), width('measure'), width('value')];
const line = (s: string, m: string, v: string, r = '') => `${s.padEnd(ws)}  ${m.padEnd(wm)}  ${v.padStart(wv)}  ${r}`;
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}`;
console.log(`\nPail benchmark${quick ? ' (quick)' : ''}${only ? ` (only ${only.join(', ')})` : ''} on ${machine}\n`);
console.log(`Large transfers: the median of ${plan.rounds} interleaved round${plan.rounds > 1 ? 's' : ''}.\n`);
console.log(line('section', 'measure', 'value', 'ratio / detail'));
for (const r of rows) console.log(line(r.section, r.measure, r.value, r.ratio));
const failed = checks.filter((c) => !c.ok);
if (!pagesDropped) console.log('\nnote: clean pages could not be dropped before uploads (not root); upload ratios may lean on the page cache');
console.log(`\nchecks: ${checks.length - failed.length} of ${checks.length} passed`);
for (const c of failed) console.log(`  FAILED: ${c.what}${c.why ? ` (${c.why})` : ''}`);

const dir = join(here, 'results');
const previous = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.json') && !f.includes('-only-')).sort().at(-1);
if (!quick) {
  // A run narrowed with --only is marked in its name, and never taken as the previous whole run to compare with.
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}${only ? `-only-${only.join('-')}` : ''}.json`);
  await writeFile(file, JSON.stringify({ machine, date: new Date().toISOString(), size, memorySize, pagesDropped, only, rows, results }, null, 2));
  console.log(`results written to ${file}`);
}
if (flags.compare && previous) {
  const old = JSON.parse(await readFile(join(dir, previous), 'utf8')) as { rows: typeof rows };
  console.log(`\nchange against ${previous}:`);
  for (const r of rows) {
    const was = old.rows.find((o) => o.section === r.section && o.measure === r.measure);
    if (was) console.log(line(r.section, r.measure, r.value, `was ${was.value}`));
  }
}
process.exitCode = failed.length ? 1 : 0;
