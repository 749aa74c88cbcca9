import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PailConnection } from '../../shared/client/connection.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { startChildServer } from '../helpers/child-server.ts';

/**
 * kill -9 of the bucket server in the middle of uploads and overwrites, at
 * many points, then a restart on the same data folder: every file is absent
 * or exactly one whole version, an acknowledged upload is never lost, and no
 * temporary survives the restart.
 */
const SIZE = 2 << 20;
const KILL_POINTS = 12;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const version = (fill: number) => Buffer.alloc(SIZE, fill);

let data: string;
beforeAll(async () => {
  data = await mkdtemp(join(tmpdir(), 'pail-kill-'));
});
afterAll(async () => {
  await rm(data, { recursive: true, force: true });
});

/** A deterministic spread of kill points: how many body bytes are sent, and whether to wait for the reply first. */
function killPoint(i: number): { sent: number; awaitReply: boolean } {
  const fractions = [0, 0.01, 0.25, 0.5, 0.75, 0.99, 1, 1];
  const sent = Math.floor(SIZE * fractions[i % fractions.length]);
  return { sent, awaitReply: i % fractions.length === 7 };
}

it(`keeps every file absent or whole across ${KILL_POINTS} kill -9 points mid-upload and mid-overwrite`, async () => {
  let server = await startChildServer({ data });
  const setup = await PailConnection.connect({ host: '127.0.0.1', port: server.port });
  await setup.createBucket('crash');
  const old = version(0x6f);
  await setup.upload('crash', 'overwritten.bin', old);
  await setup.quit();
  const acknowledged = new Map<string, string>([['overwritten.bin', sha256(old)]]);

  for (let i = 0; i < KILL_POINTS; i++) {
    const { sent, awaitReply } = killPoint(i);
    const fresh = version(0x30 + i);
    const name = i % 2 === 0 ? 'overwritten.bin' : `new-${i}.bin`;
    const client = await RawClient.greeted(server.port);
    expect(await client.command(`put crash ${name} ${SIZE} overwrite`)).toMatch(/^100 SEND/);
    client.send(fresh.subarray(0, sent));
    if (awaitReply) {
      expect(await client.line()).toMatch(/^700 FUTB/);
      acknowledged.set(name, sha256(fresh));
    }
    await server.kill();
    client.close();

    server = await startChildServer({ data });
    expect(await readdir(join(data, '.pail', 'tmp')), `temporaries after kill point ${i}`).toEqual([]);
    const stored = await readFile(join(data, 'crash', name)).catch(() => undefined);
    const allowed = new Set([acknowledged.get(name), sha256(fresh)].filter(Boolean));
    if (stored === undefined) expect(acknowledged.has(name), `${name} was acknowledged, then lost`).toBe(false);
    else expect(allowed.has(sha256(stored)), `${name} after kill point ${i} is a mix`).toBe(true);
    if (stored) acknowledged.set(name, sha256(stored));
  }

  // What the restarted server lists matches what is on disk.
  const client = await PailConnection.connect({ host: '127.0.0.1', port: server.port });
  const listed = await client.listFiles('crash');
  for (const file of listed) expect(file.sha256).toBe(acknowledged.get(file.name));
  await client.quit();
  await server.stop();
});
