// `node --import tsx bench/s3-upload-phases.ts STORE_URL [SIZE] [ROUNDS]`: where the wall time of one upload through
// Pail's s3 backend goes, beside the direct SDK client's upload of the same bytes. The bucket server runs in this
// process with every engine request timed (S3Client.send wrapped, and each staged part's body timed to its last byte);
// the protocol client runs in a child process, as in the benchmark. Diagnostic only: run it under the bench lock.
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { pino } from 'pino';
import { PailConnection } from '../shared/client/connection.ts';
import { DEFAULTS } from '../shared/config/settings.ts';
import { startBucketServer } from '../server/main.ts';
import { STAGING_PART_SIZE, STAGING_PARTS_IN_FLIGHT } from '../server/storage/s3/received-body.ts';
import { directBucket, directClient, directDelete, directUpload } from './s3-direct.ts';
import { MB, MiB } from './stats.ts';
import { pailUpload, payload } from './transfer.ts';

/** Milliseconds on a clock both processes share. */
const now = () => performance.timeOrigin + performance.now();

if (process.argv[2] === '--client') {
  // The child: one upload of SIZE bytes to the server on PORT, its seconds on stdout.
  const [port, size] = process.argv.slice(3).map(Number);
  const body = payload(size);
  const started = now();
  await pailUpload(port, body, 'phases.bin');
  process.send!({ started, ended: now() });
  process.exit(0);
}

const [storeUrl, sizeArg, roundsArg] = process.argv.slice(2);
if (!storeUrl) throw new Error('usage: s3-upload-phases.ts STORE_URL [SIZE] [ROUNDS]');
const size = Number(sizeArg ?? 256 * MiB);
const rounds = Number(roundsArg ?? 2);

interface Span {
  name: string;
  start: number;
  end?: number;
  bodyEnd?: number;
}
let spans: Span[] = [];
// eslint-disable-next-line @typescript-eslint/unbound-method -- called below with its own `this`
const send = S3Client.prototype.send;
S3Client.prototype.send = function (this: S3Client, command: { constructor: { name: string }; input?: { PartNumber?: number; Body?: unknown } }, ...rest: unknown[]) {
  const span: Span = { name: command.constructor.name.replace(/Command$/, '') + (command.input?.PartNumber ? ` ${command.input.PartNumber}` : ''), start: now() };
  spans.push(span);
  const body = command.input?.Body as { once?: (e: string, f: () => void) => void } | undefined;
  body?.once?.('end', () => (span.bodyEnd = now()));
  const result = (send as (...a: unknown[]) => Promise<unknown>).call(this, command, ...rest);
  return result.finally(() => (span.end = now()));
} as typeof send;

const data = await mkdtemp(join(tmpdir(), 'pail-phases-'));
const prefix = `phases${process.pid}-`;
const server = await startBucketServer({ ...DEFAULTS, tcpPort: 0, data, store: `${storeUrl}?prefix=${prefix}`, logLevel: 'warn' }, pino({ level: 'warn' }));
const port = (server.address() as { port: number }).port;
const setup = await PailConnection.connect({ host: '127.0.0.1', port });
await setup.createBucket('bench');
const direct = directClient(storeUrl);
await directBucket(direct, `${prefix}direct`);

const summarise = (label: string, total: number, t0: number) => {
  const parts = spans.filter((s) => s.name.startsWith('UploadPart '));
  const others = spans.filter((s) => !s.name.startsWith('UploadPart ') && s.end !== undefined);
  const replyWaits = parts.filter((s) => s.bodyEnd !== undefined).map((s) => s.end! - s.bodyEnd!);
  const partTimes = parts.map((s) => s.end! - s.start);
  const gaps = parts.slice(1).map((s, i) => s.start - parts[i].end!);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;
  console.log(`${label}: ${total.toFixed(0)} ms, ${(size / MB / (total / 1000)).toFixed(0)} MB/s`);
  console.log(`  ${parts.length} parts: ${sum(partTimes).toFixed(0)} ms in all (median ${med(partTimes).toFixed(1)} ms); reply after the body's end: ${sum(replyWaits).toFixed(0)} ms in all (median ${med(replyWaits).toFixed(1)}); between parts ${sum(gaps).toFixed(0)} ms in all (median ${med(gaps).toFixed(1)})`);
  if (parts.length) console.log(`  before the first part ${(parts[0].start - t0).toFixed(0)} ms; after the last part ${(t0 + total - parts.at(-1)!.end!).toFixed(0)} ms`);
  for (const s of others) console.log(`  ${s.name.padEnd(24)} at ${(s.start - t0).toFixed(0).padStart(6)} ms  took ${(s.end! - s.start).toFixed(1)} ms`);
};

try {
  const body = payload(size);
  for (let round = 0; round < rounds; round++) {
    spans = [];
    const child = fork(import.meta.filename, ['--client', String(port), String(size)], { execArgv: ['--import', 'tsx'] });
    const reply = await new Promise<{ started: number; ended: number }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { started: number; ended: number }));
      child.once('exit', (code) => reject(new Error(`client exited with ${code}`)));
    });
    summarise('pail up', reply.ended - reply.started, reply.started);
    await setup.deleteFile('bench', 'phases.bin');
    spans = [];
    const d0 = now();
    await directUpload(direct, `${prefix}direct`, 'x.bin', body, STAGING_PART_SIZE, STAGING_PARTS_IN_FLIGHT);
    summarise('direct up', now() - d0, d0);
    await directDelete(direct, `${prefix}direct`, 'x.bin');
  }
} finally {
  await setup.deleteBucket('bench', { force: true }).catch(() => {});
  await setup.quit();
  direct.destroy();
  await server.close();
  await rm(data, { recursive: true, force: true });
}
