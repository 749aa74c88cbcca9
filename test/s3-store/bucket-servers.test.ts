import { createHash, randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBucketServer } from '../../server/main.ts';
import type { BucketServer } from '../../server/bucket-server.ts';
import { DEFAULTS } from '../../shared/config/settings.ts';
import { PailConnection } from '../../shared/client/connection.ts';
import { parseStoreUrl } from '../../shared/config/store-url.ts';
import { NEEDS_ENGINE, ownStore, TEST_STORE } from './engine.ts';

const MiB = 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function bytesOf(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe.skipIf(!TEST_STORE)(`two bucket servers over one engine, through the protocol (${NEEDS_ENGINE})`, () => {
  const url = ownStore();
  const logged: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void logged.push(line) });
  const servers: BucketServer[] = [];
  const clients: PailConnection[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const server = await startBucketServer({ ...DEFAULTS, tcpPort: 0, store: url, logLevel: 'info' }, log);
      servers.push(server);
      clients.push(await PailConnection.connect({ host: '127.0.0.1', port: server.address().port }));
    }
  });
  afterAll(async () => {
    for (const client of clients) await client.quit().catch(() => {});
    for (const server of servers) await server.close();
  });

  it('a file uploaded through one is listed, described and downloaded through the other at once, and deleted', async () => {
    const [a, b] = clients;
    await a.createBucket('shared');
    const body = randomBytes(12 * MiB);
    const uploaded = await a.upload('shared', 'dir/file.bin', body);
    expect(uploaded.sha256).toBe(sha(body));
    expect((await b.listBuckets()).map((x) => x.name)).toContain('shared');
    const listed = await b.listFiles('shared');
    expect(listed).toMatchObject([{ name: 'dir/file.bin', size: body.length, sha256: sha(body) }]);
    expect((await b.stat('shared', 'dir/file.bin')).sha256).toBe(sha(body));
    const download = await b.download('shared', 'dir/file.bin');
    expect(sha(await bytesOf(download.body))).toBe(sha(body));
    const page = await b.listPage('shared', { delimiter: '/' });
    expect(page.folders).toEqual(['dir/']);
    await b.deleteFile('shared', 'dir/file.bin');
    await expect(a.stat('shared', 'dir/file.bin')).rejects.toMatchObject({ reason: 'no-such-file' });
  });

  it('creates of one key through both servers at once: exactly one is stored', async () => {
    const connections = await Promise.all(servers.flatMap((s) => [0, 1, 2].map(() => PailConnection.connect({ host: '127.0.0.1', port: s.address().port }))));
    try {
      await clients[0].createBucket('raced');
      const bodies = connections.map(() => randomBytes(9 * MiB));
      const results = await Promise.allSettled(connections.map((c, i) => c.upload('raced', 'raced.bin', bodies[i])));
      const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      expect(winners).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ reason: 'exists' });
      expect((await clients[1].stat('raced', 'raced.bin')).sha256).toBe(sha(bodies[winners[0]]));
    } finally {
      for (const c of connections) await c.quit().catch(() => {});
    }
  });

  it("logs no error for the engine's expected refusals (stats of missing files, creates that lost the race)", () => {
    // By now: a stat of a deleted file answered no-such-file, and five of six racing creates answered exists.
    const errors = logged.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
    expect(errors).toEqual([]);
  });

  it('never logs the engine secret', () => {
    const { secretAccessKey } = parseStoreUrl(url);
    expect(logged.some((line) => line.includes('bucket server listening'))).toBe(true);
    expect(logged.filter((line) => line.includes(secretAccessKey))).toEqual([]);
  });
});
