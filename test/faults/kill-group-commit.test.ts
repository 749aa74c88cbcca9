import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PailConnection } from '../../shared/client/connection.ts';
import { startChildServer } from '../helpers/child-server.ts';

/**
 * kill -9 of the bucket server while many small uploads into one folder are
 * being committed together (their folder's fsync shared, their records
 * appended together), then a restart on the same data folder: every upload
 * that was acknowledged is there, whole, and no temporary survives. The
 * bodies take both ways to the disk: most are small enough to be written
 * O_SYNC (durable as the write returns), every eighth is larger and synced
 * after its write; every third keeps an etag, whose record is synced before
 * its file is committed and must come back with it.
 */
const CLIENTS = 32;
const KILL_AFTER = 200; // acknowledged uploads before the kill
const MAX_UPLOADS = 5_000; // the loop's bound, far above the kill point
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
/** A body of its own for every upload (1–4 KiB, every eighth 300 KiB: past the O_SYNC writes), so a mixed-up or partial file shows. */
const bodyOf = (i: number) => Buffer.alloc(i % 8 === 7 ? 300 * 1024 : 1024 * (1 + (i % 4)), i & 0xff).fill(String(i), 0, 8);
const keepsEtag = (i: number) => i % 3 === 0;

let data: string;
beforeAll(async () => {
  data = await mkdtemp(join(tmpdir(), 'pail-kill-group-'));
});
afterAll(async () => {
  await rm(data, { recursive: true, force: true });
});

it(`keeps every acknowledged upload whole when killed while ${CLIENTS} clients' uploads are committed together`, async () => {
  let server = await startChildServer({ data });
  const setup = await PailConnection.connect({ host: '127.0.0.1', port: server.port });
  await setup.createBucket('group');
  await setup.quit();

  const acknowledged = new Map<string, string>();
  const etags = new Map<string, string>();
  let issued = 0;
  let inFlight = 0;
  let inFlightAtKill = -1;
  let killed: Promise<void> | undefined;
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => PailConnection.connect({ host: '127.0.0.1', port: server.port })));
  await Promise.all(
    clients.map(async (client) => {
      while (!killed && issued < MAX_UPLOADS) {
        const i = issued++;
        // Half at the bucket's top, half in one folder: both folders' syncs are shared.
        const name = i % 2 ? `f-${i}.bin` : `dir/f-${i}.bin`;
        const body = bodyOf(i);
        inFlight++;
        try {
          await client.upload('group', name, body, keepsEtag(i) ? { md5: true } : {});
          acknowledged.set(name, sha256(body));
          if (keepsEtag(i)) etags.set(name, md5(body));
        } catch {
          break; // the kill cut this connection
        } finally {
          inFlight--;
        }
        if (acknowledged.size >= KILL_AFTER && !killed) {
          inFlightAtKill = inFlight;
          killed = server.kill();
        }
      }
    }),
  );
  await killed;
  clients.forEach((c) => c.destroy());
  expect(acknowledged.size).toBeGreaterThanOrEqual(KILL_AFTER);
  // The kill came while other uploads were on their way to being committed.
  expect(inFlightAtKill).toBeGreaterThan(0);

  server = await startChildServer({ data });
  expect(await readdir(join(data, '.pail', 'tmp'))).toEqual([]);
  for (const [name, digest] of acknowledged) {
    const stored = await readFile(join(data, 'group', name)).catch(() => undefined);
    expect(stored, `${name} was acknowledged, then lost`).toBeDefined();
    expect(sha256(stored!), `${name} is not whole`).toBe(digest);
  }
  // What the restarted server says of them matches too.
  const client = await PailConnection.connect({ host: '127.0.0.1', port: server.port });
  for (const name of [...acknowledged.keys()].slice(0, 20)) expect((await client.stat('group', name)).sha256).toBe(acknowledged.get(name));
  // Every acknowledged etag came back with its file.
  expect(etags.size).toBeGreaterThan(0);
  for (const [name, etag] of etags) expect((await client.stat('group', name)).etag, `${name} lost its etag`).toBe(etag);
  await client.quit();
  await server.stop();
});
