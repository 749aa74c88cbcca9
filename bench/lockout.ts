import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { Agent, request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { PailConnection } from '../shared/client/connection.ts';
import { loopbackAddresses, stalledDownloads, tricklingUploads } from '../test/helpers/hostile-clients.ts';
import type { BenchProcess } from './spawn.ts';
import { MB, ms, percentile } from './stats.ts';
import { httpUpload, payload } from './transfer.ts';

export interface LockoutPlan {
  /** Downloads whose clients never read, each from its own address. */
  readonly stalled: number;
  /** Uploads trickling at 5 KB/s, each from its own address. */
  readonly trickling: number;
  /** Sequential GET /api/buckets timed, with and without the load. */
  readonly listings: number;
  /** The file the stalled downloads ask for. */
  readonly bigSize: number;
  /** The upload timed with and without the load. */
  readonly uploadSize: number;
  /** Bounds every wait of the scenario. */
  readonly maxMs: number;
}


export interface Latency {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly failures: number;
}

export interface LockoutResult {
  readonly plan: LockoutPlan;
  readonly idle: { listing: Latency; uploadMBps: number; uploadSha256Ok: boolean };
  readonly loaded: { listing: Latency; uploadMBps: number; uploadSha256Ok: boolean; created: boolean };
  /** Stalled downloads answered 200 and begun; trickling uploads that reached the bucket server. */
  readonly stalledBegun: number;
  readonly tricklingArrived: number;
  /** Connections to the bucket server once the load has settled (all the gateway's: commands, events, transfers). */
  readonly serverConnections: number;
  /** How long the bucket server stayed busy after the stalled downloads let go of it. */
  readonly settleMs: number;
  /** The gateway's and the bucket server's RSS: idle, as the load has just opened, and once it has settled. */
  readonly gatewayRss: { idle: number; opened: number; loaded: number };
  readonly serverRss: { idle: number; opened: number; loaded: number };
  /** The kernel's TCP buffer memory (all sockets of the machine) once the load has settled, in bytes. */
  readonly tcpMemory: number;
}

/**
 * Issue 12's lockout scenario against a running gateway: listing latency and
 * a fresh upload's throughput, first on an idle gateway, then with `stalled`
 * downloads that never read and `trickling` uploads at 5 KB/s held open, each
 * from a loopback address of its own (127.0.1.x and 127.0.2.x).
 */
export async function lockout(gateway: BenchProcess, server: BenchProcess, serverData: string, plan: LockoutPlan): Promise<LockoutResult> {
  const base = `http://127.0.0.1:${gateway.port}`;
  const setup = await PailConnection.connect({ host: '127.0.0.1', port: server.port });
  await setup.createBucket('lockout');
  await setup.upload('lockout', 'big.bin', payload(plan.bigSize).chunks());
  await setup.quit();
  const body = payload(plan.uploadSize);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const upload = async (name: string) => {
    const t = await httpUpload(`${base}/api/buckets/lockout/files/${name}?overwrite=true`, body);
    return { uploadMBps: t.bytes / MB / t.seconds, uploadSha256Ok: t.sha256 === body.sha256 };
  };

  const idle = { listing: await listings(`${base}/api/buckets`, agent, plan), ...(await upload('fresh-idle.bin')) };
  const idleRss = await gateway.rss();
  const serverIdleRss = await server.rss();

  const stalled = await stalledDownloads(gateway.port, '/api/buckets/lockout/files/big.bin', loopbackAddresses(1, plan.stalled));
  const trickling = await tricklingUploads(gateway.port, (i) => `/api/buckets/lockout/files/slow-${i}.bin`, loopbackAddresses(2, plan.trickling), {
    size: 64 * MB,
    piece: 512,
    everyMs: 100,
  });
  try {
    const temporaries = join(serverData, '.pail', 'tmp');
    const deadline = Date.now() + plan.maxMs;
    let arrived = 0;
    while (Date.now() < deadline && (arrived = (await readdir(temporaries)).length) < plan.trickling) await new Promise((r) => setTimeout(r, 50));
    // Measured as the load stays: once the stalled downloads have let go of the bucket server (the trickling uploads keep theirs).
    let serverConnections = Infinity;
    while (Date.now() < deadline && (serverConnections = await establishedTo(server.port)) >= plan.trickling + plan.stalled / 4) await new Promise((r) => setTimeout(r, 50));
    // …and once the bucket server has finished with the downloads they cut (it spends seconds of CPU on that, once).
    const settleStarted = Date.now();
    while (Date.now() < deadline && (await cpuOver(server, 500)) > QUIET_CPU) continue;
    const settleMs = Date.now() - settleStarted;
    const loadedRss = await gateway.rss();
    const serverLoadedRss = await server.rss();
    const tcpMemory = await tcpBufferBytes();
    const openedRss = await gateway.rss();
    const serverOpenedRss = await server.rss();
    const listing = await listings(`${base}/api/buckets`, agent, plan);
    const created = await createBucket(`${base}/api/buckets`);
    const loaded = { listing, created, ...(await upload('fresh-loaded.bin')) };
    return {
      plan,
      idle,
      loaded,
      stalledBegun: stalled.statusLines.filter((line) => line === 'HTTP/1.1 200 OK').length,
      tricklingArrived: arrived,
      serverConnections,
      settleMs,
      gatewayRss: { idle: idleRss, opened: openedRss, loaded: loadedRss },
      serverRss: { idle: serverIdleRss, opened: serverOpenedRss, loaded: serverLoadedRss },
      tcpMemory,
    };
  } finally {
    stalled.close();
    trickling.close();
    agent.destroy();
  }
}

/** `plan.listings` sequential GETs on one keep-alive connection, each bounded by `plan.maxMs`. */
async function listings(url: string, agent: Agent, plan: LockoutPlan): Promise<Latency> {
  const latencies: number[] = [];
  let failures = 0;
  for (let i = 0; i < plan.listings; i++) {
    const started = process.hrtime.bigint();
    const req = request(url, { agent, signal: AbortSignal.timeout(plan.maxMs) });
    req.end();
    try {
      const [res] = (await once(req, 'response')) as [IncomingMessage];
      await res.toArray();
      if (res.statusCode !== 200) failures++;
    } catch {
      failures++;
    }
    latencies.push(ms(started));
  }
  latencies.sort((a, b) => a - b);
  return { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), failures };
}

/** CPU seconds a second below which the bucket server counts as quiet (the trickling uploads cost about 0.01). */
const QUIET_CPU = 0.05;

/** CPU seconds a second a process spent over the next `ms`. */
async function cpuOver(p: BenchProcess, ms: number): Promise<number> {
  const before = await p.cpu();
  await new Promise((r) => setTimeout(r, ms));
  return ((await p.cpu()) - before) / (ms / 1000);
}

/** The kernel's memory in TCP buffers now (Linux: /proc/net/sockstat counts it in pages). */
async function tcpBufferBytes(): Promise<number> {
  const pages = /TCP:.* mem (\d+)/.exec(await readFile('/proc/net/sockstat', 'utf8'))?.[1];
  return Number(pages ?? 0) * 4096;
}

/** TCP connections established to a port of 127.0.0.1 now, from the kernel's table (Linux). */
export async function establishedTo(port: number): Promise<number> {
  const table = await readFile('/proc/net/tcp', 'utf8');
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  // Columns: sl, local address, remote address, state (01 is ESTABLISHED), …
  return table.split('\n').filter((line) => {
    const [, address, , state] = line.trim().split(/\s+/);
    return address === local && state === '01';
  }).length;
}

async function createBucket(url: string): Promise<boolean> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'lockout-made' }) });
  await response.arrayBuffer();
  return response.status === 201;
}
