import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConnectOptions, PailConnection } from '../shared/client/connection.ts';
import { PailPool } from '../shared/client/pool.ts';
import { ClientSlots, NoSlot } from '../shared/http/client-slots.ts';
import { S3Error } from './errors.ts';

export interface S3LaneOptions {
  /** Transfers one client address may run at once; its further ones wait their turn. */
  readonly clientTransfers: number;
  /** Transfers the listener runs at once, all clients together: the transfer lane's protocol connections. */
  readonly transfers: number;
  /** Protocol connections of the commands lane. */
  readonly commands?: number;
  /** Transfers one address may have waiting; more are answered SlowDown at once. */
  readonly clientWaiting?: number;
  /** How long a transfer waits for its address's turn before it is answered SlowDown. */
  readonly waitMs?: number;
  /** A download whose client has not read for this long lets go of the bucket server until it reads again. */
  readonly stallMs?: number;
}

const COMMAND_CONNECTIONS = 16;
const CLIENT_WAITING = 64;
const WAIT_MS = 30_000;

/**
 * The listener's two lanes to the bucket server, as the gateway's
 * (gateway/lanes.ts): a small commands pool for short exchanges read whole
 * at once (ls_b, create_b, stat, delete_f, a listing page), and a transfer
 * lane whose connections an HTTP client paces (object bodies both ways),
 * admitted per client address. A request whose client has gone leaves any
 * queue it waits in and never starts.
 */
export class S3Lanes {
  readonly commands: PailPool;
  readonly transfers: PailPool;
  /**
   * The upload side of CopyObject, whose download side is a transfer: a pool
   * of its own, so copies each holding a transfer can never all wait for a
   * second one.
   */
  readonly copies: PailPool;
  readonly slots: ClientSlots;

  constructor(bucketServer: ConnectOptions, readonly options: S3LaneOptions) {
    this.commands = new PailPool({ ...bucketServer, max: options.commands ?? COMMAND_CONNECTIONS });
    this.transfers = new PailPool({ ...bucketServer, max: options.transfers });
    this.copies = new PailPool({ ...bucketServer, max: Math.max(1, Math.ceil(options.transfers / 2)) });
    this.slots = new ClientSlots({
      perClient: options.clientTransfers,
      waitingPerClient: options.clientWaiting ?? CLIENT_WAITING,
      waitMs: options.waitMs ?? WAIT_MS,
    });
  }

  command<T>(signal: AbortSignal, work: (connection: PailConnection) => Promise<T>): Promise<T> {
    return this.commands.use(work, signal);
  }

  /** Waits for the client address's turn; the turn is given back when the response closes. Then lends the transfer pool. */
  async transfer(request: IncomingMessage, response: ServerResponse, signal: AbortSignal): Promise<PailPool> {
    let giveBack: () => void;
    try {
      giveBack = await this.slots.take(request.socket.remoteAddress ?? '', signal);
    } catch (err) {
      if (err instanceof NoSlot) throw new S3Error('SlowDown', err.message);
      throw err;
    }
    if (response.writableFinished || signal.aborted) giveBack();
    else response.once('close', giveBack);
    return this.transfers;
  }

  async close(): Promise<void> {
    await Promise.all([this.commands.close(), this.transfers.close(), this.copies.close()]);
  }
}

/** Aborts when the response's connection closes before the response was sent whole: the client went away. */
export function clientGone(response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  const left = () => controller.abort(new S3Error('RequestTimeout', 'the client went away'));
  if (response.destroyed && !response.writableFinished) left();
  else response.once('close', () => !response.writableFinished && left());
  return controller.signal;
}
