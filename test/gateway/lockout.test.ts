import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockout, type LockoutPlan } from '../../bench/lockout.ts';
import { spawnServer, type BenchProcess } from '../../bench/spawn.ts';

const MB = 1e6;
const PLAN: LockoutPlan = { stalled: 200, trickling: 50, listings: 200, bigSize: 200 * MB, uploadSize: 100 * MB, maxMs: 30_000 };

/**
 * Issue 12, item 1: slow and stalled transfers, however many, never lock
 * other users out. The bucket server and the gateway run in processes of
 * their own (as `npm run bench` runs them, the settings' defaults), so the
 * gateway's event loop is its own, not shared with the load. 200 downloads
 * whose clients never read and 50 uploads trickling at 5 KB/s, each from its
 * own loopback address (127.0.1.x and 127.0.2.x, so the per-address limit
 * admits them all), are held open while 127.0.0.1 lists buckets, creates one
 * and uploads 100 MB (bench/lockout.ts, the benchmark's scenario).
 */
describe('the gateway under stalled and trickling transfers', () => {
  let data: string;
  const processes: BenchProcess[] = [];

  beforeAll(async () => {
    data = await mkdtemp(join(tmpdir(), 'pail-lockout-'));
    const servers = join(import.meta.dirname, '..', '..', 'bench', 'servers');
    processes.push(await spawnServer('pail', join(servers, 'pail.ts'), [join(data, 'pail')]));
    processes.push(await spawnServer('gateway', join(servers, 'gateway.ts'), [String(processes[0].port)]));
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await rm(data, { recursive: true, force: true });
  });

  it('answers listings within 100 ms at p99, creates buckets and takes a 100 MB upload whole', { timeout: 180_000 }, async () => {
    const [server, gateway] = processes;
    const r = await lockout(gateway, server, join(data, 'pail'), PLAN);
    console.log(
      `GET /api/buckets idle p50 ${r.idle.listing.p50Ms.toFixed(1)} ms, p99 ${r.idle.listing.p99Ms.toFixed(1)} ms; ` +
        `under the load p50 ${r.loaded.listing.p50Ms.toFixed(1)} ms, p99 ${r.loaded.listing.p99Ms.toFixed(1)} ms; ` +
        `PUT idle ${r.idle.uploadMBps.toFixed(0)} MB/s, under the load ${r.loaded.uploadMBps.toFixed(0)} MB/s; ` +
        `gateway RSS ${(r.gatewayRss.loaded / 2 ** 20).toFixed(0)} MiB; bucket server connections ${r.serverConnections}, busy ${r.settleMs} ms after the let-go`,
    );
    expect(r.stalledBegun).toBe(PLAN.stalled);
    expect(r.tricklingArrived).toBe(PLAN.trickling);
    // Stalled downloads hold no bucket server connection: the trickling uploads, the commands lane and the events do.
    expect(r.serverConnections).toBeLessThan(PLAN.trickling + PLAN.stalled / 4);
    expect(r.loaded.listing.failures).toBe(0);
    expect(r.loaded.listing.p99Ms).toBeLessThan(100);
    expect(r.loaded.created).toBe(true);
    expect(r.loaded.uploadSha256Ok).toBe(true);
  });
});
