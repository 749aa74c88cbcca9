import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * A loopback TCP proxy that cuts connections: when the bytes sent towards
 * the target (by all connections together) reach each of `cutAt` in turn,
 * the connection carrying them is destroyed on both sides right there, as a
 * lost network would, mid-request. It counts every byte it was given to
 * send, so what a client sent again after its cuts can be measured.
 */
export interface CuttingProxy {
  /** `http://127.0.0.1:PORT` of the proxy. */
  readonly base: string;
  /** Where new connections go; change it to put another server behind the proxy. */
  targetPort: number;
  /** Bytes clients sent towards the target (a cut connection's counted up to its cut). */
  readonly upstreamBytes: number;
  /** Connections cut so far. */
  readonly cuts: number;
  /** Connections made to a target port so far. */
  connectionsTo(port: number): number;
  close(): Promise<void>;
}

export async function cuttingProxy(targetPort: number, cutAt: readonly number[]): Promise<CuttingProxy> {
  const pending = [...cutAt].sort((a, b) => a - b);
  const sockets = new Set<Socket>();
  let upstreamBytes = 0;
  let cuts = 0;
  const state = { targetPort };
  const connections = new Map<number, number>();

  const server = createServer((client) => {
    const target = connect({ host: '127.0.0.1', port: state.targetPort });
    connections.set(state.targetPort, (connections.get(state.targetPort) ?? 0) + 1);
    for (const socket of [client, target]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.once('close', () => {
        sockets.delete(socket);
        client.destroy();
        target.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      const cut = pending[0];
      if (cut !== undefined && upstreamBytes + chunk.length >= cut) {
        pending.shift();
        const before = cut - upstreamBytes;
        upstreamBytes = cut;
        cuts++;
        target.write(chunk.subarray(0, before), () => {
          client.destroy();
          target.destroy();
        });
        client.pause();
        return;
      }
      upstreamBytes += chunk.length;
      if (!target.write(chunk)) {
        client.pause();
        target.once('drain', () => client.resume());
      }
    });
    target.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    get targetPort() {
      return state.targetPort;
    },
    set targetPort(value: number) {
      state.targetPort = value;
    },
    get upstreamBytes() {
      return upstreamBytes;
    },
    get cuts() {
      return cuts;
    },
    connectionsTo: (port) => connections.get(port) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
