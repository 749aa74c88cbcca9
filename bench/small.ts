// `node --import tsx bench/small.ts [--rounds N] [--clients 1,64] [--max-ms MS]`
// A focused run of small durable uploads: Pail beside the thread-per-connection C baseline (servers/small-files.c),
// interleaved round by round, each load bounded in count and time.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PailConnection } from '../shared/client/connection.ts';
import type { OpsResult } from './load.ts';
import { baselineSmallFiles, pailSmallFiles } from './small-files.ts';
import { spawnProgram, spawnServer, type BenchProcess } from './spawn.ts';
import { buildCeiling } from './upload-paths.ts';

const { values: flags } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, clients: { type: 'string', default: '1,64' }, 'max-ms': { type: 'string', default: '2000' } },
});
const here = import.meta.dirname;
const data = await mkdtemp(join(tmpdir(), 'pail-small-'));
const processes: BenchProcess[] = [];
try {
  const binary = buildCeiling(join(here, 'servers', 'small-files.c'), join(data, 'small-files'), ['-pthread']);
  if (!binary) throw new Error('no C compiler: the baseline cannot be built');
  await mkdir(join(data, 'baseline'));
  const baseline = await spawnProgram('small-files', binary, [join(data, 'baseline')]);
  processes.push(baseline);
  const pail = await spawnServer('pail', join(here, 'servers', 'pail.ts'), [join(data, 'pail')]);
  processes.push(pail);
  const setup = await PailConnection.connect({ host: '127.0.0.1', port: pail.port });
  await setup.createBucket('small');
  await setup.quit();
  const limits = { maxOps: 50_000, maxMs: Number(flags['max-ms']) };
  const all: OpsResult[] = [];
  const show = (r: OpsResult) =>
    console.log(`${r.op.padEnd(34)} × ${String(r.clients).padStart(3)}: ${r.opsPerSecond.toFixed(0).padStart(6)}/s  p50 ${r.p50Ms.toFixed(1)} ms  p99 ${r.p99Ms.toFixed(1)} ms  failures ${r.failures}`);
  for (let round = 0; round < Number(flags.rounds); round++) {
    for (const clients of flags.clients.split(',').map(Number)) {
      const b = await baselineSmallFiles(baseline.port, clients, limits, `r${round}-c${clients}`);
      const p = await pailSmallFiles(pail.port, clients, limits, 'small', `r${round}-c${clients}`);
      show(b);
      show(p);
      all.push(b, p);
    }
  }
} finally {
  await Promise.all(processes.map((p) => p.stop()));
  await rm(data, { recursive: true, force: true });
}
