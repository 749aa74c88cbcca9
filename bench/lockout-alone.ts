// `node --import tsx bench/lockout-alone.ts [--quick]`: issue 12's lockout scenario of `npm run bench`, alone,
// against a bucket server and a gateway in processes of their own, as the benchmark starts them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockout } from './lockout.ts';
import { spawnServer, type BenchProcess } from './spawn.ts';
import { MB, MiB } from './stats.ts';

const quick = process.argv.includes('--quick');
const plan = quick
  ? { stalled: 20, trickling: 5, listings: 50, bigSize: 32 * MiB, uploadSize: 16 * MiB, maxMs: 10_000 }
  : { stalled: 200, trickling: 50, listings: 200, bigSize: 200 * MB, uploadSize: 100 * MB, maxMs: 30_000 };
const data = await mkdtemp(join(tmpdir(), 'pail-lockout-'));
const processes: BenchProcess[] = [];
try {
  const servers = join(import.meta.dirname, 'servers');
  const pail = await spawnServer('pail', join(servers, 'pail.ts'), [join(data, 'pail')]);
  processes.push(pail);
  const gateway = await spawnServer('gateway', join(servers, 'gateway.ts'), [String(pail.port)]);
  processes.push(gateway);
  console.log(JSON.stringify(await lockout(gateway, pail, join(data, 'pail'), plan), null, 2));
} finally {
  await Promise.all(processes.map((p) => p.stop()));
  await rm(data, { recursive: true, force: true });
}
