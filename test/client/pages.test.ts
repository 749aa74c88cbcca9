import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PailConnection } from '../../shared/client/connection.ts';
import type { ListingRow } from '../../shared/protocol/listing.ts';
import { startTestServer, type TestServer } from '../helpers/bucket-server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const keysOf = (rows: readonly ListingRow[]) => rows.map((r) => (r.kind === 'file' ? r.file.name : `[${r.prefix}]`));

describe('pipelined pages of a listing', () => {
  it('gives every key once, in byte order, files and folder rows as they come, and leaves the connection in step', async () => {
    const client = await PailConnection.connect({ host: '127.0.0.1', port: server.port });
    await client.createBucket('pages');
    const keys = [...Array.from({ length: 23 }, (_, i) => `top-${String(i).padStart(2, '0')}`), 'a/1', 'a/2', 'b/c/3', 'zz'];
    for (const key of keys) await client.upload('pages', key, Buffer.from(key));

    const pages = [];
    for await (const page of client.pages('pages', { pageSize: 7 })) pages.push(page);
    expect(pages.map((p) => p.rows.length)).toEqual([7, 7, 7, 6]);
    expect(pages.map((p) => p.next)).toEqual([...pages.slice(0, 3).map((p) => keysOf(p.rows).at(-1)), null]);
    expect(pages.flatMap((p) => keysOf(p.rows))).toEqual([...keys].sort());

    const level = [];
    for await (const page of client.pages('pages', { delimiter: '/', pageSize: 2 })) level.push(...keysOf(page.rows));
    expect(level).toEqual(['[a/]', '[b/]', ...keys.filter((k) => k.startsWith('top-')), 'zz']);

    // Every reply read whole: the next command is answered as its own.
    expect(client.usable).toBe(true);
    expect((await client.stat('pages', 'zz')).size).toBe(2);
    await client.quit();
  });

  it('closes the connection when the caller stops early (the next page is already on its way), and the server serves others on', async () => {
    const client = await PailConnection.connect({ host: '127.0.0.1', port: server.port });
    await client.createBucket('stop-early');
    for (let i = 0; i < 30; i++) await client.upload('stop-early', `k${String(i).padStart(2, '0')}`, Buffer.from('x'));
    for await (const page of client.pages('stop-early', { pageSize: 10 })) {
      expect(page.rows).toHaveLength(10);
      break;
    }
    expect(client.usable).toBe(false);
    const other = await PailConnection.connect({ host: '127.0.0.1', port: server.port });
    expect((await other.listPage('stop-early', { limit: 100 })).files).toHaveLength(30);
    await other.quit();
  });

  it("asks for the next page as soon as a page's status line names it, before that page's rows are handed on", async () => {
    // A scripted peer that records each request line and answers two pages.
    const requests: string[] = [];
    let secondAsked!: () => void;
    const second = new Promise<'asked'>((resolve) => (secondAsked = () => resolve('asked')));
    const peer = createServer((socket: Socket) => {
      socket.write('200 HELLO pail/1 scripted\n');
      let pending = '';
      socket.on('data', (chunk: Buffer) => {
        pending += chunk.toString();
        for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          requests.push(line);
          if (requests.length === 2) secondAsked();
          const row = (key: string) => `b ${key} 1 2026-01-01T00:00:00.000Z -\n`;
          if (requests.length === 1) socket.write(`800 FLS 2 more k2\n${row('k1')}${row('k2')}`);
          else socket.write(`800 FLS 1 end\n${row('k3')}`);
        }
      });
    });
    peer.listen(0, '127.0.0.1');
    await once(peer, 'listening');
    const client = await PailConnection.connect({ host: '127.0.0.1', port: (peer.address() as AddressInfo).port });
    try {
      const keys: string[] = [];
      for await (const page of client.pages('b', { pageSize: 2 })) {
        if (keys.length === 0) {
          // Holding the first page, not asking for more: the second request must reach the peer anyway (bounded wait).
          const bound = new Promise<'not asked'>((resolve) => setTimeout(() => resolve('not asked'), 5_000).unref());
          expect(await Promise.race([second, bound])).toBe('asked');
          expect(requests).toEqual(['ls_f b limit=2', 'ls_f b after=k2 limit=2']);
        }
        keys.push(...keysOf(page.rows));
      }
      expect(keys).toEqual(['k1', 'k2', 'k3']);
    } finally {
      client.destroy();
      peer.close();
    }
  });
});
