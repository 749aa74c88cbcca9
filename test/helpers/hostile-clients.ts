import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';

/**
 * HTTP clients that hold transfers open without ever finishing them, each from
 * a loopback address of its own (127.0.0.0/8 all reaches this machine), as
 * many different users would. For the gateway's lockout test and benchmark.
 */
export interface HeldClients {
  readonly sockets: readonly Socket[];
  close(): void;
}

/** The `count` loopback addresses `127.0.PREFIX.1` onwards (at most 250 a prefix). */
export function loopbackAddresses(prefix: number, count: number): string[] {
  if (count > 250) throw new Error('at most 250 addresses a prefix');
  return Array.from({ length: count }, (_, i) => `127.0.${prefix}.${i + 1}`);
}

async function open(port: number, localAddress: string): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  socket.on('error', () => {});
  await once(socket, 'connect');
  return socket;
}

function holding(sockets: Socket[], timers: NodeJS.Timeout[] = []): HeldClients {
  return {
    sockets,
    close() {
      for (const timer of timers) clearInterval(timer);
      for (const socket of sockets) socket.destroy();
    },
  };
}

/**
 * A GET of `path` from `address` whose client reads the response's first
 * bytes (so the transfer has begun) and then never reads again. `statusLine`
 * resolves with the response's status line once it has begun ('closed' if the
 * connection closed first).
 */
export async function stalledDownload(port: number, path: string, address: string): Promise<{ socket: Socket; statusLine: Promise<string> }> {
  const socket = await open(port, address);
  socket.write(`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`);
  const statusLine = (async () => {
    const [first] = (await Promise.race([once(socket, 'data'), once(socket, 'close')])) as [Buffer | boolean];
    socket.pause();
    return Buffer.isBuffer(first) ? first.toString('latin1').split('\r\n')[0] : 'closed';
  })();
  return { socket, statusLine };
}

/** A stalled download (see `stalledDownload`) from each address; resolves once every response has begun. */
export async function stalledDownloads(port: number, path: string, addresses: readonly string[]): Promise<HeldClients & { statusLines: string[] }> {
  const sockets: Socket[] = [];
  const statusLines = await Promise.all(
    addresses.map(async (address) => {
      const download = await stalledDownload(port, path, address);
      sockets.push(download.socket);
      return download.statusLine;
    }),
  );
  return { ...holding(sockets), statusLines };
}

/**
 * One PUT to `path(i)` from each address, announcing `size` bytes and sending
 * `piece` bytes every `everyMs` (5 KB/s with 512 bytes every 100 ms): an
 * honest upload over a very slow link. Stops writing when closed, or after
 * `size` bytes.
 */
export async function tricklingUploads(
  port: number,
  path: (i: number) => string,
  addresses: readonly string[],
  options: { size: number; piece: number; everyMs: number },
): Promise<HeldClients> {
  const sockets: Socket[] = [];
  const timers: NodeJS.Timeout[] = [];
  await Promise.all(
    addresses.map(async (address, i) => {
      const socket = await open(port, address);
      sockets.push(socket);
      socket.write(`PUT ${path(i)} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/octet-stream\r\ncontent-length: ${options.size}\r\n\r\n`);
      const piece = Buffer.alloc(options.piece, i & 0xff);
      let sent = 0;
      const timer = setInterval(() => {
        if (socket.destroyed || sent + piece.length > options.size) return clearInterval(timer);
        socket.write(piece);
        sent += piece.length;
      }, options.everyMs);
      timers.push(timer);
    }),
  );
  return holding(sockets, timers);
}

/** A GET from a loopback address of the test's choosing, read to its end (within 10 s). */
export function getFrom(localAddress: string, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress, signal: AbortSignal.timeout(10_000) }, (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
