import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP relay on loopback between the CLI and a bucket server, for tests of
 * interrupted transfers: it counts the bytes that pass each way, can stop
 * passing them on at a count (so a transfer is caught mid-way however fast
 * the machine is), can cut every connection (a lost network), and can be
 * pointed at another port (a server restarted on a new one) while the CLI
 * keeps the same address.
 */
export class Relay {
  /** Bytes passed on from clients to the server. */
  up = 0;
  /** Bytes passed on from the server to clients. */
  down = 0;
  readonly #server: Server;
  readonly #pairs = new Set<{ client: Socket; upstream: Socket }>();
  #stop: { direction: 'up' | 'down'; at: number; reached: () => void } | undefined;

  private constructor(public upstreamPort: number) {
    this.#server = createServer((client) => this.#relay(client));
  }

  static async start(upstreamPort: number): Promise<Relay> {
    const relay = new Relay(upstreamPort);
    await new Promise<void>((resolve) => relay.#server.listen(0, '127.0.0.1', resolve));
    return relay;
  }

  get address(): string {
    return `127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Stops passing bytes on, that way, once `at` have passed (the chunk that crosses it still goes); resolves then. */
  stopAt(direction: 'up' | 'down', at: number): Promise<void> {
    return new Promise((resolve) => {
      this.#stop = { direction, at, reached: resolve };
    });
  }

  /** Counts from zero again and lets bytes pass (connections stopped stay stopped: they are cut or closed). */
  reset(): void {
    this.up = 0;
    this.down = 0;
    this.#stop = undefined;
  }

  /** Cuts every connection, as a lost network would. */
  cutAll(): void {
    for (const { client, upstream } of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  #relay(client: Socket): void {
    const upstream = connect({ host: '127.0.0.1', port: this.upstreamPort });
    const pair = { client, upstream };
    this.#pairs.add(pair);
    const pass = (from: Socket, to: Socket, direction: 'up' | 'down') => {
      let held = false;
      from.on('data', (chunk: Buffer) => {
        this[direction] += chunk.length;
        if (!to.write(chunk)) {
          from.pause();
          to.once('drain', () => held || from.resume());
        }
        const stop = this.#stop;
        if (stop?.direction === direction && this[direction] >= stop.at) {
          // Held, not closed: the sender waits on a full window, as on a stalled link.
          held = true;
          from.pause();
          stop.reached();
        }
      });
    };
    pass(client, upstream, 'up');
    pass(upstream, client, 'down');
    const end = () => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  }
}
