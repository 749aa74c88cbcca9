import { connect as netConnect, type Socket } from 'node:net';
import { commandSpec, type CommandName } from '../protocol/commands.ts';
import { TOO_LONG } from '../protocol/frames.ts';
import { Code, mnemonicOf, type ReplyCode } from '../protocol/codes.ts';
import { Reason } from '../protocol/reasons.ts';
import { announced, parseStatus, type Status } from '../protocol/reply.ts';
import { formatRequest } from '../protocol/request.ts';
import { PeerGone, SocketReader } from '../net/socket-reader.ts';
import { badReply, PailError, UnreachableError } from './errors.ts';
import { readGreeting } from './greeting.ts';
import { SlabReads } from './slab-reads.ts';
import type { ConnectOptions } from './types.ts';
import { within } from './within.ts';

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const DEFAULT_REPLY_TIMEOUT_MS = 60_000;
/** Reply rows may be long (a listing row holds a 255-byte name, quoted). */
const MAX_REPLY_LINE = 64 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * The core of a connection to a bucket server: the socket and its reader,
 * the queue that runs one exchange at a time, and reply lines read with the
 * reply timeout. The exchanges themselves (uploads, downloads, listings, raw
 * lines) are written in files of their own on top of it. A channel whose
 * framing was lost (a cut body, an abandoned download) is marked broken and
 * closed, so a pool never hands it out again.
 */
export class Channel {
  readonly socket: Socket;
  readonly reader: SocketReader;
  readonly address: string;
  readonly #replyTimeoutMs: number;
  #queue: Promise<unknown> = Promise.resolve();
  #broken = false;

  private constructor(socket: Socket, options: ConnectOptions) {
    this.socket = socket;
    this.address = `${options.host}:${options.port}`;
    this.#replyTimeoutMs = options.replyTimeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS;
    this.reader = new SocketReader(socket, MAX_REPLY_LINE);
    socket.on('error', () => this.markBroken());
    socket.on('close', () => this.markBroken());
  }

  /** Connects, reads the greeting and, given a token, authenticates. */
  static async open(options: ConnectOptions): Promise<{ channel: Channel; greeting: Status }> {
    const reads = new SlabReads();
    const socket: Socket = netConnect({
      host: options.host,
      port: options.port,
      noDelay: true,
      onread: {
        buffer: () => reads.next(),
        callback: (n, buffer) => {
          // Handed on as the 'data' the codec's reader listens to; the reader pauses the socket itself.
          socket.emit('data', reads.took(n, buffer));
          return true;
        },
      },
    });
    // With onread nothing is buffered for a later listener: the reader listens before the first byte can arrive.
    const channel = new Channel(socket, options);
    const timeout = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const address = channel.address;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new UnreachableError(`no answer from ${address} within ${timeout} ms`));
      }, timeout);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new UnreachableError(`cannot reach the bucket server at ${address}: ${err.message}`, { cause: err }));
      });
    });
    try {
      const greeting = await readGreeting(channel, timeout);
      const { token } = options;
      if (token) await channel.exclusive(() => channel.simple('auth', [token]));
      return { channel, greeting };
    } catch (err) {
      channel.destroy();
      throw err;
    }
  }

  /** False once the connection closed or lost its place in the protocol. */
  get usable(): boolean {
    return !this.#broken;
  }

  destroy(): void {
    this.markBroken();
    this.socket.destroy();
  }

  markBroken(): void {
    this.#broken = true;
  }

  /** Runs one exchange after every earlier one has finished. */
  exclusive<T>(exchange: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => {
      if (this.#broken) throw new UnreachableError('the connection to the bucket server is closed');
      return exchange();
    });
    this.#queue = run.catch(() => {});
    return run.catch((err) => {
      if (err instanceof PeerGone) throw new UnreachableError('the bucket server closed the connection', { cause: err });
      throw err;
    });
  }

  send(line: string): void {
    this.socket.write(`${line}\n`);
  }

  /** The next reply line; a server silent past the reply timeout is given up on (the connection closes, so no later line is lost). */
  async line(): Promise<string> {
    // A line already here needs no timer: a listing's rows mostly arrive many to a read.
    const ready = this.reader.lineNow();
    if (ready !== undefined) return this.#decoded(ready);
    const line = await within(this.nextLine(), this.#replyTimeoutMs);
    if (line !== undefined) return line;
    this.destroy();
    throw new UnreachableError(`${this.address} sent no reply within ${this.#replyTimeoutMs} ms; the connection is closed`);
  }

  /** The next line, however long it takes (events arrive when they happen). */
  async nextLine(): Promise<string> {
    return this.#decoded(await this.reader.line());
  }

  #decoded(line: Buffer | typeof TOO_LONG | null): string {
    if (line === null) {
      this.markBroken();
      throw new PeerGone();
    }
    if (line === TOO_LONG) throw new PailError(Code.BCMD, Reason.tooLong, 'the server sent an overlong line');
    return utf8.decode(line);
  }

  async status(): Promise<Status> {
    return parseStatus(await this.line());
  }

  /**
   * Sends a command and reads its status line: anything but the command's own
   * success code (from the command table) throws, a refusal as its PailError,
   * any other reply as a bad-reply naming what came back.
   */
  async simple(command: CommandName, args: readonly (string | number)[] = [], options: readonly string[] = []): Promise<Status> {
    this.send(formatRequest(command, args, options));
    return expectReply(await this.status(), commandSpec(command).success);
  }

  /** A command whose reply announces rows: the rows. */
  async withRows(command: CommandName, args: readonly (string | number)[] = []): Promise<string[]> {
    const status = await this.simple(command, args);
    const n = announced(status);
    const rows: string[] = [];
    for (let i = 0; i < n; i++) rows.push(await this.line());
    return rows;
  }
}

/**
 * The status line if it has the code expected (a command's success, or
 * 100 SEND); otherwise a refusal throws as its PailError and any other reply
 * as a bad-reply naming what came back.
 */
export function expectReply(status: Status, expected: ReplyCode): Status {
  if (status.code === expected) return status;
  throw unexpectedReply(status, expected);
}

/** The error for a reply that is not the one expected: a refusal's PailError, or a bad-reply. */
export function unexpectedReply(status: Status, expected: ReplyCode): PailError {
  return status.spec?.failure ? PailError.from(status) : badReply(status, `${expected} ${mnemonicOf(expected)}`);
}
