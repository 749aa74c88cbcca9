import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { PailConnection } from '../../shared/client/connection.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { parseStatus } from '../../shared/protocol/reply.ts';
import { RawClient } from '../helpers/raw-client.ts';
import type { TestServer } from '../helpers/bucket-server.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const { cleanup, serve } = cleanupAfterEach();

async function connect(server: TestServer): Promise<PailConnection> {
  const c = await PailConnection.connect({ host: '127.0.0.1', port: server.port });
  cleanup.push(() => c.destroy());
  return c;
}

it('round-trips 50 concurrent 10 MB uploads and downloads, every SHA-256 matching', async () => {
  const server = await serve();
  await (await connect(server)).createBucket('load');
  // Bodies made before any connection: 50 × 10 MB of randomBytes on this thread (the server's too) would starve its greetings.
  const base = randomBytes(10_000_000);
  const bodies = Array.from({ length: 50 }, (_, i) => {
    const body = Buffer.from(base);
    for (let at = 0; at < body.length; at += 1_000_000) body.writeUInt32LE(i, at);
    return body;
  });
  const results = await Promise.all(
    bodies.map(async (body, i) => {
      const c = await connect(server);
      const stored = await c.upload('load', `f${i}.bin`, body);
      const download = await c.download('load', `f${i}.bin`);
      const hash = createHash('sha256');
      for await (const chunk of download.body) hash.update(chunk);
      return [sha256(body), stored.sha256, download.info.sha256, hash.digest('hex')];
    }),
  );
  for (const [expected, ...seen] of results) expect(seen).toEqual([expected, expected, expected]);
});

it('leaves exactly one whole payload when 20 writers overwrite one name at once', async () => {
  const server = await serve();
  await (await connect(server)).createBucket('load');
  const bodies = Array.from({ length: 20 }, (_, i) => Buffer.alloc(1 << 20, i + 1));
  await Promise.all(bodies.map(async (body) => (await connect(server)).upload('load', 'one.bin', body, { overwrite: true })));
  const stored = await readFile(join(server.data, 'load', 'one.bin'));
  expect(bodies.map(sha256)).toContain(sha256(stored));
  const listed = await (await connect(server)).listFiles('load');
  expect(listed.map((f) => [f.name, f.sha256])).toEqual([['one.bin', sha256(stored)]]);
});

it('never serves a stale read: 1,000 rounds of upload then download and listing on another connection', async () => {
  const server = await serve();
  const writer = await connect(server);
  const reader = await connect(server);
  await writer.createBucket('load');
  for (let round = 0; round < 1000; round++) {
    const body = Buffer.from(`round ${round}`);
    const stored = await writer.upload('load', `r${round % 10}`, body, { overwrite: true });
    const download = await reader.download('load', `r${round % 10}`);
    expect(Buffer.concat(await download.body.toArray()).toString()).toBe(`round ${round}`);
    const listed = (await reader.listFiles('load')).find((f) => f.name === `r${round % 10}`);
    expect(listed?.sha256).toBe(stored.sha256);
  }
});

it('drops 500 trickling sockets within the line timeout, and keeps serving others', async () => {
  const server = await serve({ limits: { lineTimeoutMs: 300 } });
  const clients = await Promise.all(Array.from({ length: 500 }, () => RawClient.greeted(server.port)));
  cleanup.push(() => clients.forEach((c) => c.close()));
  const closed = clients.map((c) => c.closed());
  const done = new Set<number>();
  closed.forEach((p, i) => void p.then(() => done.add(i)));
  // One byte every 50 ms from every socket: none ever finishes a line.
  for (let tick = 0; tick < 40 && done.size < clients.length; tick++) {
    for (const [i, c] of clients.entries()) if (!done.has(i)) c.send('l');
    await new Promise((r) => setTimeout(r, 50));
  }
  // Forty ticks span several line timeouts: every socket must have been dropped while still trickling.
  expect(done.size).toBe(clients.length);
  const replies = await Promise.all(closed);
  for (const rest of replies) expect(parseStatus(rest[0]).reason).toBe(Reason.tooSlow);
  const fresh = await RawClient.greeted(server.port);
  cleanup.push(() => fresh.close());
  expect(await fresh.command('ls_b')).toMatch(/^500 BLS/);
});
