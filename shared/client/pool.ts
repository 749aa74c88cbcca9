import { PailConnection, type ConnectOptions, type Download, type FileStream } from './connection.ts';
import { UnreachableError } from './errors.ts';

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
 */
export class PailPool {
  readonly #idle: PailConnection[] = [];
  readonly #waiting: Array<() => void> = [];
  #open = 0;
  #closed = false;

  constructor(readonly options: PoolOptions) {}

  get address(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  /** Runs `work` with a connection of the pool. */
  async use<T>(work: (connection: PailConnection) => Promise<T>): Promise<T> {
    const connection = await this.acquire();
    try {
      return await work(connection);
    } finally {
      this.release(connection);
    }
  }

  /**
   * Starts a download on a connection of the pool. The connection stays lent
   * until the body closes: read to its end it returns to the pool, cut or
   * abandoned it is dropped.
   */
  async download(bucket: string, name: string, range: { offset?: number; length?: number } = {}): Promise<Download> {
    const [connection, download] = await this.#lend((c) => c.download(bucket, name, range));
    download.body.once('close', () => this.release(connection));
    return download;
  }

  /**
   * Starts a row-by-row listing on a connection of the pool (see
   * PailConnection.streamFiles). The connection stays lent until the rows
   * are read or the listing is cancelled.
   */
  async streamFiles(bucket: string): Promise<FileStream> {
    const [connection, listing] = await this.#lend((c) => c.streamFiles(bucket));
    let lent = true;
    const giveBack = () => {
      if (lent) this.release(connection);
      lent = false;
    };
    return {
      count: listing.count,
      files: (async function* () {
        try {
          yield* listing.files;
        } finally {
          giveBack();
        }
      })(),
      cancel() {
        listing.cancel();
        giveBack();
      },
    };
  }

  /**
   * Starts work that outlives this call (a download, a listing) on a
   * connection of the pool, which the caller then gives back; if the work
   * fails to start, the connection goes back at once.
   */
  async #lend<T>(start: (connection: PailConnection) => Promise<T>): Promise<[PailConnection, T]> {
    const connection = await this.acquire();
    try {
      return [connection, await start(connection)];
    } catch (err) {
      this.release(connection);
      throw err;
    }
  }

  async acquire(): Promise<PailConnection> {
    const deadline = Date.now() + (this.options.acquireTimeoutMs ?? 30_000);
    for (;;) {
      if (this.#closed) throw new UnreachableError('the pool is closed');
      const idle = this.#idle.pop();
      if (idle) {
        if (idle.usable) return idle;
        this.#open--;
        continue;
      }
      if (this.#open < (this.options.max ?? 16)) {
        this.#open++;
        try {
          return await PailConnection.connect(this.options);
        } catch (err) {
          this.#open--;
          this.#wakeOne();
          throw err;
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new UnreachableError(`no free connection to ${this.address} within the acquire timeout`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiting.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  release(connection: PailConnection): void {
    if (!connection.usable || this.#closed || this.#idle.length >= (this.options.maxIdle ?? 8)) {
      if (connection.usable) void connection.quit();
      this.#open--;
    } else {
      this.#idle.push(connection);
    }
    this.#wakeOne();
  }

  #wakeOne(): void {
    this.#waiting.shift()?.();
  }

  async close(): Promise<void> {
    this.#closed = true;
    const idle = this.#idle.splice(0);
    this.#open -= idle.length;
    await Promise.all(idle.map((c) => c.quit()));
    for (const wake of this.#waiting.splice(0)) wake();
  }
}
