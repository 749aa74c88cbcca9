import { createHash, randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../../gateway/main.ts';
import type { BucketServer } from '../../server/bucket-server.ts';
import { startBucketServer } from '../../server/main.ts';
import { DEFAULTS, type Settings } from '../../shared/config/settings.ts';
import { JsonSocket, jsonOf } from '../gateway/harness.ts';
import { NEEDS_ENGINE, ownStore, TEST_STORE } from './engine.ts';

/**
 * Issue 17's two-server, two-gateway test: two bucket servers over one engine, gateway A in front of
 * server 1 and gateway B in front of server 2, sharing nothing but the tokens and the engine. A login made
 * on A is honoured on B; a file uploaded through A's HTTP API downloads through B's; a browser-like
 * WebSocket on B sees A's upload live. Requests carry the gateway's own Origin, as a browser's would.
 */
const TOKEN = 'two-gateways-full';
const READ_TOKEN = 'two-gateways-read';
const MiB = 1024 * 1024;
const CROSS_SERVER_MS = 2_000;
const silent = pino({ level: 'silent' });
const sha = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');

interface Gateway {
  readonly base: string;
  readonly wsBase: string;
  close(): Promise<void>;
}

describe.skipIf(!TEST_STORE)(`two bucket servers and two gateways over one engine (${NEEDS_ENGINE})`, () => {
  const url = ownStore();
  const servers: BucketServer[] = [];
  let a: Gateway;
  let b: Gateway;

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      servers.push(await startBucketServer({ ...DEFAULTS, host: '127.0.0.1', tcpPort: 0, store: url, token: TOKEN, readToken: READ_TOKEN, logLevel: 'silent' }, silent));
    }
    [a, b] = await Promise.all(
      servers.map(async (server) => {
        const settings: Settings = { ...DEFAULTS, host: '127.0.0.1', httpPort: 0, server: `127.0.0.1:${server.address().port}`, token: TOKEN, readToken: READ_TOKEN, logLevel: 'silent' };
        const gateway = await startGateway(settings, silent);
        const { port } = gateway.address;
        return { base: `http://127.0.0.1:${port}`, wsBase: `ws://127.0.0.1:${port}`, close: () => gateway.close() };
      }),
    );
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    for (const server of servers) await server.close();
  });

  /** A request to a gateway as its own page in a browser would send it: the login cookie and the page's Origin. */
  const browser = (gateway: Gateway, cookie: string, path: string, init: RequestInit = {}) =>
    fetch(`${gateway.base}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), cookie, origin: gateway.base } });

  it("a login on A works on B; a file uploaded through A's API downloads through B's, and B's WebSocket sees it", async () => {
    const login = await fetch(`${a.base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: a.base }, body: JSON.stringify({ token: TOKEN }) });
    expect(login.status).toBe(200);
    await login.text();
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    expect(await jsonOf(await browser(b, cookie, '/api/session'))).toEqual({ access: 'full', login: true });

    const events = await JsonSocket.open(`${b.wsBase}/api/events`, { headers: { cookie, origin: b.base } });
    try {
      await events.nextMatching((m) => m.type === 'status' && m.bucketServer === 'connected');
      const made = await browser(a, cookie, '/api/buckets', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'shared' }) });
      expect(made.status).toBe(201);
      await made.text();
      expect((await events.nextMatching((m) => m.type === 'event', CROSS_SERVER_MS)).event).toMatchObject({ kind: 'bucket-created', bucket: 'shared' });

      // Above the 8 MiB of one PutObject: staged in the engine and copied into place.
      const body = randomBytes(12 * MiB);
      const started = Date.now();
      const put = await browser(a, cookie, '/api/buckets/shared/files/dir/big.bin', { method: 'PUT', body, headers: { 'content-type': 'application/octet-stream' } });
      expect(put.status).toBe(201);
      expect(await jsonOf(put)).toMatchObject({ name: 'dir/big.bin', size: body.length, sha256: sha(body) });
      const seen = await events.nextMatching((m) => m.type === 'event', CROSS_SERVER_MS);
      expect(seen.event).toMatchObject({ kind: 'file-uploaded', bucket: 'shared', file: { name: 'dir/big.bin', size: body.length, sha256: sha(body) } });
      console.log(`gateway B's WebSocket saw the upload through gateway A ${Date.now() - started} ms after it began`);

      const listed = await jsonOf(await browser(b, cookie, '/api/buckets/shared/files'));
      expect(JSON.stringify(listed)).toContain('dir/big.bin');
      const download = await browser(b, cookie, '/api/buckets/shared/files/dir/big.bin');
      expect(download.status).toBe(200);
      expect(sha(new Uint8Array(await download.arrayBuffer()))).toBe(sha(body));

      // And back: a delete through B is seen by A.
      const deleted = await browser(b, cookie, '/api/buckets/shared/files/dir/big.bin', { method: 'DELETE' });
      expect(deleted.status).toBeLessThan(300);
      await deleted.text();
      const gone = await browser(a, cookie, '/api/buckets/shared/files/dir/big.bin');
      expect(gone.status).toBe(404);
      await gone.text();
    } finally {
      events.close();
    }
  });
});
