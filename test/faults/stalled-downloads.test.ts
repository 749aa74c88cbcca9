import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PailConnection } from '../../shared/client/connection.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { startChildServer, type ChildServer } from '../helpers/child-server.ts';

const READERS = 1_000;
const FILE_SIZE = 200_000_000;
/** The target: 1,000 stalled downloads add less than this to the server's resident memory. */
const MAX_GROWTH = 256 * 1024 * 1024;

let server: ChildServer;
const sockets: Socket[] = [];
beforeAll(async () => {
  server = await startChildServer();
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await server.stop();
});

/** 200 MB generated 1 MiB at a time. */
function* body(size: number): Generator<Buffer> {
  const chunk = Buffer.alloc(1 << 20, 0x61);
  for (let sent = 0; sent < size; sent += chunk.length) yield chunk.subarray(0, Math.min(chunk.length, size - sent));
}

/** Connects, asks for the file, and stops reading once the first bytes (greeting, status, the body's start) arrived. */
function stalledReader(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    sockets.push(socket);
    socket.on('error', reject);
    socket.once('connect', () => socket.write('download big file.bin\n'));
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.subarray(0, 200).toString('latin1');
      if (!seen.includes('900 FDFBS')) return;
      socket.off('data', onData);
      socket.pause();
      resolve();
    };
    socket.on('data', onData);
  });
}

it(`holds ${READERS} downloads that never read within 256 MiB of server memory, then serves a fresh client`, async () => {
  const client = await PailConnection.connect({ host: '127.0.0.1', port: server.port });
  await client.createBucket('big');
  await client.upload('big', 'file.bin', body(FILE_SIZE), { size: FILE_SIZE });
  await client.quit();
  const before = (await server.memory()).rss;

  for (let i = 0; i < READERS; i += 100) {
    await Promise.all(Array.from({ length: 100 }, () => stalledReader(server.port)));
  }
  // The server writes until every socket's kernel buffers are full; wait (bounded) until its memory stops growing.
  let growth = 0;
  let steady = 0;
  for (let poll = 0; poll < 150 && steady < 5 && growth < MAX_GROWTH; poll++) {
    await new Promise((r) => setTimeout(r, 200));
    const now = (await server.memory()).rss - before;
    steady = Math.abs(now - growth) < 2 * 1024 * 1024 ? steady + 1 : 0;
    growth = now;
  }
  console.log(`${READERS} stalled downloads: server RSS grew ${(growth / 2 ** 20).toFixed(0)} MiB`);
  expect(growth).toBeLessThan(MAX_GROWTH);

  for (const s of sockets.splice(0)) s.destroy();
  const fresh = await RawClient.greeted(server.port);
  try {
    expect(await fresh.command('ls_b')).toMatch(/^500 BLS 1/);
  } finally {
    fresh.close();
  }
}, 180_000);
