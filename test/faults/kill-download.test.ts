import { pino } from 'pino';
import { expect, it } from 'vitest';
import { startGateway } from '../../gateway/main.ts';
import { PailConnection } from '../../shared/client/connection.ts';
import { DEFAULTS } from '../../shared/config/settings.ts';
import { startChildServer } from '../helpers/child-server.ts';

/**
 * kill -9 of the bucket server in the middle of a download through a running
 * gateway: the browser or script sees an aborted body, never a clean but
 * short 200, and the gateway answers again once the server is back.
 */
it('turns a bucket server killed mid-download into an aborted HTTP body, then recovers', async () => {
  const server = await startChildServer();
  const size = 64 << 20;
  const client = await PailConnection.connect({ host: '127.0.0.1', port: server.port });
  await client.createBucket('cut');
  await client.upload('cut', 'big.bin', Buffer.alloc(size, 0x5a));
  await client.quit();
  const gateway = await startGateway(
    { ...DEFAULTS, httpPort: 0, server: `127.0.0.1:${server.port}`, logLevel: 'silent' },
    pino({ level: 'silent' }),
  );
  try {
    const base = `http://127.0.0.1:${gateway.address.port}`;
    const response = await fetch(`${base}/api/buckets/cut/files/big.bin`);
    expect(response.status).toBe(200);
    expect(Number(response.headers.get('content-length'))).toBe(size);
    const reader = response.body!.getReader();
    let received = (await reader.read()).value?.length ?? 0;
    await server.kill();
    const outcome = await (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return 'ended cleanly';
          received += value.length;
        }
      } catch {
        return 'aborted';
      }
    })();
    // The client read one chunk and paused: backpressure keeps the rest on the server, which dies with it.
    expect(outcome).toBe('aborted');
    expect(received).toBeLessThan(size);

    const down = await fetch(`${base}/api/buckets`);
    expect(down.status).toBe(502);
    const again = await startChildServer({ data: server.data, args: ['--port', String(server.port)] });
    try {
      await expect.poll(async () => (await fetch(`${base}/api/buckets`)).status, { timeout: 5_000, interval: 50 }).toBe(200);
    } finally {
      await again.stop();
    }
  } finally {
    await gateway.close();
    await server.stop();
  }
});
