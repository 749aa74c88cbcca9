import type { ServerResponse } from 'node:http';
import type { ConnectOptions } from '../client/connection.ts';
import { PailPool } from '../client/pool.ts';
import { ClientSlots, NoSlot } from './client-slots.ts';

export interface LaneOptions {
  /** Transfers one client address may run at once; its further ones wait their turn. */
  readonly clientTransfers: number;
  /** Transfers the listener runs at once, all clients together: the transfer lane's protocol connections. */
  readonly transfers: number;
  /** Protocol connections of the commands lane. */
  readonly commands?: number;
  /** Transfers one address may have waiting; more are refused at once (429 or SlowDown). */
  readonly clientWaiting?: number;
  /** How long a transfer waits for its address's turn before it is refused. */
  readonly waitMs?: number;
  /** A download whose client has not read for this long lets go of the bucket server until it reads again. */
  readonly stallMs?: number;
}

const COMMAND_CONNECTIONS = 16;
const CLIENT_WAITING = 64;
const WAIT_MS = 30_000;

/**
 * An HTTP listener's two lanes to the bucket server, so transfers, however
 * slow, never make a listing or a bucket operation wait:
 *
 * - commands: a small pool for short exchanges whose replies the listener
 *   reads whole at once (ls_b, create_b, stat, delete_f, a listing page).
 *   No HTTP client can hold one of its connections.
 * - transfers: a connection each for the exchanges an HTTP client paces
 *   (bodies both ways, streamed listings), admitted per client address (at
 *   most `clientTransfers` at once, the rest in that address's own queue),
 *   up to `transfers` for all clients together.
 *
 * A request whose client goes away is forgotten wherever it is: waiting for
 * its address's turn or for a connection, it leaves the queue and never
 * starts. Each listener says how it refuses and how it names the request's
 * address and signal (gateway/lanes.ts, s3/lanes.ts).
 */
export class BucketServerLanes {
  readonly commands: PailPool;
  readonly transfers: PailPool;
  readonly slots: ClientSlots;

  constructor(bucketServer: ConnectOptions, readonly options: LaneOptions) {
    this.commands = new PailPool({ ...bucketServer, max: options.commands ?? COMMAND_CONNECTIONS });
    this.transfers = new PailPool({ ...bucketServer, max: options.transfers });
    this.slots = new ClientSlots({
      perClient: options.clientTransfers,
      waitingPerClient: options.clientWaiting ?? CLIENT_WAITING,
      waitMs: options.waitMs ?? WAIT_MS,
    });
  }

  /**
   * Waits for `address` to have a transfer free; the turn is given back when
   * the response closes (sent, failed or cut). An address with too many
   * waiting, or one that waited too long, fails with `refuse`'s error.
   */
  protected async admit(address: string, response: ServerResponse, signal: AbortSignal, refuse: (message: string) => Error): Promise<void> {
    let giveBack: () => void;
    try {
      giveBack = await this.slots.take(address, signal);
    } catch (err) {
      if (err instanceof NoSlot) throw refuse(err.message);
      throw err;
    }
    if (response.writableFinished || signal.aborted) giveBack();
    else response.once('close', giveBack);
  }

  async close(): Promise<void> {
    await Promise.all([this.commands.close(), this.transfers.close()]);
  }
}

/**
 * Aborts, with `reason`'s error, when the response's connection closes
 * before the response was sent whole: the HTTP client went away.
 */
export function whenClientGone(response: ServerResponse, reason: () => Error): AbortSignal {
  const controller = new AbortController();
  const left = () => controller.abort(reason());
  if (response.destroyed && !response.writableFinished) left();
  else response.once('close', () => !response.writableFinished && left());
  return controller.signal;
}
