import type { ListingOptions } from '../protocol/request.ts';
import { PailConnection, type ConnectOptions, type Download, type DownloadOptions, type ListingStream } from './connection.ts';
import { asError, UnreachableError } from './errors.ts';
import { WaitQueue } from './wait-queue.ts';

export interface PoolOptions extends ConnectOptions {
  /** Connections open at most; further callers wait their turn. */
  readonly max?: number;
  /** Idle connections kept open for reuse. */
  readonly maxIdle?: number;
  /** How long a caller waits for a free connection before failing. */
  readonly acquireTimeoutMs?: number;
}

/**
 * A pool of protocol connections. `use` lends a connection for one piece of
 * work and takes it back; a connection that broke is dropped and the next
 * caller gets a fresh one, so the pool reconnects by itself when the bucket
 * server comes back.
 *
 * Callers beyond `max` wait in one FIFO queue. A connection given back goes
 * straight to the first waiter; a waiter whose timeout fires or whose signal
 * aborts leaves the queue at once, so it never takes a connection (nor starts
 * its work) after its caller gave up.
 */
export class PailPool {
  readonly #idle: PailConnection[] = [];
  readonly #waiting = new WaitQueue<PailConnection>();
  #open = 0;
  #closed = false;

  constructor(readonly options: PoolOptions) {}

  get address(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  /** Connections open now, lent or idle. */
  get open(): number {
    return this.#open;
  }

  /** Callers waiting for a connection now. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs `work` with a connection of the pool; a `signal` aborted while it waits takes it out of the queue. */
  async use<T>(work: (connection: PailConnection) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const connection = await this.acquire(signal);
    try {
      return await work(connection);
    } finally {
      this.release(connection);
    }
  }

  /**
   * Starts a download on a connection of the pool. The connection stays lent
   * until the body closes: read to its end it returns to the pool, cut or
   * abandoned it is dropped. A `signal` aborted before the body's end
   * destroys the body, and with it the connection.
   */
  async download(
    bucket: string,
    name: string,
    options: DownloadOptions = {},
    signal?: AbortSignal,
  ): Promise<Download> {
    const [connection, download] = await this.#lend((c) => c.download(bucket, name, options), signal);
    const { body } = download;
    const abandon = () => body.destroy();
    signal?.addEventListener('abort', abandon, { once: true });
    body.once('close', () => {
      signal?.removeEventListener('abort', abandon);
      this.release(connection);
    });
    if (signal?.aborted) abandon();
    return download;
  }

  /**
   * Starts a row-by-row listing on a connection of the pool (see
   * PailConnection.streamListing). The connection stays lent until the rows
   * are read or the listing is cancelled; a `signal` aborted first cancels it.
   */
  async streamListing(bucket: string, options: ListingOptions, signal?: AbortSignal): Promise<ListingStream> {
    const [connection, listing] = await this.#lend((c) => c.streamListing(bucket, options), signal);
    let lent = true;
    const giveBack = () => {
      signal?.removeEventListener('abort', cancel);
      if (lent) this.release(connection);
      lent = false;
    };
    const cancel = () => {
      listing.cancel();
      giveBack();
    };
    signal?.addEventListener('abort', cancel, { once: true });
    if (signal?.aborted) cancel();
    return {
      count: listing.count,
      next: listing.next,
      rows: (async function* () {
        try {
          yield* listing.rows;
        } finally {
          giveBack();
        }
      })(),
      cancel,
    };
  }

  /**
   * Starts work that outlives this call (a download, a listing) on a
   * connection of the pool, which the caller then gives back; if the work
   * fails to start, the connection goes back at once.
   */
  async #lend<T>(start: (connection: PailConnection) => Promise<T>, signal?: AbortSignal): Promise<[PailConnection, T]> {
    const connection = await this.acquire(signal);
    try {
      return [connection, await start(connection)];
    } catch (err) {
      this.release(connection);
      throw err;
    }
  }

  /**
   * A connection for the caller alone, to be given back with `release`: an
   * idle one, a new one while fewer than `max` are open, or else the first
   * one given back after every earlier waiter has had one. Fails after the
   * acquire timeout, when `signal` aborts (with its reason), or when the pool closes.
   */
  async acquire(signal?: AbortSignal): Promise<PailConnection> {
    if (this.#closed) throw closedError();
    signal?.throwIfAborted();
    const idle = this.#takeIdle();
    if (idle) return idle;
    if (this.#open < (this.options.max ?? 16)) return this.#connect();
    const timeoutMs = this.options.acquireTimeoutMs ?? 30_000;
    return this.#waiting.wait({ timeoutMs, signal, timeoutError: () => new UnreachableError(`no free connection to ${this.address} within ${timeoutMs} ms`) });
  }

  /** Gives a lent connection back: to the first waiter if any, else to the idle ones; a broken one is dropped. */
  release(connection: PailConnection): void {
    if (!connection.usable || this.#closed) {
      this.#drop(connection);
      this.#serveWaiter();
      return;
    }
    const waiter = this.#waiting.first();
    if (waiter) waiter.give(connection);
    else if (this.#idle.length < (this.options.maxIdle ?? 8)) this.#idle.push(connection);
    else this.#drop(connection);
  }

  /** Fails every waiter, and closes the idle connections; lent ones close as they come back. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#waiting.failAll(closedError());
    const idle = this.#idle.splice(0);
    this.#open -= idle.length;
    await Promise.all(idle.map((c) => c.quit()));
  }

  #takeIdle(): PailConnection | undefined {
    for (let connection = this.#idle.pop(); connection; connection = this.#idle.pop()) {
      if (connection.usable) return connection;
      this.#open--;
    }
    return undefined;
  }

  /** Opens a connection counted in `open`; if that fails, the place it took may serve a waiter. */
  async #connect(): Promise<PailConnection> {
    this.#open++;
    try {
      return await PailConnection.connect(this.options);
    } catch (err) {
      this.#open--;
      this.#serveWaiter();
      throw err;
    }
  }

  #drop(connection: PailConnection): void {
    if (connection.usable) void connection.quit();
    this.#open--;
  }

  /**
   * A place freed by a dropped connection goes to the first waiter, with a
   * new connection. The waiter leaves the queue first but may still time out
   * or be aborted while this connects: the connection then goes back to the
   * pool. A connect that fails fails that waiter (the bucket server is
   * unreachable for it as for the caller before it).
   */
  #serveWaiter(): void {
    if (this.#closed || this.#open >= (this.options.max ?? 16)) return;
    const waiter = this.#waiting.shift();
    if (!waiter) return;
    this.#connect().then(
      (connection) => {
        if (!waiter.give(connection)) this.release(connection);
      },
      (err) => waiter.fail(asError(err)),
    );
  }
}

function closedError(): UnreachableError {
  return new UnreachableError('the pool is closed');
}
