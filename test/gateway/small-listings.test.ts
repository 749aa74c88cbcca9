import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PailConnection } from '../../shared/client/connection.ts';
import { getFrom, stalledDownloads } from '../helpers/hostile-clients.ts';
import { startHarness, type Harness } from './harness.ts';

describe('a small listing', () => {
  let h: Harness;
  const ADDRESS = '127.0.7.1';
  beforeAll(async () => {
    h = await startHarness({ gateway: { lanes: { clientTransfers: 2, transfers: 512, clientWaiting: 4, waitMs: 30_000 } } });
    const owner = await PailConnection.connect({ host: '127.0.0.1', port: h.serverPort });
    await owner.createBucket('media');
    await owner.upload('media', 'big.bin', Buffer.alloc(64 << 20, 1));
    await owner.upload('media', 'note.txt', Buffer.from('hi'));
    await owner.quit();
  });
  afterAll(() => h.close());

  it("never waits behind its own client's transfers: it is read whole on the commands lane", async () => {
    const port = Number(new URL(h.base).port);
    // The address's two transfers are taken by downloads that never read.
    const held = await stalledDownloads(port, '/api/buckets/media/files/big.bin', [ADDRESS, ADDRESS]);
    try {
      expect(held.statusLines).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
      expect(h.gateway.lanes.slots.of(ADDRESS).running).toBe(2);
      const started = Date.now();
      const listing = await getFrom(ADDRESS, `${h.base}/api/buckets/media/files`);
      expect(listing.status).toBe(200);
      expect(JSON.parse(listing.body).files.map((f: { name: string }) => f.name)).toEqual(['big.bin', 'note.txt']);
      expect(Date.now() - started, 'answered at once, not after a transfer ended').toBeLessThan(5_000);
    } finally {
      held.close();
    }
  });

  it("never waits behind its own client's transfers when it is a page of at most 1,000 rows, nor a short one without a limit", async () => {
    const port = Number(new URL(h.base).port);
    const held = await stalledDownloads(port, '/api/buckets/media/files/big.bin', [ADDRESS, ADDRESS]);
    try {
      expect(held.statusLines).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
      expect(h.gateway.lanes.slots.of(ADDRESS).running).toBe(2);
      const pages: [string, string[]][] = [
        ['?delimiter=/&limit=1000', ['big.bin', 'note.txt']],
        ['?prefix=no&delimiter=/', ['note.txt']],
        ['?after=big.bin', ['note.txt']],
      ];
      for (const [query, names] of pages) {
        const listing = await getFrom(ADDRESS, `${h.base}/api/buckets/media/files${query}`);
        expect(listing.status, query).toBe(200);
        const page = JSON.parse(listing.body);
        expect(page.files.map((f: { name: string }) => f.name), query).toEqual(names);
        expect(page.next, query).toBeNull();
        expect(h.gateway.lanes.slots.of(ADDRESS).running, query).toBe(2);
      }
    } finally {
      held.close();
    }
  });
});
