// `node --import tsx bench/tus-alone.ts [--quick] [--size BYTES]`: the tus rows of `npm run bench`, alone, against a
// bucket server and a gateway in processes of their own, as the benchmark starts them: a plain PUT, a tus upload and
// a tus upload cut three times, of the same payload, once each. Prints JSON; fails (exit 1) on a wrong SHA-256.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PailConnection } from '../shared/client/connection.ts';
import { spawnServer, type BenchProcess } from './spawn.ts';
import { MB, MiB } from './stats.ts';
import { httpUpload, payload } from './transfer.ts';
import { tusChunkSize, tusCutUpload, tusTransfer } from './tus.ts';

const { values: flags } = parseArgs({ options: { quick: { type: 'boolean', default: false }, size: { type: 'string' } } });
const size = Number(flags.size ?? (flags.quick ? 16 * MiB : 1024 * MiB));
const data = await mkdtemp(join(tmpdir(), 'pail-tus-'));
const processes: BenchProcess[] = [];
try {
  const servers = join(import.meta.dirname, 'servers');
  const pail = await spawnServer('pail', join(servers, 'pail.ts'), [join(data, 'pail')]);
  processes.push(pail);
  const gateway = await spawnServer('gateway', join(servers, 'gateway.ts'), [String(pail.port)]);
  processes.push(gateway);
  const setup = await PailConnection.connect({ host: '127.0.0.1', port: pail.port });
  await setup.createBucket('bench');
  await setup.quit();
  const body = payload(size);
  const chunk = tusChunkSize(size);
  const put = await httpUpload(`http://127.0.0.1:${gateway.port}/api/buckets/bench/files/put.bin?overwrite=true`, body);
  const tus = await tusTransfer(`http://127.0.0.1:${gateway.port}/api/uploads`, body, 'tus.bin', chunk);
  const cut = await tusCutUpload(gateway.port, body, 'tus-cut.bin', chunk);
  const mbps = (t: { bytes: number; seconds: number }) => Math.round(t.bytes / MB / t.seconds);
  const ok = put.sha256 === body.sha256 && tus.sha256 === body.sha256 && cut.sha256 === body.sha256 && cut.cuts === 3 && cut.creations === 1;
  console.log(
    JSON.stringify(
      { size, chunk, ok, putMBps: mbps(put), tusMBps: mbps(tus), tusOverPut: +(mbps(tus) / mbps(put)).toFixed(2), cutMBps: mbps(cut), cut: { ...cut, sentAgainChunks: +(cut.sentAgain / chunk).toFixed(2) } },
      null,
      2,
    ),
  );
  process.exitCode = ok ? 0 : 1;
} finally {
  await Promise.all(processes.map((p) => p.stop()));
  await rm(data, { recursive: true, force: true });
}
