import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { TOO_LONG } from '../../shared/protocol/frames.ts';
import { SocketReader } from '../../shared/net/socket-reader.ts';

/**
 * A bare protocol client for tests: writes whatever bytes it is given and
 * reads reply lines and bytes exactly as the server sent them, the way a
 * person at `nc` would see them.
 */
export class RawClient {
  readonly reader: SocketReader;

  private constructor(readonly socket: Socket) {
    this.reader = new SocketReader(socket, 1 << 20);
    // A reset by the server shows as the end of input, which the reads report.
    socket.on('error', () => {});
  }

  /** Connects from `localAddress` (another loopback address, such as 127.0.0.2) when given. */
  static async open(port: number, localAddress?: string): Promise<RawClient> {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    await once(socket, 'connect');
    return new RawClient(socket);
  }

  /** Connects and reads the greeting. */
  static async greeted(port: number, localAddress?: string): Promise<RawClient> {
    const client = await RawClient.open(port, localAddress);
    const hello = await client.line();
    if (!hello.startsWith('200 HELLO')) throw new Error(`unexpected greeting ${hello}`);
    return client;
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  async line(): Promise<string> {
    const line = await this.reader.line();
    if (line === null) throw new Error('connection closed while a line was expected');
    if (line === TOO_LONG) throw new Error('overlong reply line');
    return line.toString('utf8');
  }

  async lines(n: number): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(await this.line());
    return out;
  }

  /** Sends a command line and returns the status line. */
  async command(line: string): Promise<string> {
    this.send(`${line}\n`);
    return this.line();
  }

  async bytes(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const piece of this.reader.bytes(n)) parts.push(Buffer.from(piece));
    return Buffer.concat(parts);
  }

  /** Resolves when the server has closed the connection (after reading whatever it still sent). */
  async closed(): Promise<string[]> {
    const rest: string[] = [];
    for (;;) {
      const line = await this.reader.line();
      if (line === null) return rest;
      if (line !== TOO_LONG) rest.push(line.toString('utf8'));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
