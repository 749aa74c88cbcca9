import autocannon from 'autocannon';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { PailConnection } from '../shared/client/connection.ts';
import { SocketReader } from '../shared/net/socket-reader.ts';
import { TOO_LONG } from '../shared/protocol/frames.ts';
import { ms, percentile } from './stats.ts';

export interface OpsResult {
  readonly op: string;
  readonly clients: number;
  readonly ops: number;
  readonly opsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly failures: number;
  /** The first failure's message, so a failed check says what went wrong. */
  readonly firstFailure?: string;
  /** Latencies measured in whole milliseconds (autocannon's histogram), so below 1 ms reads as 0. */
  readonly wholeMs?: boolean;
}

/**
 * `workers` loops run `op` until `maxOps` operations in all or `maxMs` of wall
 * time, whichever comes first; each operation's latency is recorded.
 */
export async function measureLoop<W>(
  name: string,
  workers: readonly W[],
  op: (worker: W, i: number) => Promise<unknown>,
  limits: { maxOps: number; maxMs: number },
): Promise<OpsResult> {
  const latencies: number[] = [];
  let issued = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + limits.maxMs;
  await Promise.all(
    workers.map(async (worker) => {
      while (issued < limits.maxOps && Date.now() < deadline) {
        const i = issued++;
        const t = process.hrtime.bigint();
        await op(worker, i).catch((err: unknown) => {
          failures++;
          firstFailure ??= `op ${i}: ${err instanceof Error ? err.message : String(err)}`;
        });
        latencies.push(ms(t));
      }
    }),
  );
  const elapsed = ms(started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    op: name,
    clients: workers.length,
    ops: latencies.length,
    opsPerSecond: latencies.length / elapsed,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    failures,
    firstFailure,
  };
}

/** `clients` protocol connections, each running `op` in a bounded loop. */
export async function opsLoad(
  port: number,
  name: string,
  clients: number,
  op: (c: PailConnection, i: number) => Promise<unknown>,
  limits: { maxOps: number; maxMs: number },
): Promise<OpsResult> {
  const connections = await Promise.all(Array.from({ length: clients }, () => PailConnection.connect({ host: '127.0.0.1', port })));
  const result = await measureLoop(name, connections, op, limits);
  await Promise.all(connections.map((c) => c.quit()));
  return result;
}

/** Files written straight into a bucket folder (as an operator would), then listed once to record their hashes. */
export async function seedBucket(data: string, port: number, bucket: string, files: number): Promise<void> {
  const dir = join(data, bucket);
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < files; i += 256) {
    await Promise.all(
      Array.from({ length: Math.min(256, files - i) }, (_, j) => writeFile(join(dir, `file-${String(i + j).padStart(6, '0')}.txt`), `${i + j}\n`)),
    );
  }
  const client = await PailConnection.connect({ host: '127.0.0.1', port });
  await client.listFiles(bucket);
  await client.quit();
}

/** Time to the first row and to the last of `ls_f BUCKET`, read off a raw socket. */
export async function timeListing(port: number, bucket: string): Promise<{ rows: number; firstRowMs: number; lastRowMs: number }> {
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  await once(socket, 'connect');
  const reader = new SocketReader(socket, 1 << 20);
  const line = async () => {
    const l = await reader.line();
    if (l === null || l === TOO_LONG) throw new Error('listing cut short');
    return l.toString('utf8');
  };
  await line(); // greeting
  const started = process.hrtime.bigint();
  socket.write(`ls_f ${bucket}\n`);
  const status = await line();
  const count = Number(status.split(' ')[2]);
  let firstRowMs = NaN;
  for (let i = 0; i < count; i++) {
    await line();
    if (i === 0) firstRowMs = ms(started);
  }
  const lastRowMs = ms(started);
  socket.destroy();
  return { rows: count, firstRowMs, lastRowMs };
}

/** Opens `count` idle connections (each greeted) and holds them; returns how many were held and a closer. */
export async function holdIdle(port: number, count: number): Promise<{ held: number; close(): void }> {
  const sockets: Socket[] = [];
  let held = 0;
  for (let i = 0; i < count; i += 500) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(500, count - i) }, async () => {
        const socket = connect({ host: '127.0.0.1', port });
        socket.on('error', () => {});
        sockets.push(socket);
        const [chunk] = (await Promise.race([once(socket, 'data'), once(socket, 'close')])) as [Buffer | boolean];
        return Buffer.isBuffer(chunk) && chunk.toString().startsWith('200 ');
      }),
    );
    held += batch.filter(Boolean).length;
  }
  return { held, close: () => sockets.forEach((s) => s.destroy()) };
}

/** `count` concurrent uploads of `size` random bytes; returns how many came back with the right SHA-256. */
export async function concurrentUploads(port: number, count: number, size: number): Promise<{ verified: number; seconds: number }> {
  const started = process.hrtime.bigint();
  const results = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const body = randomBytes(size);
      const expected = createHash('sha256').update(body).digest('hex');
      const client = await PailConnection.connect({ host: '127.0.0.1', port });
      try {
        const stored = await client.upload('bench', `concurrent-${i}.bin`, body, { overwrite: true });
        const download = await client.download('bench', `concurrent-${i}.bin`);
        const hash = createHash('sha256');
        for await (const chunk of download.body) hash.update(chunk as Buffer);
        return stored.sha256 === expected && hash.digest('hex') === expected;
      } finally {
        await client.quit();
      }
    }),
  );
  return { verified: results.filter(Boolean).length, seconds: ms(started) / 1000 };
}

/**
 * Time to the first byte and to the last of a GET, the gateway's listing seen from a client. node:http, as
 * the transfers use: the first fetch() of a process spends tens of milliseconds loading its HTTP client.
 */
export async function timeHttp(url: string): Promise<{ bytes: number; firstByteMs: number; lastByteMs: number }> {
  const started = process.hrtime.bigint();
  const req = request(url);
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  let firstByteMs = NaN;
  let bytes = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    if (bytes === 0) firstByteMs = ms(started);
    bytes += chunk.length;
  }
  if (res.statusCode !== 200) throw new Error(`GET ${url} answered ${res.statusCode}`);
  return { bytes, firstByteMs, lastByteMs: ms(started) };
}

/**
 * `clients` keep-alive connections GETting `url` under autocannon, until `maxOps` requests in all or
 * `maxMs` of wall time, whichever comes first (autocannon's `amount` alone would wait for every request).
 * autocannon records latencies in whole milliseconds; throughput is timed here.
 */
export async function httpLoad(url: string, name: string, clients: number, limits: { maxOps: number; maxMs: number }): Promise<OpsResult> {
  let timer: NodeJS.Timeout | undefined;
  const started = process.hrtime.bigint();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const run = autocannon({ url, connections: clients, amount: limits.maxOps, timeout: 10 }, (err: unknown, result) => (err ? reject(err instanceof Error ? err : new Error('autocannon failed')) : resolve(result)));
    timer = setTimeout(() => run.stop(), limits.maxMs);
  });
  clearTimeout(timer);
  const elapsed = ms(started) / 1000;
  const ops = result['2xx'];
  return {
    op: name,
    clients,
    ops,
    opsPerSecond: ops / elapsed,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    failures: result.errors + result.timeouts + result.non2xx,
    wholeMs: true,
  };
}
