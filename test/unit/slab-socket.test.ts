import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { readingIntoSlabs } from '../../server/session/slab-socket.ts';

const MiB = 1 << 20;
let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A real loopback server made as the bucket server makes its own, handing each connection to `serve`. */
async function listen(serve: (socket: Socket) => void): Promise<number> {
  server = createServer({ pauseOnConnect: true }, (accepted) => serve(readingIntoSlabs(accepted)));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

it('delivers every byte in order, in reads larger than 64 KiB, and the server still closes once the connection ends', async () => {
  const body = Buffer.alloc(16 * MiB);
  for (let i = 0; i < body.length; i += 4) body.writeUInt32LE(i, i);
  const chunks: Buffer[] = [];
  const received = new Promise<void>((resolve) => {
    void listen((socket) => {
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => {
        socket.end('done\n');
        resolve();
      });
    }).then((port) => {
      const client = connect(port, '127.0.0.1', () => client.end(body));
      client.resume();
    });
  });
  await received;
  expect(Buffer.concat(chunks).equals(body)).toBe(true);
  // Node's own reads are at most 64 KiB: larger ones show the slabs are in use.
  expect(Math.max(...chunks.map((c) => c.length))).toBeGreaterThan(64 * 1024);
  // The connection count moved with the handle: close() completes once the connection has ended (afterEach).
});

it('stops reading while paused and goes on when resumed, so backpressure holds', async () => {
  let accept: (raw: Socket) => void;
  const acceptedRaw = new Promise<Socket>((resolve) => (accept = resolve));
  server = createServer({ pauseOnConnect: true }, (raw) => accept(raw));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  await new Promise((resolve) => client.once('connect', resolve));
  // More than the kernel's buffers hold: when write says to wait, bytes are already waiting to be read.
  expect(client.write(Buffer.alloc(8 * MiB, 1))).toBe(false);
  client.end();
  const socket = readingIntoSlabs(await acceptedRaw);
  let received = 0;
  socket.on('data', (chunk: Buffer) => (received += chunk.length));
  socket.pause();
  // A socket still reading would take the waiting bytes in the next turns of the event loop's poll phase.
  for (let turn = 0; turn < 10; turn++) await new Promise((resolve) => setImmediate(resolve));
  expect(received).toBe(0);
  const ended = new Promise((resolve) => socket.once('end', resolve));
  socket.resume();
  await ended;
  expect(received).toBe(8 * MiB);
  socket.destroy();
});
