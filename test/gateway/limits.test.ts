import { readdir } from 'node:fs/promises';
import { Agent, request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MessageRate } from '../../gateway/limits.ts';
import { Code } from '../../shared/protocol/codes.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { JsonSocket, jsonOf, postJson, startHarness, type Harness } from './harness.ts';

const NO_RATE_LIMIT = 1_000_000;
const limits = { rateLimit: NO_RATE_LIMIT, consoleRate: 1000, idleTimeoutMs: 60_000, headersTimeoutMs: 60_000, minBodyRate: 1024 };

/** A raw TCP connection to the gateway, and when and how it ended. */
async function rawConnection(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const opened = Date.now();
  let received = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - opened)));
  return { socket, received: () => received, closed };
}

/** Writes one piece at a time every `everyMs` until the socket closes (or the pieces run out: then it fails). */
function trickle(socket: Socket, pieces: string[], everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= pieces.length) return clearInterval(timer);
    socket.write(pieces[i++]);
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
}

/** Resolves with the value, or fails after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('gateway rate limit', () => {
  let h: Harness;
  // A gateway of its own for each test: each starts with a fresh window.
  beforeEach(async () => {
    h = await startHarness({ gateway: { limits: { ...limits, rateLimit: 5 } } });
  });
  afterEach(() => h.close());

  it('answers 429 in the error JSON shape once an address has made its requests for the window, and leaves /docs alone', async () => {
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${h.base}/api/buckets`);
      expect(response.status).toBe(200);
      await response.text();
    }
    const limited = await fetch(`${h.base}/api/buckets`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await jsonOf(limited)).toEqual({
      error: { code: Code.BLF, mnemonic: 'BLF', reason: Reason.tooManyRequests, message: expect.stringMatching(/^too many requests: at most 5 a minute; try again in /) },
    });
    const write = await postJson(`${h.base}/api/buckets`, { name: 'late' });
    expect(write.status).toBe(429);
    expect((await jsonOf(write)).error).toMatchObject({ code: Code.BCF, reason: Reason.tooManyRequests });
    for (let i = 0; i < 7; i++) {
      const docs = await fetch(`${h.base}/docs/json`);
      expect(docs.status).toBe(200);
      await docs.text();
    }
  });

  it('counts percent-encoded paths against the route they reach, and refuses them past the limit', async () => {
    const spellings = ['/%61pi/buckets', '/api/%62uckets', '/%61%70%69/buckets', '/api/buckets?x=1', '/api/buckets'];
    for (const path of spellings) {
      const response = await fetch(`${h.base}${path}`);
      expect(response.status, path).toBe(200);
      await response.text();
    }
    for (const path of spellings) {
      const limited = await fetch(`${h.base}${path}`);
      expect(limited.status, path).toBe(429);
      await limited.text();
    }
    const write = await postJson(`${h.base}/%61pi/buckets`, { name: 'encoded' });
    expect(write.status).toBe(429);
    await write.text();
    const missing = await fetch(`${h.base}/%61pi/no-such-route`);
    expect(missing.status).toBe(429);
    await missing.text();
    expect((await readdir(h.data)).includes('encoded')).toBe(false);
  });
});

describe('gateway timeouts', () => {
  let h: Harness;
  let port: number;
  beforeAll(async () => {
    h = await startHarness({ gateway: { limits: { ...limits, idleTimeoutMs: 1500, headersTimeoutMs: 400, bodyWindowMs: 300 } } });
    port = Number(new URL(h.base).port);
    const created = await postJson(`${h.base}/api/buckets`, { name: 'steady' });
    expect(created.status).toBe(201);
  });
  afterAll(() => h.close());

  it('drops a client that trickles its headers in', async () => {
    const client = await rawConnection(port);
    const header = `GET /api/buckets HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`;
    trickle(client.socket, [...header, ...Array.from({ length: 400 }, (_, i) => `X-Slow-${i}: 1\r\n`)], 20);
    const ms = await within(client.closed, 5_000, 'the drop');
    expect(ms).toBeLessThan(5_000);
    // Node says why before it closes.
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('drops a client that trickles a request body in, and stores nothing', async () => {
    const client = await rawConnection(port);
    const body = JSON.stringify({ name: 'trickled-in' });
    client.socket.write(`POST /api/buckets HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    trickle(client.socket, [...body], 100);
    await within(client.closed, 5_000, 'the drop');
    const listing = await jsonOf(await fetch(`${h.base}/api/buckets`));
    expect(listing.buckets.map((b: { name: string }) => b.name)).toEqual(['steady']);
  });

  it('drops a tus PATCH whose body trickles in, and the upload holds none of it', async () => {
    const created = await fetch(`${h.base}/api/uploads`, {
      method: 'POST',
      headers: { 'tus-resumable': '1.0.0', 'upload-length': '1000', 'upload-metadata': `bucket ${btoa('steady')},name ${btoa('trickled.bin')}` },
    });
    expect(created.status).toBe(201);
    const path = created.headers.get('location')!;
    const client = await rawConnection(port);
    client.socket.write(
      `PATCH ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nTus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\nContent-Length: 1000\r\n\r\n`,
    );
    trickle(client.socket, Array.from({ length: 1000 }, () => 't'), 100);
    await within(client.closed, 5_000, 'the drop');
    const head = await fetch(`${h.base}${path}`, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0' } });
    expect([head.status, head.headers.get('upload-offset')]).toEqual([200, '0']);
  });

  it('drops a connection that opens and stays silent', async () => {
    const client = await rawConnection(port);
    await within(client.closed, 6_000, 'the drop');
  });

  it('drops a connection that goes silent halfway through a body', async () => {
    const client = await rawConnection(port);
    client.socket.write(`PUT /api/buckets/steady/files/half.bin HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 1000\r\n\r\n${'h'.repeat(500)}`);
    await within(client.closed, 6_000, 'the drop');
    const listing = await jsonOf(await fetch(`${h.base}/api/buckets/steady/files`));
    expect(listing.files.map((f: { name: string }) => f.name)).not.toContain('half.bin');
  });

  it('keeps a body that flows steadily for many rate windows: a long upload is fine', async () => {
    const piece = Buffer.alloc(16 * 1024, 's');
    const pieces = 24;
    const started = Date.now();
    const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(
        { host: '127.0.0.1', port, method: 'PUT', path: '/api/buckets/steady/files/steady.bin', headers: { 'content-length': piece.length * pieces } },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      request.on('error', reject);
      let sent = 0;
      const timer = setInterval(() => {
        request.write(piece);
        if (++sent === pieces) {
          clearInterval(timer);
          request.end();
        }
      }, 50);
    });
    // 24 pieces 50 ms apart: longer than 3 rate windows of 300 ms.
    expect(Date.now() - started).toBeGreaterThan(900);
    expect(response.status).toBe(201);
    expect(JSON.parse(response.body)).toMatchObject({ name: 'steady.bin', size: piece.length * pieces });
  });
});

describe('gateway connections kept alive', () => {
  let h: Harness;
  let port: number;
  beforeAll(async () => {
    // Default limits: the keep-alive timeout is long enough for a client to reuse its connection.
    h = await startHarness();
    port = Number(new URL(h.base).port);
    expect((await postJson(`${h.base}/api/buckets`, { name: 'kept' })).status).toBe(201);
  });
  afterAll(() => h.close());

  it('leaves nothing behind on a kept-alive connection: many uploads over one socket add no listener each', async () => {
    const sockets: Socket[] = [];
    const noteSocket = (socket: Socket) => sockets.push(socket);
    h.gateway.server.on('connection', noteSocket);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const put = (i: number) =>
      new Promise<number>((resolve, reject) => {
        const body = Buffer.from(`upload ${i}`);
        const request = httpRequest(
          { host: '127.0.0.1', port, agent, method: 'PUT', path: `/api/buckets/kept/files/${i}.txt`, headers: { 'content-length': body.length } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        request.on('error', reject);
        request.end(body);
      });
    try {
      for (let i = 0; i < 40; i++) expect(await put(i)).toBe(201);
      // The connection that carried the uploads is still open (kept alive), with the listeners of one request at most.
      const open = sockets.filter((socket) => !socket.destroyed);
      expect(open).toHaveLength(1);
      expect(open[0].listenerCount('close')).toBeLessThanOrEqual(3);
    } finally {
      agent.destroy();
      h.gateway.server.off('connection', noteSocket);
    }
  });

});

describe('protocol console message rate', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ gateway: { limits: { ...limits, consoleRate: 5 } } });
  });
  afterAll(() => h.close());

  it('refuses command lines beyond the rate with a clear message, then closes a socket that keeps on', async () => {
    const console = await JsonSocket.open(`${h.wsBase}/api/console`);
    await console.next();
    for (let i = 0; i < 25; i++) console.send('help quit');
    const replies: any[] = [];
    for (let i = 0; i < 40 && !console.closed; i++) {
      try {
        replies.push(await console.next(5_000));
      } catch {
        break;
      }
    }
    expect(await within(console.closeCode, 5_000, 'the close')).toBe(1008);
    expect(replies.filter((r) => r.type === 'lines').length).toBeLessThanOrEqual(5);
    const refusals = replies.filter((r) => r.type === 'error');
    expect(refusals.length).toBeGreaterThanOrEqual(1);
    expect(refusals[0].error).toEqual({
      code: Code.BCMD,
      mnemonic: 'BCMD',
      reason: Reason.tooManyRequests,
      message: '1 line(s) not run: at most 5 command lines a second; wait a moment',
    });
  });

  it('runs lines within the rate as usual', async () => {
    const console = await JsonSocket.open(`${h.wsBase}/api/console`);
    await console.next();
    console.send('help quit\nhelp ls');
    expect((await console.next()).lines[0]).toMatch(new RegExp(`^${Code.HELP} HELP`));
    expect((await console.next()).lines[0]).toMatch(new RegExp(`^${Code.HELP} HELP`));
    console.close();
  });
});

describe('MessageRate', () => {
  it('lets the limit through each second, refuses the rest, and calls for a close past twice the limit', () => {
    let now = 0;
    const rate = new MessageRate(5, () => now);
    expect(rate.take(3)).toEqual({ run: 3, close: false });
    expect(rate.take(4)).toEqual({ run: 2, close: false });
    expect(rate.take(3)).toEqual({ run: 0, close: false });
    expect(rate.take(1)).toEqual({ run: 0, close: true });
    now = 1000;
    expect(rate.take(5)).toEqual({ run: 5, close: false });
  });
});
