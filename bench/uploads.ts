// `node --import tsx bench/uploads.ts [--rounds N] [--size BYTES] [--profile DIR]`
// A focused run of large uploads against the ceiling baseline: the C ceiling, Pail over TCP and the CLI's put,
// interleaved round by round as run.ts does, so the machine's drift (and other work on it) falls on all alike.
// With --profile, the bucket server runs under `node --cpu-prof` and writes its profile to DIR when stopped.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PailConnection } from '../shared/client/connection.ts';
import { buildCeiling, cliStartup, cliUpload, dropCleanPages, writePayloadFile } from './upload-paths.ts';
import { spawnProgram, spawnServer, type BenchProcess } from './spawn.ts';
import { MB, MiB } from './stats.ts';
import { pailUpload, payload, rawTcpUpload, type Transfer } from './transfer.ts';

const { values: flags } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, size: { type: 'string' }, profile: { type: 'string' }, only: { type: 'string' } },
});
const rounds = Number(flags.rounds);
const size = Number(flags.size ?? 1024 * MiB);
const here = import.meta.dirname;
const data = await mkdtemp(join(tmpdir(), 'pail-uploads-'));
const processes: BenchProcess[] = [];
const mbps = (t: Transfer) => t.bytes / MB / t.seconds;
try {
  const binary = buildCeiling(join(here, 'servers', 'ceiling.c'), join(data, 'ceiling'));
  if (!binary) throw new Error('no C compiler: the ceiling cannot be built');
  const ceiling = await spawnProgram('ceiling', binary, [data]);
  processes.push(ceiling);
  const nodeArgs = flags.profile ? ['--cpu-prof', `--cpu-prof-dir=${flags.profile}`] : [];
  const pail = await spawnServer('pail', join(here, 'servers', 'pail.ts'), [join(data, 'pail')], nodeArgs);
  processes.push(pail);
  const setup = await PailConnection.connect({ host: '127.0.0.1', port: pail.port });
  await setup.createBucket('bench');
  await setup.quit();
  const body = payload(size);
  const file = await writePayloadFile(join(data, 'payload.bin'), body);
  const paths: { name: string; server: BenchProcess; run: () => Promise<Transfer> }[] = [
    { name: 'ceiling', server: ceiling, run: () => rawTcpUpload(ceiling.port, body) },
    { name: 'Pail TCP', server: pail, run: () => pailUpload(pail.port, body) },
    { name: 'CLI put', server: pail, run: () => cliUpload(pail.port, file, 'bench', 'cli.bin') },
  ].filter((p) => !flags.only || flags.only.split(',').includes(p.name));
  const runs = new Map<string, number[]>(paths.map((p) => [p.name, []]));
  const cpu = new Map<string, number[]>(paths.map((p) => [p.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const path of paths) {
      execFileSync('sync');
      dropCleanPages();
      // The CLI's source file is read back into the page cache untimed: every path sends from memory.
      if (path.name === 'CLI put') execFileSync('cat', [file], { stdio: ['ignore', 'ignore', 'inherit'] });
      const cpuBefore = await path.server.cpu();
      const t = await path.run();
      cpu.get(path.name)!.push(((await path.server.cpu()) - cpuBefore) / (t.bytes / (1024 * MiB)));
      if (t.sha256 !== undefined && t.sha256 !== body.sha256) throw new Error(`${path.name}: the stored SHA-256 is wrong`);
      runs.get(path.name)!.push(mbps(t));
      process.stderr.write(`round ${round + 1} ${path.name}: ${mbps(t).toFixed(0)} MB/s\n`);
    }
  }
  if (runs.has('CLI put')) console.log(`CLI start-up alone (pail --help): ${(await cliStartup()).toFixed(2)} s, included in its figure`);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const ceil = median(runs.get('ceiling') ?? [NaN]);
  for (const [name, xs] of runs) {
    console.log(`${name.padEnd(10)} median ${median(xs).toFixed(0)} MB/s  ${(median(xs) / ceil).toFixed(2)}× ceiling  rounds ${xs.map((x) => x.toFixed(0)).join(' ')}  server CPU s/GiB ${median(cpu.get(name)!).toFixed(2)}`);
  }
} finally {
  await Promise.all(processes.map((p) => p.stop()));
  await rm(data, { recursive: true, force: true });
}
