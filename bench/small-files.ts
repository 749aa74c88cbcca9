import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { PailConnection } from '../shared/client/connection.ts';
import { measureLoop, opsLoad, type OpsResult } from './load.ts';

/** Small durable uploads: 1 KiB files, each acknowledged only once stored. */
export const SMALL_FILE = 1024;

/** A connection to the small-files baseline (servers/small-files.c): `PUT NAME SIZE\n` + bytes, answered `OK\n`. */
class BaselineClient {
  #replies = 0;
  #waiting: (() => void) | undefined;
  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const byte of chunk) if (byte === 0x0a) this.#replies++;
      this.#wake();
    });
    socket.on('close', () => this.#wake());
  }

  static async open(port: number): Promise<BaselineClient> {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    await once(socket, 'connect');
    return new BaselineClient(socket);
  }

  async put(name: string, body: Buffer): Promise<void> {
    const expected = this.#replies + 1;
    this.socket.write(Buffer.concat([Buffer.from(`PUT ${name} ${body.length}\n`), body]));
    while (this.#replies < expected) {
      if (this.socket.destroyed) throw new Error('the small-files baseline closed the connection');
      await new Promise<void>((resolve) => (this.#waiting = resolve));
    }
  }

  close(): void {
    this.socket.destroy();
  }

  #wake(): void {
    const wake = this.#waiting;
    this.#waiting = undefined;
    wake?.();
  }
}

/** `clients` connections to the small-files baseline, each storing 1 KiB files in a bounded loop. */
export async function baselineSmallFiles(port: number, clients: number, limits: { maxOps: number; maxMs: number }, prefix: string): Promise<OpsResult> {
  const connections = await Promise.all(Array.from({ length: clients }, () => BaselineClient.open(port)));
  const body = Buffer.alloc(SMALL_FILE, 0x61);
  const result = await measureLoop(`C thread per connection: put 1 KiB`, connections, (c, i) => c.put(`${prefix}-${i}`, body), limits);
  connections.forEach((c) => c.close());
  return result;
}

/** `clients` Pail connections, each uploading new 1 KiB files in a bounded loop: the acknowledged uploads per second. */
export function pailSmallFiles(port: number, clients: number, limits: { maxOps: number; maxMs: number }, bucket: string, prefix: string): Promise<OpsResult> {
  const body = Buffer.alloc(SMALL_FILE, 0x62);
  return opsLoad(port, 'put 1 KiB', clients, (c: PailConnection, i) => c.upload(bucket, `${prefix}-${i}`, body), limits);
}
