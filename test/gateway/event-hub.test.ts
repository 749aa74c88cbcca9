import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { EventHub, WATCHED_MAX_MS } from '../../gateway/event-hub.ts';
import { PailConnection } from '../../shared/client/connection.ts';

/** A port where something answers and hangs up at once, as a bucket server that is not back yet: it counts the attempts. */
async function hangUp(): Promise<{ server: Server; port: number; attempts: () => number }> {
  let attempts = 0;
  const server = createServer((socket) => {
    attempts++;
    socket.on('error', () => {});
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, attempts: () => attempts };
}

const log = pino({ level: 'silent' });
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function hubOn(port: number, backoff: { initialMs: number; maxMs: number }): Promise<EventHub> {
  const hub = new EventHub({ connect: () => PailConnection.connect({ host: '127.0.0.1', port, connectTimeoutMs: 1_000 }), log, backoff });
  cleanups.push(() => hub.stop());
  return hub;
}

describe('the event hub waiting for the bucket server', () => {
  it('cuts a long wait short when the first browser arrives', async () => {
    const { server, port, attempts } = await hangUp();
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    // Nobody listening: after the first failure it would wait a minute.
    const hub = await hubOn(port, { initialMs: 60_000, maxMs: 60_000 });
    hub.start();
    await expect.poll(attempts, { timeout: 5_000 }).toBe(1);
    hub.subscribe(() => {});
    await expect.poll(attempts, { timeout: 5_000 }).toBe(2);
  });

  it(`tries at least every ${WATCHED_MAX_MS} ms while a browser listens, however long the backoff has grown`, async () => {
    const { server, port, attempts } = await hangUp();
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    const hub = await hubOn(port, { initialMs: 60_000, maxMs: 60_000 });
    hub.subscribe(() => {});
    hub.start();
    // Four attempts a minute's backoff apart would take three minutes; the test's own limit is 5 s.
    await expect.poll(attempts, { timeout: 5_000 }).toBeGreaterThanOrEqual(4);
    expect(hub.status).toMatchObject({ bucketServer: 'unreachable', message: `the bucket server cannot be reached; retrying in ${WATCHED_MAX_MS} ms` });
  });
});
