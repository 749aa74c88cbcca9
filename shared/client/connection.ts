import { connect as netConnect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { Code, codeSpec } from '../protocol/codes.ts';
import { CHUNKED, commandSpec, type CommandName } from '../protocol/commands.ts';
import { TOO_LONG } from '../protocol/frames.ts';
import { Reason } from '../protocol/reasons.ts';
import { announced, parseStatus, type Status } from '../protocol/reply.ts';
import { DEFAULT_TCP_PORT } from '../protocol/version.ts';
import { formatProblem, formatRequest, parseRequest } from '../protocol/request.ts';
import { parseBucketRow, parseEvent, parseFileRow } from '../protocol/rows.ts';
import type { BucketInfo, FileInfo, PailEvent } from '../protocol/types.ts';
import { drained } from '../net/drained.ts';
import { PeerGone, SocketReader } from '../net/socket-reader.ts';
import { badReply, PailError, UnreachableError } from './errors.ts';

export interface ConnectOptions {
  readonly host: string;
  readonly port: number;
  /** Sent with auth right after the greeting when given. */
  readonly token?: string;
  /** Gives up connecting, and waiting for the greeting, after this long each. */
  readonly connectTimeoutMs?: number;
  /**
   * Gives up on a command whose next reply line takes longer than this (a
   * server that stopped answering mid-listing); the connection is closed. It
   * does not bound a transfer's bytes, nor an event stream's wait for events.
   */
  readonly replyTimeoutMs?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const DEFAULT_REPLY_TIMEOUT_MS = 60_000;
/** After a silent peer's greeting timeout, how long its answer to a probing line may take. */
const PROBE_MS = 1_000;

export interface UploadOptions {
  /** The byte count; without it the body is sent chunked. */
  readonly size?: number;
  readonly overwrite?: boolean;
  readonly sha256?: string;
  /** Called with the bytes sent so far, after each write. */
  readonly onProgress?: (sent: number) => void;
}

export interface Uploaded {
  readonly size: number;
  readonly sha256: string;
  readonly modified: string;
}

export interface DownloadInfo {
  readonly length: number;
  readonly sha256: string;
  readonly offset: number;
  readonly total: number;
  readonly modified: string;
}

/** A listing being read row by row (see `streamFiles`). */
export interface FileStream {
  /** Rows the server announced. */
  readonly count: number;
  readonly files: AsyncIterable<FileInfo>;
  /** Gives up on the rest: the connection closes if rows are still unread. */
  cancel(): void;
}

export interface DownloadOptions {
  readonly offset?: number;
  /** Bytes from `offset`; to the end of the file when absent. */
  readonly length?: number;
  /** Only if the file still has this SHA-256 (hex). */
  readonly sha256?: string;
}

export interface Download {
  readonly info: DownloadInfo;
  /** Exactly `info.length` bytes; errors if the connection is cut before. */
  readonly body: Readable;
}

/** Reply rows may be long (a listing row holds a 255-byte name, quoted). */
const MAX_REPLY_LINE = 64 * 1024;
/** Uploads are sent in batches of up to this much; chunked, it is also the largest protocol chunk. */
const SEND_CHUNK = 1 << 20;
/** Unsent upload bytes the socket may hold before the source is read again. */
const SEND_BUFFER = 2 << 20;
const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Reads land in consecutive slices of slabs this large, never in one another's bytes. */
const READ_SLAB = 1 << 20;
/** A read is offered at least this much room; a slab with less left is replaced. */
const MIN_READ = 64 * 1024;

/**
 * Read buffers for a socket's `onread`. By default Node allocates a fresh
 * 64 KiB buffer for every read, so a download costs one system call, one
 * allocation and one chunk per 64 KiB. Here each read gets the rest of a
 * 1 MiB slab: it takes whatever is waiting (up to that) in one call, and the
 * bytes it returns are a view of the slab that is never written again, so
 * they may be held as long as needed.
 */
class SlabReads {
  #slab = Buffer.allocUnsafeSlow(0);
  #used = 0;

  next(): Buffer {
    if (this.#slab.length - this.#used < MIN_READ) {
      this.#slab = Buffer.allocUnsafeSlow(READ_SLAB);
      this.#used = 0;
    }
    return this.#slab.subarray(this.#used);
  }

  /** The `n` bytes just read into `buffer` (the last one `next` gave). */
  took(n: number, buffer: Uint8Array): Buffer {
    this.#used += n;
    return Buffer.from(buffer.buffer, buffer.byteOffset, n);
  }
}

/**
 * One TCP connection to a bucket server, speaking the protocol through the
 * codec. Commands run one at a time, in the order they were called; a
 * download holds the connection until its body has been read. A connection
 * whose framing was lost (a cut body, an abandoned download) is marked broken
 * and closed, so a pool never hands it out again.
 */
export class PailConnection {
  readonly #socket: Socket;
  readonly #reader: SocketReader;
  readonly #address: string;
  readonly #replyTimeoutMs: number;
  #queue: Promise<unknown> = Promise.resolve();
  #broken = false;
  greeting!: Status;

  private constructor(socket: Socket, options: ConnectOptions) {
    this.#socket = socket;
    this.#address = `${options.host}:${options.port}`;
    this.#replyTimeoutMs = options.replyTimeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS;
    this.#reader = new SocketReader(socket, MAX_REPLY_LINE);
    socket.on('error', () => this.#markBroken());
    socket.on('close', () => this.#markBroken());
  }

  static async connect(options: ConnectOptions): Promise<PailConnection> {
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
    const connection = new PailConnection(socket, options);
    const timeout = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const address = connection.#address;
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
      connection.greeting = await connection.#greeting(timeout);
      if (options.token) await connection.#exclusive(() => connection.#simple('auth', [options.token!]));
    } catch (err) {
      connection.destroy();
      throw err;
    }
    return connection;
  }

  /**
   * The server's greeting, which a Pail server sends at once. Whatever else
   * answers (nothing, an HTTP server, a closed connection) is named in an
   * UnreachableError, so a wrong port is told as such.
   */
  async #greeting(timeoutMs: number): Promise<Status> {
    const address = this.#address;
    const notPail = (what: string) => new UnreachableError(`${address} is not a Pail bucket server: ${what}`);
    const pending = this.#nextLine();
    let first: string | undefined;
    try {
      first = await within(pending, timeoutMs);
    } catch (err) {
      if (err instanceof PeerGone) throw new UnreachableError(`${address} closed the connection before greeting`, { cause: err });
      throw err;
    }
    if (first === undefined) {
      // Silent, as an HTTP server is until asked: ask, and say what answered.
      this.#send('quit');
      const answer = await within(pending, PROBE_MS).catch(() => undefined);
      if (answer?.startsWith('HTTP/')) {
        throw notPail(`it answered HTTP (${JSON.stringify(answer)}): is that the gateway's HTTP port? The bucket server's TCP port is ${DEFAULT_TCP_PORT} unless set otherwise`);
      }
      throw new UnreachableError(`${address} accepted the connection but sent no greeting within ${timeoutMs} ms; is it a Pail bucket server?`);
    }
    let greeting: Status;
    try {
      greeting = parseStatus(first);
    } catch {
      throw notPail(`it said ${JSON.stringify(first.slice(0, 80))}`);
    }
    if (greeting.code === Code.HELLO) return greeting;
    if (greeting.spec?.failure) throw PailError.from(greeting);
    throw notPail(`it greeted with ${JSON.stringify(first.slice(0, 80))}`);
  }

  /** False once the connection closed or lost its place in the protocol. */
  get usable(): boolean {
    return !this.#broken;
  }

  async createBucket(bucket: string): Promise<void> {
    await this.#exclusive(() => this.#simple('create_b', [bucket]));
  }

  async deleteBucket(bucket: string, options: { force?: boolean } = {}): Promise<void> {
    await this.#exclusive(() => this.#simple('delete_b', [bucket], options.force ? ['force'] : []));
  }

  async listBuckets(): Promise<BucketInfo[]> {
    const rows = await this.#exclusive(() => this.#withRows('ls_b'));
    return rows.map(parseBucketRow);
  }

  async listFiles(bucket?: string): Promise<FileInfo[]> {
    const rows = await this.#exclusive(() => this.#withRows('ls_f', bucket === undefined ? [] : [bucket]));
    return rows.map(parseFileRow);
  }

  /**
   * Lists a bucket's files as their rows arrive, for listings too long to
   * gather first. Resolves once the server has answered (a refusal rejects
   * here, before any row); `files` then yields one file per row. The
   * connection is busy until every row is read; `cancel` (or an iteration
   * ended early) closes it, since the rest is still on the wire.
   */
  streamFiles(bucket: string): Promise<FileStream> {
    return new Promise<FileStream>((resolveList, rejectList) => {
      void this.#exclusive(async () => {
        const status = await this.#simple('ls_f', [bucket]).catch((err) => {
          rejectList(err);
          throw err;
        });
        const count = announced(status);
        let read = 0;
        let done!: () => void;
        const finished = new Promise<void>((resolve) => (done = resolve));
        const cancel = () => {
          if (read < count) this.destroy();
          done();
        };
        const line = () => this.#line();
        async function* files(): AsyncGenerator<FileInfo> {
          try {
            for (; read < count; read++) yield parseFileRow(await line());
          } finally {
            cancel();
          }
        }
        resolveList({ count, files: files(), cancel });
        await finished;
      }).catch(rejectList); // once resolved, this is a no-op
    });
  }

  /** A file's size, SHA-256 and time, without its bytes. */
  async stat(bucket: string, name: string): Promise<FileInfo> {
    const { fields } = await this.#exclusive(() => this.#simple('stat', [bucket, name]));
    return { bucket, name, size: Number(fields.size), sha256: fields.sha256, modified: fields.modified };
  }

  async deleteFile(bucket: string, name: string): Promise<void> {
    await this.#exclusive(() => this.#simple('delete_f', [bucket, name]));
  }

  async help(topic?: string): Promise<string[]> {
    return this.#exclusive(() => this.#withRows('help', topic === undefined ? [] : [topic]));
  }

  async codes(): Promise<string[]> {
    return this.#exclusive(() => this.#withRows('code_r'));
  }

  /** Uploads a body: a Buffer, or any stream or iterable of Buffers (sent chunked unless `size` is given). */
  async upload(
    bucket: string,
    name: string,
    body: Buffer | AsyncIterable<Buffer> | Iterable<Buffer>,
    options: UploadOptions = {},
  ): Promise<Uploaded> {
    const size = Buffer.isBuffer(body) ? body.length : options.size;
    const flags = [...(options.overwrite ? ['overwrite'] : []), ...(options.sha256 ? [`sha256=${options.sha256}`] : [])];
    const line = formatRequest('upload_f', [bucket, name, size ?? CHUNKED], flags);
    return this.#exclusive(async () => {
      this.#send(line);
      const goAhead = await this.#status();
      if (goAhead.code !== Code.SEND) {
        // The server closes after refusing an upload whose body may follow: a pool must never lend this connection again.
        if (size !== 0) this.destroy();
        throw PailError.from(goAhead);
      }
      const chunks = Buffer.isBuffer(body) ? [body] : body;
      let sent: number;
      try {
        sent = await this.#sendBody(chunks, size, options);
      } catch (err) {
        // The server may have refused mid-body (disk full, too large) and closed: its reply says why.
        if (err instanceof PeerGone) {
          const refusal = await this.#status().catch(() => undefined);
          if (refusal?.spec?.failure) throw PailError.from(refusal);
        }
        this.destroy();
        throw err;
      }
      if (size !== undefined && sent !== size) {
        // The server still waits for the missing bytes; this connection cannot be used again.
        this.destroy();
        throw new PailError(Code.FUTF, Reason.badSize, `the body had ${sent} bytes, not the ${size} announced`);
      }
      const done = await this.#status();
      if (done.code !== Code.FUTB) throw PailError.from(done);
      return { size: Number(done.fields.size), sha256: done.fields.sha256, modified: done.fields.modified };
    });
  }

  /**
   * Starts a download; the connection is busy until the body has been read or
   * destroyed. With `sha256`, the server sends the bytes only of the file
   * with that SHA-256 (a PailError with reason changed otherwise), so a range
   * worked out on an earlier stat is served of that same version.
   */
  download(bucket: string, name: string, options: DownloadOptions = {}): Promise<Download> {
    const args: (string | number)[] = [bucket, name];
    if (options.offset !== undefined || options.length !== undefined) args.push(options.offset ?? 0);
    if (options.length !== undefined) args.push(options.length);
    const flags = options.sha256 === undefined ? [] : [`sha256=${options.sha256}`];
    return new Promise<Download>((resolveDownload, rejectDownload) => {
      void this.#exclusive(async () => {
        this.#send(formatRequest('download', args, flags));
        const status = await this.#status().catch((err) => {
          rejectDownload(err);
          throw err;
        });
        if (status.code !== Code.FDFBS) {
          rejectDownload(PailError.from(status));
          return;
        }
        const info: DownloadInfo = {
          length: Number(status.fields.length),
          sha256: status.fields.sha256,
          offset: Number(status.fields.offset),
          total: Number(status.fields.total),
          modified: status.fields.modified,
        };
        const body = Readable.from(this.#reader.bytes(info.length), { objectMode: false, highWaterMark: 1 << 20 });
        const finished = new Promise<void>((resolve) => {
          body.once('end', resolve);
          body.once('close', () => {
            // Abandoned or cut before its end: the rest of the body is still on the wire.
            if (!body.readableEnded) this.destroy();
            resolve();
          });
        });
        resolveDownload({ info, body });
        await finished;
      }).catch(rejectDownload); // a connection already closed never runs the exchange; once resolved, this is a no-op
    });
  }

  /**
   * Turns this connection into a stream of change events; use a connection of
   * its own. `onWatching` is called once the server has confirmed the
   * subscription: every change after that moment is delivered.
   */
  async *watch(options: { onWatching?: () => void } = {}): AsyncGenerator<PailEvent> {
    await this.#exclusive(() => this.#simple('watch'));
    options.onWatching?.();
    for (;;) {
      const status = parseStatus(await this.#nextLine());
      if (status.code === Code.EVENT) yield parseEvent(status);
      else throw PailError.from(status);
    }
  }

  /**
   * Sends one command line as typed and returns the raw reply lines, for the
   * web console and the shell's raw mode. What the line is comes from the
   * codec's parse, never from its raw text (a quoted `"get"` is a download
   * too): a line the codec refuses is answered here with the reply the
   * server would give, and commands that carry a body are refused.
   */
  async raw(line: string): Promise<string[]> {
    const parsed = parseRequest(line);
    if (!parsed.ok) return [formatProblem(parsed.problem)];
    const { spec: command } = parsed.request;
    if (command.carriesBody) {
      throw new PailError(Code.BCMD, Reason.notNow, `${command.name} carries a body or a stream; use the app's upload and download, or the CLI`);
    }
    return this.#exclusive(async () => {
      this.#send(line);
      const first = await this.#line();
      const lines = [first];
      let status: Status;
      try {
        status = parseStatus(first);
      } catch {
        return lines;
      }
      const n = status.spec?.follows === 'rows' ? announced(status) : 0;
      for (let i = 0; i < n; i++) lines.push(await this.#line());
      if (status.code === Code.BYE) this.#markBroken();
      return lines;
    });
  }

  /** Says goodbye and closes. */
  async quit(): Promise<void> {
    if (this.#broken) return;
    await this.#exclusive(async () => {
      this.#send(formatRequest('quit', []));
      await this.#status().catch(() => undefined);
    }).catch(() => {});
    this.destroy();
  }

  destroy(): void {
    this.#markBroken();
    this.#socket.destroy();
  }

  #markBroken(): void {
    this.#broken = true;
  }

  /** Runs one exchange after every earlier one has finished. */
  #exclusive<T>(exchange: () => Promise<T>): Promise<T> {
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

  #send(line: string): void {
    this.#socket.write(`${line}\n`);
  }

  /** The next reply line; a server silent past the reply timeout is given up on (the connection closes, so no later line is lost). */
  async #line(): Promise<string> {
    const line = await within(this.#nextLine(), this.#replyTimeoutMs);
    if (line !== undefined) return line;
    this.destroy();
    throw new UnreachableError(`${this.#address} sent no reply within ${this.#replyTimeoutMs} ms; the connection is closed`);
  }

  /** The next line, however long it takes (events arrive when they happen). */
  async #nextLine(): Promise<string> {
    const line = await this.#reader.line();
    if (line === null) {
      this.#markBroken();
      throw new PeerGone();
    }
    if (line === TOO_LONG) throw new PailError(Code.BCMD, Reason.tooLong, 'the server sent an overlong line');
    return utf8.decode(line);
  }

  async #status(): Promise<Status> {
    return parseStatus(await this.#line());
  }

  /**
   * Sends a command and reads its status line: anything but the command's own
   * success code (from the command table) throws, a refusal as its PailError,
   * any other reply as a bad-reply naming what came back.
   */
  async #simple(command: CommandName, args: readonly (string | number)[] = [], options: readonly string[] = []): Promise<Status> {
    this.#send(formatRequest(command, args, options));
    const status = await this.#status();
    const expected = commandSpec(command).success;
    if (status.code === expected) return status;
    if (status.spec?.failure) throw PailError.from(status);
    throw badReply(status, `${expected} ${codeSpec(expected)!.mnemonic}`);
  }

  async #withRows(command: CommandName, args: readonly (string | number)[] = []): Promise<string[]> {
    const status = await this.#simple(command, args);
    const n = announced(status);
    const rows: string[] = [];
    for (let i = 0; i < n; i++) rows.push(await this.#line());
    return rows;
  }

  /**
   * Sends an upload's body. Chunks are gathered while more of them are at
   * hand and go out together: one `writev` per batch instead of one `write`
   * per chunk (and, chunked, one protocol chunk per batch instead of a header
   * line and a body per chunk). A batch goes out when it reaches SEND_CHUNK,
   * or once the event loop has handled the reads at hand (`setImmediate`).
   * The socket may hold up to SEND_BUFFER unsent bytes before the source is
   * read again. Returns the bytes taken from the source; sized,
   * it stops (without sending it) at the chunk that would overrun `size`.
   */
  async #sendBody(chunks: AsyncIterable<Buffer> | Iterable<Buffer>, size: number | undefined, options: UploadOptions): Promise<number> {
    const socket = this.#socket;
    const chunked = size === undefined;
    let taken = 0;
    let sent = 0;
    let batch: Buffer[] = [];
    let batchBytes = 0;
    let flushQueued: NodeJS.Immediate | undefined;
    const flush = () => {
      clearImmediate(flushQueued);
      flushQueued = undefined;
      if (batchBytes === 0 || socket.destroyed) return;
      socket.cork();
      if (chunked) socket.write(`${batchBytes}\n`);
      for (const piece of batch) socket.write(piece);
      socket.uncork();
      sent += batchBytes;
      batch = [];
      batchBytes = 0;
      options.onProgress?.(sent);
    };
    const add = (piece: Buffer) => {
      batch.push(piece);
      batchBytes += piece.length;
      if (batchBytes >= SEND_CHUNK) flush();
      // After this turn's I/O: the chunks of every read the loop makes now join the batch first.
      else flushQueued ??= setImmediate(flush);
    };
    try {
      for await (const chunk of chunks) {
        if (socket.destroyed) throw new PeerGone();
        if (!chunked && taken + chunk.length > size) return taken + chunk.length;
        taken += chunk.length;
        // A chunked batch is one protocol chunk, so it never exceeds SEND_CHUNK.
        for (let at = 0; at < chunk.length; ) {
          const n = chunked ? Math.min(chunk.length - at, SEND_CHUNK - batchBytes) : chunk.length;
          add(at === 0 && n === chunk.length ? chunk : chunk.subarray(at, at + n));
          at += n;
        }
        if (socket.writableLength + batchBytes >= SEND_BUFFER) {
          flush();
          await drained(socket);
        }
      }
      flush();
      if (chunked) socket.write('0\n');
      await drained(socket);
      return taken;
    } finally {
      clearImmediate(flushQueued);
    }
  }

}

/** The promise's value, or undefined if it takes longer than `ms` (the promise itself goes on). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
