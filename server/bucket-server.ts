import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { Reason } from '../shared/protocol/reasons.ts';
import { formatFailure } from '../shared/protocol/reply.ts';
import { Authenticator } from '../shared/access/authenticator.ts';
import { AttemptLimiter } from '../shared/access/attempts.ts';
import { DEFAULTS } from '../shared/config/settings.ts';
import type { Limits, ServerContext } from './context.ts';
import { Session } from './session/session.ts';
import { downloadSlabs } from './session/slab-pool.ts';
import { readingIntoSlabs } from './session/slab-socket.ts';
import type { Storage } from './storage/storage.ts';

/** Wrong tokens are counted per client address in windows of a minute (the gateway's window too). */
const ATTEMPT_WINDOW_MS = 60_000;

export interface BucketServerOptions {
  readonly storage: Storage;
  readonly limits: Limits;
  readonly log: Logger;
  readonly token?: string;
  readonly readToken?: string;
  /** How long shutdown waits for running transfers before cutting them. */
  readonly shutdownGraceMs?: number;
}

/**
 * The TCP bucket server: accepts connections, gives each a Session, refuses
 * connections beyond the cap with a reason, and shuts down without leaving
 * partial files (transfers finish within the grace period, or are aborted
 * and their temporaries removed).
 */
export class BucketServer {
  readonly #server: Server;
  readonly #sessions = new Set<Session>();
  readonly #runs = new Set<Promise<void>>();
  readonly #context: ServerContext;
  #nextId = 1;
  #closing: Promise<void> | undefined;

  constructor(readonly options: BucketServerOptions) {
    this.#context = {
      storage: options.storage,
      limits: options.limits,
      log: options.log,
      auth: options.token ? new Authenticator(options.token, options.readToken) : undefined,
      attempts: options.token ? new AttemptLimiter(options.limits.loginLimit ?? DEFAULTS.loginLimit, ATTEMPT_WINDOW_MS) : undefined,
      slabs: downloadSlabs(),
    };
    options.storage.setMaxListeners(0);
    // Paused so that slab reads are set up before the first byte is read (see readingIntoSlabs).
    this.#server = createServer({ noDelay: true, keepAlive: true, pauseOnConnect: true }, (socket) => this.#accept(readingIntoSlabs(socket)));
  }

  get storage(): Storage {
    return this.options.storage;
  }

  get connections(): number {
    return this.#sessions.size;
  }

  async listen(port: number, host: string): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ port, host, backlog: 4096 }, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    return this.address();
  }

  address(): AddressInfo {
    return this.#server.address() as AddressInfo;
  }

  #accept(socket: Socket): void {
    const log = this.#context.log;
    socket.on('error', (err) => log.debug({ err }, 'socket error'));
    if (this.#closing) {
      socket.end(`${formatFailure('BUSY', Reason.shuttingDown, 'the bucket server is shutting down')}\n`);
      return;
    }
    if (this.#sessions.size >= this.options.limits.maxConnections) {
      log.warn({ max: this.options.limits.maxConnections }, 'connection refused: at the cap');
      socket.end(`${formatFailure('BUSY', Reason.tooManyConnections, `the server holds its maximum of ${this.options.limits.maxConnections} connections; try again later`)}\n`);
      return;
    }
    const session = new Session(socket, this.#context, this.#nextId++);
    this.#sessions.add(session);
    session.log.info('connected');
    socket.setTimeout(this.options.limits.idleTimeoutMs);
    socket.on('timeout', () => {
      // A silent client between commands is told why; one that stalls mid-transfer is cut. A command waiting on the
      // server's own work (an engine slow to answer) goes on: it ends in its own time, bounded by its storage's timeouts.
      if (session.idle) session.closeWith(formatFailure('BUSY', Reason.idleTimeout, 'the connection was idle for too long'));
      else if (session.waitingOnClient) socket.destroy();
    });
    socket.once('close', () => {
      this.#sessions.delete(session);
      session.log.info('disconnected');
    });
    const run = session.run().catch((err) => {
      session.log.error({ err }, 'session failed');
      socket.destroy();
    });
    this.#runs.add(run);
    void run.finally(() => this.#runs.delete(run));
  }

  /** Stops accepting, lets running commands finish (within the grace period), then closes every connection. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    const bye = formatFailure('BUSY', Reason.shuttingDown, 'the bucket server is shutting down');
    for (const session of this.#sessions) if (session.idle) session.closeWith(bye);
    const deadline = Date.now() + (this.options.shutdownGraceMs ?? 10_000);
    while (this.#sessions.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      for (const session of this.#sessions) if (session.idle) session.closeWith(bye);
    }
    for (const session of this.#sessions) session.cut('the shutdown grace period is over');
    // Aborted uploads remove their temporaries as their sessions unwind.
    await Promise.allSettled(this.#runs);
    await closed;
    await this.options.storage.close();
  }
}
