import type { ListingOptions } from '../shared/protocol/request.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConnectOptions, Download, DownloadOptions, ListingStream, PailConnection } from '../shared/client/connection.ts';
import { PailPool } from '../shared/client/pool.ts';
import { Reason } from '../shared/protocol/reasons.ts';
import { ClientSlots, NoSlot } from '../shared/http/client-slots.ts';
import { refusal } from './errors.ts';

export interface LaneOptions {
  /** Transfers one client address may run at once; its further ones wait their turn. */
  readonly clientTransfers: number;
  /** Transfers the gateway runs at once, all clients together: the transfer lane's protocol connections. */
  readonly transfers: number;
  /** Transfers one address may have waiting; more are answered 429 at once. */
  readonly clientWaiting?: number;
  /** How long a transfer waits for its address's turn before it is answered 429. */
  readonly waitMs?: number;
  /** Protocol connections of the commands lane. */
  readonly commands?: number;
  /** A download whose client has not read for this long lets go of the bucket server until it reads again. */
  readonly stallMs?: number;
}

const CLIENT_WAITING = 64;
const WAIT_MS = 30_000;
const COMMAND_CONNECTIONS = 16;

/** A transfer admitted for one request: the transfer lane's pool, with the request's client-gone signal on every call. */
export interface Transfer {
  use<T>(work: (connection: PailConnection) => Promise<T>): Promise<T>;
  download(bucket: string, name: string, options?: DownloadOptions): Promise<Download>;
  streamListing(bucket: string, options: ListingOptions): Promise<ListingStream>;
}

/**
 * The gateway's two lanes to the bucket server, so transfers, however slow,
 * never make a listing or a bucket operation wait:
 *
 * - commands: a small pool for short exchanges whose replies the gateway
 *   reads whole at once (ls_b, create_b, delete_b, delete_f, the stat
 *   that learns a file's size and ETag). No HTTP client can hold
 *   one of its connections.
 * - transfers: a connection each for the exchanges an HTTP client paces
 *   (download bodies, uploads, streamed listings), admitted per client
 *   address (at most `clientTransfers` at once, the rest in that address's
 *   own queue), up to `transfers` for all clients together.
 *
 * A request whose client goes away is forgotten wherever it is: waiting for
 * its address's turn or for a connection, it leaves the queue and never
 * starts; mid-transfer, its connection is destroyed at once.
 */
export class Lanes {
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

  /** Runs a short exchange on the commands lane; never started if the request's client has gone. */
  command<T>(reply: FastifyReply, work: (connection: PailConnection) => Promise<T>): Promise<T> {
    return this.commands.use(work, clientGone(reply));
  }

  /**
   * Waits for the request's address to have a transfer free, then lends the
   * transfer lane for this request. The turn is given back when the response
   * closes (sent, failed or cut).
   */
  async transfer(request: FastifyRequest, reply: FastifyReply): Promise<Transfer> {
    const signal = clientGone(reply);
    let giveBack: () => void;
    try {
      giveBack = await this.slots.take(request.ip, signal);
    } catch (err) {
      if (err instanceof NoSlot) throw refusal(request.routeOptions.config.command, Reason.tooManyRequests, err.message);
      throw err;
    }
    if (reply.raw.writableFinished || signal.aborted) giveBack();
    else reply.raw.once('close', giveBack);
    const pool = this.transfers;
    return {
      use: (work) => pool.use(work, signal),
      download: (bucket, name, options) => pool.download(bucket, name, options, signal),
      streamListing: (bucket, options) => pool.streamListing(bucket, options, signal),
    };
  }

  async close(): Promise<void> {
    await Promise.all([this.commands.close(), this.transfers.close()]);
  }
}

const gone = new WeakMap<FastifyReply, AbortSignal>();

/**
 * Aborts when the response's connection closes before the response was
 * sent whole: the HTTP client went away.
 */
export function clientGone(reply: FastifyReply): AbortSignal {
  let signal = gone.get(reply);
  if (signal) return signal;
  const controller = new AbortController();
  signal = controller.signal;
  gone.set(reply, signal);
  const response = reply.raw;
  const left = () => controller.abort(refusal(reply.request.routeOptions.config.command, Reason.notNow, 'the client went away'));
  if (response.destroyed && !response.writableFinished) left();
  else response.once('close', () => !response.writableFinished && left());
  return signal;
}
