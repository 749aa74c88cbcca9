import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PailConnection } from '../../shared/client/connection.ts';
import { SocketReader } from '../../shared/net/socket-reader.ts';
import { TOO_LONG } from '../../shared/protocol/frames.ts';
import { formatStatus } from '../../shared/protocol/reply.ts';
import { PROTOCOL_VERSION } from '../../shared/protocol/version.ts';
import { startTestServer, type TestServer } from '../helpers/bucket-server.ts';

const KiB = 1024;
const MiB = 1 << 20;

/** `count` chunks of `size` bytes, each stamped with its index. */
function chunks(count: number, size: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => {
    const chunk = Buffer.alloc(size, i % 251);
    chunk.writeUInt32BE(i, 0);
    return chunk;
  });
}

function sha256(parts: Buffer[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

/** Yields the chunks a few at a time, with a turn of the event loop between bursts, as a socket would. */
async function* inBursts(parts: Buffer[], burst: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < parts.length; i++) {
    if (i % burst === 0) await nextTurn();
    yield parts[i];
  }
}

describe('uploads of many small chunks', () => {
  let server: TestServer;
  let client: PailConnection;
  beforeAll(async () => {
    // Chunks above 1 MiB are refused, so a batch that grew past SEND_CHUNK would fail the upload.
    server = await startTestServer({ limits: { maxChunk: MiB } });
    client = await PailConnection.connect({ host: '127.0.0.1', port: server.port });
    await client.createBucket('batches');
  });
  afterAll(async () => {
    await client.quit();
    await server.close();
  });

  it('stores a chunked body of 1 KiB chunks in bursts intact', async () => {
    const parts = chunks(3000, KiB);
    const stored = await client.upload('batches', 'bursts.bin', inBursts(parts, 37));
    expect(stored).toMatchObject({ size: 3000 * KiB, sha256: sha256(parts) });
  });

  it('stores a sized body of 1 KiB chunks in bursts intact', async () => {
    const parts = chunks(3000, KiB);
    const stored = await client.upload('batches', 'sized.bin', inBursts(parts, 37), { size: 3000 * KiB });
    expect(stored).toMatchObject({ size: 3000 * KiB, sha256: sha256(parts) });
  });

  it('splits chunks larger than a protocol chunk and mixes them with small ones', async () => {
    const parts = [...chunks(5, 100), ...chunks(1, 3 * MiB + 7), ...chunks(900, 3 * KiB), ...chunks(1, MiB)];
    const stored = await client.upload('batches', 'mixed.bin', parts);
    expect(stored).toMatchObject({ size: parts.reduce((n, p) => n + p.length, 0), sha256: sha256(parts) });
  });

  it('reports progress up to the whole size', async () => {
    const parts = chunks(600, 4 * KiB);
    const seen: number[] = [];
    await client.upload('batches', 'progress.bin', inBursts(parts, 50), { onProgress: (sent) => seen.push(sent) });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.at(-1)).toBe(600 * 4 * KiB);
  });

  it('refuses a sized body longer than announced and stays usable through a new connection', async () => {
    const other = await PailConnection.connect({ host: '127.0.0.1', port: server.port });
    await expect(other.upload('batches', 'long.bin', chunks(10, KiB), { size: 5 * KiB })).rejects.toMatchObject({ mnemonic: 'FUTF' });
    expect(other.usable).toBe(false);
    expect((await client.listFiles('batches')).map((f) => f.name)).not.toContain('long.bin');
  });
});

/**
 * A stand-in bucket server that accepts one chunked upload and records the
 * size of every protocol chunk it receives.
 */
async function chunkRecorder(): Promise<{ port: number; sizes: Promise<number[]>; server: Server }> {
  let resolveSizes!: (sizes: number[]) => void;
  const sizes = new Promise<number[]>((resolve) => (resolveSizes = resolve));
  const server = createServer((socket: Socket) => {
    const reader = new SocketReader(socket, 64 * KiB);
    const line = async () => {
      const l = await reader.line();
      if (l === null || l === TOO_LONG) throw new Error('no line');
      return l.toString('latin1');
    };
    void (async () => {
      socket.write(`${formatStatus('HELLO', [PROTOCOL_VERSION])}\n`);
      await line(); // upload_f … chunked
      socket.write(`${formatStatus('SEND', ['chunked'])}\n`);
      const seen: number[] = [];
      const hash = createHash('sha256');
      let total = 0;
      for (;;) {
        const n = Number(await line());
        if (n === 0) break;
        seen.push(n);
        total += n;
        for await (const piece of reader.bytes(n)) hash.update(piece);
      }
      socket.write(`${formatStatus('FUTB', [total, hash.digest('hex'), new Date(0).toISOString()])}\n`);
      resolveSizes(seen);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, sizes, server };
}

describe('a refused upload', () => {
  /** A stand-in bucket server that refuses every upload and, as an older server did, keeps the connection open. */
  async function refuserThatStaysOpen(): Promise<{ port: number; server: Server }> {
    const server = createServer((socket: Socket) => {
      const reader = new SocketReader(socket, 64 * KiB);
      socket.on('error', () => {});
      void (async () => {
        socket.write(`${formatStatus('HELLO', [PROTOCOL_VERSION])}\n`);
        for (;;) {
          const line = await reader.line();
          if (line === null) return;
          socket.write('750 FUTF no-such-bucket no bucket named nowhere\n');
        }
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    return { port: typeof address === 'object' && address ? address.port : 0, server };
  }

  it('leaves the connection unusable at once, so no pool lends it again (a body may be on its way to the server)', async () => {
    const { port, server } = await refuserThatStaysOpen();
    try {
      const client = await PailConnection.connect({ host: '127.0.0.1', port });
      let usableWhenRefused: boolean | undefined;
      await client.upload('nowhere', 'a.txt', Buffer.from('abc')).catch(() => (usableWhenRefused = client.usable));
      expect(usableWhenRefused).toBe(false);
      const chunked = await PailConnection.connect({ host: '127.0.0.1', port });
      await expect(chunked.upload('nowhere', 'a.txt', [Buffer.from('abc')])).rejects.toMatchObject({ mnemonic: 'FUTF' });
      expect(chunked.usable).toBe(false);
      // Nothing follows an empty body: that connection stays in use.
      const empty = await PailConnection.connect({ host: '127.0.0.1', port });
      await expect(empty.upload('nowhere', 'a.txt', Buffer.alloc(0))).rejects.toMatchObject({ mnemonic: 'FUTF' });
      expect(empty.usable).toBe(true);
      empty.destroy();
    } finally {
      server.close();
    }
  });
});

describe('chunk framing', () => {
  it('sends chunks already at hand as one protocol chunk, never one per source chunk', async () => {
    const recorder = await chunkRecorder();
    const client = await PailConnection.connect({ host: '127.0.0.1', port: recorder.port });
    // 512 chunks of 4 KiB in 8 bursts: at most a few protocol chunks per burst, not 512.
    const parts = chunks(512, 4 * KiB);
    const stored = await client.upload('batches', 'f', inBursts(parts, 64));
    client.destroy();
    recorder.server.close();
    const sizes = await recorder.sizes;
    expect(stored).toMatchObject({ size: 2 * MiB, sha256: sha256(parts) });
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(2 * MiB);
    expect(sizes.length).toBeLessThanOrEqual(16);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MiB);
  });
});

describe('downloads read in slabs', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('hands out bytes that stay intact while held, and keeps the connection in step', async () => {
    const client = await PailConnection.connect({ host: '127.0.0.1', port: server.port });
    await client.createBucket('slabs');
    const parts = [randomBytes(5 * MiB + 3), randomBytes(777)];
    await client.upload('slabs', 'r.bin', parts);
    for (let round = 0; round < 2; round++) {
      const { info, body } = await client.download('slabs', 'r.bin');
      // Every chunk is kept before any is hashed: a read buffer used twice would show here.
      const held = (await body.toArray()) as Buffer[];
      expect(held.reduce((n, c) => n + c.length, 0)).toBe(info.length);
      expect(sha256(held)).toBe(sha256(parts));
    }
    const range = await client.download('slabs', 'r.bin', { offset: MiB, length: 10 });
    expect(Buffer.concat(await range.body.toArray())).toEqual(Buffer.concat(parts).subarray(MiB, MiB + 10));
    expect((await client.listFiles('slabs')).map((f) => f.name)).toEqual(['r.bin']);
    await client.quit();
  });
});
