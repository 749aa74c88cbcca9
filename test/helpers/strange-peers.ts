import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** A loopback server that is not a Pail bucket server, or not a well-behaved one; `address` is HOST:PORT. */
export interface StrangePeer {
  readonly address: string;
  close(): Promise<void>;
}

async function listen(server: Server | ReturnType<typeof createHttpServer>, sockets: Set<Socket>): Promise<StrangePeer> {
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Accepts, then does `onConnect` with the socket (close it, reset it, say something, or nothing at all). */
export function peerThat(onConnect: (socket: Socket) => void): Promise<StrangePeer> {
  const sockets = new Set<Socket>();
  return listen(createServer(onConnect), sockets);
}

/** A plain HTTP server: silent until asked, then it answers HTTP. */
export function httpPeer(): Promise<StrangePeer> {
  const sockets = new Set<Socket>();
  return listen(
    createHttpServer((_request, response) => response.end('hello from HTTP\n')),
    sockets,
  );
}

/**
 * Greets as Pail does, then answers each command line with `answer(line)`:
 * a line or lines to send (or nothing, to stay silent).
 */
export function scriptedPeer(answer: (line: string) => string | undefined): Promise<StrangePeer> {
  return peerThat((socket) => {
    socket.write('200 HELLO pail/1 scripted peer\n');
    let pending = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      pending += chunk;
      for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
        const line = pending.slice(0, end).replace(/\r$/, '');
        pending = pending.slice(end + 1);
        const reply = answer(line);
        if (reply !== undefined) socket.write(reply);
      }
    });
  });
}
