// `node --import tsx bench/s3-backend-alone.ts STORE_URL [SIZE] [ROUNDS] [PROFILE_DIR]`: the s3-backend section's
// transfers alone against a running engine (say a test Ceph left up by scripts/ceph-up.sh), for profiling: Pail's
// bucket server on STORE_URL (with `--cpu-prof` into PROFILE_DIR when given) beside the direct SDK client, interleaved.
// ONLY=up leaves the downloads out (a profile of the uploads alone); ONLY=down times only the downloads.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PailConnection } from '../shared/client/connection.ts';
import { STAGING_PART_SIZE, STAGING_PARTS_IN_FLIGHT } from '../server/storage/s3/received-body.ts';
import { directBucket, directClient, directDelete, directDownload, directUpload } from './s3-direct.ts';
import { spawnServer } from './spawn.ts';
import { MB, MiB } from './stats.ts';
import { pailDownload, pailUpload, payload, type Transfer } from './transfer.ts';

const [storeUrl, sizeArg, roundsArg, profileDir] = process.argv.slice(2);
if (!storeUrl) throw new Error('usage: s3-backend-alone.ts STORE_URL [SIZE] [ROUNDS] [PROFILE_DIR]');
const size = Number(sizeArg ?? 256 * MiB);
const rounds = Number(roundsArg ?? 3);
const only = process.env.ONLY;
const body = payload(size);
const data = await mkdtemp(join(tmpdir(), 'pail-s3-alone-'));
const prefix = `alone${process.pid}-`;
const pail = await spawnServer('pail', join(import.meta.dirname, 'servers', 'pail.ts'), [data, '100', `${storeUrl}?prefix=${prefix}`], profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []);
const direct = directClient(storeUrl);
const directBucketName = `${prefix}direct`;
const runs: Record<string, number[]> = {};
const record = (name: string, t: Transfer, sha256Expected = true) => {
  if (t.bytes !== size || (sha256Expected && t.sha256 !== body.sha256)) throw new Error(`${name}: ${t.bytes} bytes, SHA-256 ${t.sha256}`);
  (runs[name] ??= []).push(t.bytes / MB / t.seconds);
  process.stderr.write(`${name}: ${(t.bytes / MB / t.seconds).toFixed(0)} MB/s\n`);
};
try {
  await directBucket(direct, directBucketName);
  const setup = await PailConnection.connect({ host: '127.0.0.1', port: pail.port });
  await setup.createBucket('bench');
  for (let round = 0; round < rounds; round++) {
    const up = await pailUpload(pail.port, body, 'x.bin');
    if (only !== 'down') record('pail up', up);
    if (only !== 'up') record('pail down', await pailDownload(pail.port, 'x.bin'));
    await setup.deleteFile('bench', 'x.bin');
    const directUp = await directUpload(direct, directBucketName, 'x.bin', body, STAGING_PART_SIZE, STAGING_PARTS_IN_FLIGHT);
    if (only !== 'down') record('direct up', directUp, false);
    if (only !== 'up') record('direct down', await directDownload(direct, directBucketName, 'x.bin'));
    await directDelete(direct, directBucketName, 'x.bin');
  }
  await setup.deleteBucket('bench', { force: true });
  await setup.quit();
} finally {
  await pail.stop();
  direct.destroy();
  await rm(data, { recursive: true, force: true });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const [name, xs] of Object.entries(runs)) console.log(`${name.padEnd(12)} median ${median(xs).toFixed(0)} MB/s  (${xs.map((x) => x.toFixed(0)).join(', ')})`);
if (!only) console.log(`up ${(median(runs['pail up']) / median(runs['direct up'])).toFixed(2)}× direct · down ${(median(runs['pail down']) / median(runs['direct down'])).toFixed(2)}× direct`);
