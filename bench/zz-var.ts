import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockout } from '/work/main/bench/lockout.ts';
import { spawnServer, type BenchProcess } from '/work/main/bench/spawn.ts';
import { MB } from '/work/main/bench/stats.ts';
const [stalled, trickling] = process.argv.slice(2).map(Number);
const plan = { stalled, trickling, listings: 100, bigSize: 200 * MB, uploadSize: 100 * MB, maxMs: 30_000 };
const data = await mkdtemp(join(tmpdir(), 'pail-lockout-'));
const processes: BenchProcess[] = [];
try {
  const servers = '/work/main/bench/servers';
  const pail = await spawnServer('pail', join(servers, 'pail.ts'), [join(data, 'pail')]);
  processes.push(pail);
  const gateway = await spawnServer('gateway', join(servers, 'gateway.ts'), [String(pail.port)]);
  processes.push(gateway);
  const r = await lockout(gateway, pail, join(data, 'pail'), plan);
  console.log(stalled, trickling, 'idle', r.idle.uploadMBps.toFixed(0), 'loaded', r.loaded.uploadMBps.toFixed(0), 'gwRSS', (r.gatewayRss.loaded/2**20).toFixed(0), 'tcp', (r.tcpMemory/2**20).toFixed(0));
} finally {
  await Promise.all(processes.map((p) => p.stop()));
  await rm(data, { recursive: true, force: true });
}
