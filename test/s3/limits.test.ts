import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl, errorCode, READER, seamAuthorization, startS3Harness, WRITER, type S3Harness } from './harness.ts';

const BUCKET = 'limited';
const BIG = randomBytes(32 << 20);

/** A raw connection from a loopback address of the test's choosing, with what it received and when it closed. */
async function rawConnection(port: number, localAddress = '127.0.0.1'): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  socket.on('error', () => {});
  await once(socket, 'connect');
  let received = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (received += chunk));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, received: () => received, closed };
}

/** Resolves when `done` does, or fails after `ms`. */
async function within<T>(done: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)));
  try {
    return await Promise.race([done, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function waitFor(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('S3 listener limits', () => {
  let h: S3Harness;
  beforeAll(async () => {
    h = await startS3Harness({
      bodyWindowMs: 300,
      minBodyRate: 1024,
      lanes: { clientTransfers: 1, transfers: 8, clientWaiting: 0, waitMs: 300, stallMs: 60_000 },
    });
    const protocol = await h.protocol();
    await protocol.createBucket(BUCKET);
    await protocol.upload(BUCKET, 'big.bin', BIG);
  });
  afterAll(async () => h.close());

  it('drops a PutObject whose body trickles in, and stores nothing', async () => {
    const client = await rawConnection(h.port);
    client.socket.write(`PUT /${BUCKET}/trickled.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${seamAuthorization()}\r\nContent-Length: 1000\r\n\r\n`);
    const timer = setInterval(() => client.socket.write('t'), 100);
    try {
      await within(client.closed, 5_000, 'the drop');
    } finally {
      clearInterval(timer);
    }
    expect((await (await h.protocol()).listFiles(BUCKET)).map((f) => f.name)).toEqual(['big.bin']);
  });

  it('answers Expect: 100-continue only once the request is allowed: a read-only key is refused before its body is asked for', async () => {
    const refused = await rawConnection(h.port);
    refused.socket.write(
      `PUT /${BUCKET}/refused.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${seamAuthorization(READER)}\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n`,
    );
    await within(refused.closed, 5_000, 'the refusal');
    expect(refused.received()).toMatch(/^HTTP\/1\.1 403 /);
    expect(refused.received()).not.toContain('100 Continue');

    const allowed = await rawConnection(h.port);
    allowed.socket.write(
      `PUT /${BUCKET}/allowed.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${seamAuthorization(WRITER)}\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n`,
    );
    await waitFor(() => allowed.received().length > 0, 5_000, 'no 100 Continue');
    expect(allowed.received()).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\n$/);
    allowed.socket.write('hello');
    await waitFor(() => /HTTP\/1\.1 200 /.test(allowed.received()), 5_000, 'no 200');
    allowed.socket.destroy();
    expect((await (await h.protocol()).stat(BUCKET, 'allowed.bin')).size).toBe(5);
  });

  it('holds each client address to its transfers: a stalled download keeps its own address waiting (SlowDown), not another', async () => {
    const stalled = await rawConnection(h.port, '127.0.0.1');
    stalled.socket.write(`GET /${BUCKET}/big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${seamAuthorization()}\r\n\r\n`);
    await waitFor(() => stalled.received().length > 0, 5_000, 'the download did not begin');
    stalled.socket.pause();
    expect(stalled.received()).toMatch(/^HTTP\/1\.1 200 /);
    try {
      const same = await curl(`${h.endpoint}/${BUCKET}/big.bin`, ['-r', '0-9']);
      expect(same.status).toBe(503);
      expect(errorCode(same.body)).toBe('SlowDown');
      const other = await curl(`${h.endpoint}/${BUCKET}/big.bin`, ['-r', '0-9', '--interface', '127.0.0.2']);
      expect(other.status).toBe(206);
      expect(Buffer.from(other.body, 'latin1').equals(BIG.subarray(0, 10))).toBe(true);
    } finally {
      stalled.socket.destroy();
    }
  });
});
