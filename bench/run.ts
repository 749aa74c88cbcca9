// `npm run bench [-- --quick] [--size BYTES] [--memory-size BYTES] [--compare]`
// Measures Pail against baselines run on this machine in the same run, prints one table, writes JSON to bench/results/.
// Every load loop is bounded in count and time; only loopback is used. Checks (completion, checksums) fail the run;
// timings never do.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PailConnection } from '../shared/client/connection.ts';
import { concurrentUploads, holdIdle, httpLoad, opsLoad, seedBucket, timeHttp, timeListing, type OpsResult } from './load.ts';
import { spawnServer, type BenchProcess } from './spawn.ts';
import { MB, MiB } from './stats.ts';
import { httpDownload, httpUpload, pailDownload, pailUpload, payload, rawTcpDownload, rawTcpUpload, type Transfer } from './transfer.ts';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    size: { type: 'string' },
    'memory-size': { type: 'string' },
    compare: { type: 'boolean', default: false },
  },
});
const quick = flags.quick!;
const size = Number(flags.size ?? (quick ? 16 * MiB : 1024 * MiB));
const memorySize = Number(flags['memory-size'] ?? (quick ? 64 * MiB : 4096 * MiB));
const plan = quick
  ? { rounds: 1, clients: [1, 16], maxOps: 500, maxMs: 500, listingFiles: 500, idle: 200, concurrent: 10, concurrentSize: MiB }
  : { rounds: 3, clients: [1, 16, 64, 256], maxOps: 50_000, maxMs: 3_000, listingFiles: 10_000, idle: 10_000, concurrent: 100, concurrentSize: 10 * MB };

const here = import.meta.dirname;
const rows: { section: string; measure: string; value: string; ratio?: string }[] = [];
const checks: { what: string; ok: boolean }[] = [];
const results: Record<string, unknown> = {};
const row = (section: string, measure: string, value: string, ratio?: string) => rows.push({ section, measure, value, ratio });
const check = (what: string, ok: boolean) => checks.push({ what, ok });
const mbps = (t: Transfer) => t.bytes / MB / t.seconds;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

const data = await mkdtemp(join(tmpdir(), 'pail-bench-'));
const processes: BenchProcess[] = [];
/** Progress on stderr, so a long run shows where it is. */
const step = (what: string) => process.stderr.write(`bench: ${what}\n`);
const start = async (name: string, script: string, args: string[]) => {
  step(`starting ${name}`);
  const p = await spawnServer(name, join(here, 'servers', script), args);
  processes.push(p);
  return p;
};

try {
  const rawTcp = await start('raw-tcp', 'raw-tcp.ts', [data]);
  const rawHttp = await start('raw-http', 'raw-http.ts', [data]);
  const pail = await start('pail', 'pail.ts', [join(data, 'pail')]);
  const gateway = existsSync(join(here, '..', 'gateway', 'main.ts')) ? await start('gateway', 'gateway.ts', [String(pail.port)]) : undefined;
  const setup = await PailConnection.connect({ host: '127.0.0.1', port: pail.port });
  await setup.createBucket('bench');
  await setup.createBucket('small');
  await setup.upload('small', 'a.txt', Buffer.from('small'));
  await setup.quit();

  // 1–3. Large transfers, each path beside its baseline.
  const body = payload(size);
  const label = mib(size);
  // The disk's write-back of one transfer would slow the next: every run starts after `sync`, and the
  // best of `rounds` runs counts, so the order of the paths does not decide their ratio.
  const transfer = async (name: string, run: () => Promise<Transfer>) => {
    let best: Transfer | undefined;
    for (let round = 0; round < plan.rounds; round++) {
      step(`${name}${plan.rounds > 1 ? ` (${round + 1} of ${plan.rounds})` : ''}`);
      execFileSync('sync');
      const t = await run();
      check(`${name}: ${t.bytes} bytes, SHA-256 matches`, t.bytes === size && t.sha256 === body.sha256);
      if (!best || t.seconds < best.seconds) best = t;
    }
    return best!;
  };
  const rawUp = await transfer('raw TCP upload', () => rawTcpUpload(rawTcp.port, body));
  const rawDown = await transfer('raw TCP download', () => rawTcpDownload(rawTcp.port));
  const tcpUp = await transfer('Pail TCP upload', () => pailUpload(pail.port, body));
  const tcpDown = await transfer('Pail TCP download', () => pailDownload(pail.port));
  row('baseline', `raw TCP upload ${label} (fsync)`, `${mbps(rawUp).toFixed(0)} MB/s`);
  row('baseline', `raw TCP download ${label}`, `${mbps(rawDown).toFixed(0)} MB/s`);
  row('TCP', `upload ${label}`, `${mbps(tcpUp).toFixed(0)} MB/s`, `${(mbps(tcpUp) / mbps(rawUp)).toFixed(2)}× raw`);
  row('TCP', `download ${label}`, `${mbps(tcpDown).toFixed(0)} MB/s`, `${(mbps(tcpDown) / mbps(rawDown)).toFixed(2)}× raw`);
  results.transfer = { size, rawUp, rawDown, tcpUp, tcpDown };

  const httpUp = await transfer('HTTP baseline PUT', () => httpUpload(`http://127.0.0.1:${rawHttp.port}/f`, body));
  const httpDown = await transfer('HTTP baseline GET', () => httpDownload(`http://127.0.0.1:${rawHttp.port}/f`));
  row('baseline', `node:http PUT ${label} (fsync)`, `${mbps(httpUp).toFixed(0)} MB/s`);
  row('baseline', `node:http GET ${label}`, `${mbps(httpDown).toFixed(0)} MB/s`);
  if (gateway) {
    const url = `http://127.0.0.1:${gateway.port}/api/buckets/bench/files`;
    const gwPut = await transfer('gateway PUT', () => httpUpload(`${url}/gw-put.bin?overwrite=true`, body));
    const gwPost = await transfer('gateway multipart POST', () => httpUpload(`${url}?overwrite=true`, body, 'multipart', 'gw-post.bin'));
    const gwGet = await transfer('gateway GET', () => httpDownload(`${url}/gw-put.bin`));
    row('gateway', `PUT ${label}`, `${mbps(gwPut).toFixed(0)} MB/s`, `${(mbps(gwPut) / mbps(httpUp)).toFixed(2)}× http`);
    row('gateway', `multipart POST ${label}`, `${mbps(gwPost).toFixed(0)} MB/s`, `${(mbps(gwPost) / mbps(httpUp)).toFixed(2)}× http`);
    row('gateway', `GET ${label}`, `${mbps(gwGet).toFixed(0)} MB/s`, `${(mbps(gwGet) / mbps(httpDown)).toFixed(2)}× http`);
    results.gateway = { httpUp, httpDown, gwPut, gwPost, gwGet };
  } else {
    row('gateway', 'not measured', 'no gateway/main.ts in this checkout');
  }

  // 4. Small operations at rising concurrency.
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
      ops.push(await httpLoad(`http://127.0.0.1:${gateway.port}/api/buckets`, 'gateway GET /api/buckets', clients, limits));
      ops.push(await httpLoad(`http://127.0.0.1:${gateway.port}/api/buckets/small/files`, 'gateway GET …/small/files', clients, limits));
    }
  }
  for (const r of ops) {
    check(`${r.op} at ${r.clients} clients without failures`, r.failures === 0 && r.ops > 0);
    row('ops', `${r.op} × ${r.clients} clients`, `${r.opsPerSecond.toFixed(0)} ops/s`, `p50 ${r.p50Ms.toFixed(2)} ms · p99 ${r.p99Ms.toFixed(2)} ms`);
  }
  results.ops = ops;

  // 5. A big listing: time to the first row and to the last.
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

  // 6. Memory during a large transfer, minus idle.
  step(`memory during a ${mib(memorySize)} round trip`);
  const memoryBody = payload(memorySize);
  const idleRss = await pail.rss();
  await pail.resetPeak();
  const memUp = await pailUpload(pail.port, memoryBody, 'memory.bin');
  const memDown = await pailDownload(pail.port, 'memory.bin');
  check(`${mib(memorySize)} round trip SHA-256 matches`, memUp.sha256 === memoryBody.sha256 && memDown.sha256 === memoryBody.sha256);
  const growth = (await pail.peak()) - idleRss;
  row('memory', `bucket server RSS growth, ${mib(memorySize)} up+down`, mib(growth));
  results.memory = { size: memorySize, serverGrowth: growth };

  // 7. Idle connections held, and concurrent uploads verified.
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
} finally {
  await Promise.all(processes.map((p) => p.stop()));
  await rm(data, { recursive: true, force: true });
}

// Report.
const width = (key: 'section' | 'measure' | 'value') => Math.max(key.length, ...rows.map((r) => r[key].length));
const [ws, wm, wv] = [width('section'), width('measure'), width('value')];
const line = (s: string, m: string, v: string, r = '') => `${s.padEnd(ws)}  ${m.padEnd(wm)}  ${v.padStart(wv)}  ${r}`;
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}`;
console.log(`\nPail benchmark${quick ? ' (quick)' : ''} on ${machine}\n`);
console.log(line('section', 'measure', 'value', 'ratio / detail'));
for (const r of rows) console.log(line(r.section, r.measure, r.value, r.ratio));
const failed = checks.filter((c) => !c.ok);
console.log(`\nchecks: ${checks.length - failed.length} of ${checks.length} passed`);
for (const c of failed) console.log(`  FAILED: ${c.what}`);

const dir = join(here, 'results');
const previous = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.json')).sort().at(-1);
if (!quick) {
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify({ machine, date: new Date().toISOString(), size, memorySize, rows, results }, null, 2));
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
