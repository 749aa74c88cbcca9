import { createServer, type AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway } from '../../gateway/app.ts';
import { PailConnection } from '../../shared/client/connection.ts';
import { Code } from '../../shared/protocol/codes.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { DEFAULTS } from '../../shared/config/settings.ts';
import { JsonSocket, postJson, startHarness, type Harness, jsonOf } from './harness.ts';

/** A loopback port nothing listens on: taken, then freed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('a gateway without its bucket server', () => {
  it('stays up and answers 502 unreachable with a clear message', async () => {
    const app = await buildGateway({
      bucketServer: { host: '127.0.0.1', port: await closedPort() },
      log: pino({ level: 'silent' }),
      maxFileSize: DEFAULTS.maxFileSize,
      maxLine: DEFAULTS.maxLine,
    });
    try {
      const response = await app.inject({ method: 'GET', url: '/api/buckets' });
      expect(response.statusCode).toBe(502);
      expect(response.json().error).toEqual({
        code: Code.BUSY,
        mnemonic: 'BUSY',
        reason: Reason.unreachable,
        message: expect.stringContaining('cannot reach the bucket server'),
      });
      const download = await app.inject({ method: 'GET', url: '/api/buckets/a-b/files/x' });
      expect(download.statusCode).toBe(502);
    } finally {
      await app.close();
    }
  });
});

describe('the bucket server restarted under a running gateway', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('answers 502 while it is down, then serves and streams events again by itself', async () => {
    const events = await JsonSocket.open(`${h.wsBase}/api/events`);
    await events.nextMatching((m) => m.type === 'status' && m.bucketServer === 'connected');
    expect((await postJson(`${h.base}/api/buckets`, { name: 'before' })).status).toBe(201);
    await events.nextMatching((m) => m.type === 'event' && m.event.bucket === 'before');

    await h.stopServer();
    expect(await events.next()).toMatchObject({ type: 'status', bucketServer: 'unreachable' });
    const down = await fetch(`${h.base}/api/buckets`);
    expect(down.status).toBe(502);
    expect((await jsonOf(down)).error.reason).toBe(Reason.unreachable);

    await h.startServer();
    expect(await events.next()).toMatchObject({ type: 'status', bucketServer: 'connected' });
    const listed = await fetch(`${h.base}/api/buckets`);
    expect(listed.status).toBe(200);
    expect((await jsonOf(listed)).buckets.map((b: { name: string }) => b.name)).toEqual(['before']);

    const client = await PailConnection.connect({ host: '127.0.0.1', port: h.serverPort });
    await client.createBucket('after');
    await client.quit();
    expect(await events.next()).toEqual({ type: 'event', event: { kind: 'bucket-created', bucket: 'after' } });
    events.close();
  });

  it('tells a console that the bucket server is gone, and reconnects it on the next command', async () => {
    const console = await JsonSocket.open(`${h.wsBase}/api/console`);
    expect((await console.next()).lines[0]).toMatch(new RegExp(`^${Code.HELLO} `));

    await h.stopServer();
    console.send('ls_b');
    expect(await console.next()).toMatchObject({ type: 'error', error: { reason: Reason.unreachable } });

    await h.startServer();
    console.send('ls_b');
    expect((await console.next()).lines[0]).toMatch(new RegExp(`^${Code.HELLO} `));
    expect((await console.next()).lines[0]).toMatch(new RegExp(`^${Code.BLS} BLS`));
    console.close();
  });
});
