import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PailConnection } from '../../shared/client/connection.ts';
import { loopbackAddresses, stalledDownloads, tricklingUploads, type HeldClients } from '../helpers/hostile-clients.ts';
import { postJson, startHarness, until, type Harness } from './harness.ts';
import { generated, openRequest, readJson, sha256Of, writeAll } from './streams.ts';

const MiB = 1 << 20;
const STALLED = 200;
const TRICKLING = 50;
const BIG_MIB = 200;
const FRESH_MIB = 100;
const LISTINGS = 200;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Issue 12, item 1: slow and stalled transfers, however many, never lock
 * other users out. 200 downloads whose clients never read and 50 uploads
 * trickling at 5 KB/s, each from its own loopback address (127.0.1.x and
 * 127.0.2.x, so the per-address limit admits them all), are held open while
 * another address lists buckets, creates one and uploads 100 MiB.
 */
describe('the gateway under stalled and trickling transfers', () => {
  let h: Harness;
  let port: number;
  const held: HeldClients[] = [];
  const temporaries = () => readdir(join(h.data, '.pail', 'tmp'));

  beforeAll(async () => {
    h = await startHarness({ gateway: { limits: { rateLimit: 1_000_000, consoleRate: 20, idleTimeoutMs: 60_000, headersTimeoutMs: 60_000, minBodyRate: 1024 } } });
    port = Number(new URL(h.base).port);
    const client = await PailConnection.connect({ host: '127.0.0.1', port: h.serverPort });
    await client.createBucket('load');
    await client.upload('load', 'big.bin', generated(BIG_MIB, MiB));
    await client.quit();
  });
  afterAll(async () => {
    for (const clients of held) clients.close();
    await h.close();
  });

  it('answers listings within 100 ms at p99, creates buckets and takes a 100 MiB upload whole', { timeout: 120_000 }, async () => {
    const stalled = await stalledDownloads(port, '/api/buckets/load/files/big.bin', loopbackAddresses(1, STALLED));
    held.push(stalled);
    expect(stalled.statusLines.filter((line) => line === 'HTTP/1.1 200 OK')).toHaveLength(STALLED);
    const trickling = await tricklingUploads(port, (i) => `/api/buckets/load/files/slow-${i}.bin`, loopbackAddresses(2, TRICKLING), {
      size: 64 * MiB,
      piece: 512,
      everyMs: 100,
    });
    held.push(trickling);
    // Every trickling upload has reached the bucket server: each holds a temporary there.
    await until(async () => (await temporaries()).length === TRICKLING, 'every trickling upload reached the bucket server', 30_000);

    const latencies: number[] = [];
    for (let i = 0; i < LISTINGS; i++) {
      const started = performance.now();
      // Bounded, so a locked-out gateway fails the test in seconds rather than after its 30 s acquire timeout.
      const response = await fetch(`${h.base}/api/buckets`, { signal: AbortSignal.timeout(5_000) });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      latencies.push(performance.now() - started);
    }
    latencies.sort((a, b) => a - b);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    console.log(`GET /api/buckets under ${STALLED} stalled downloads and ${TRICKLING} trickling uploads: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`);
    expect(p99).toBeLessThan(100);

    const created = await postJson(`${h.base}/api/buckets`, { name: 'during-load' }, {});
    expect(created.status).toBe(201);

    const started = performance.now();
    const { req, response } = openRequest(`${h.base}/api/buckets/load/files/fresh.bin`, { method: 'PUT', headers: { 'content-length': FRESH_MIB * MiB } });
    await writeAll(req, generated(FRESH_MIB, MiB));
    req.end();
    const stored = await readJson(await response);
    const seconds = (performance.now() - started) / 1000;
    console.log(`a fresh ${FRESH_MIB} MiB PUT under the same load: ${((FRESH_MIB * MiB) / 1e6 / seconds).toFixed(0)} MB/s`);
    expect(stored.size).toBe(FRESH_MIB * MiB);
    expect(stored.sha256).toBe(sha256Of(generated(FRESH_MIB, MiB)));

    // The load was there all along: the stalled and trickling clients are all still connected.
    expect(stalled.sockets.filter((s) => s.destroyed)).toHaveLength(0);
    expect(trickling.sockets.filter((s) => s.destroyed)).toHaveLength(0);
  });
});
