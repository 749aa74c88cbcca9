import type { ListingOptions } from '../shared/protocol/request.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Download, DownloadOptions, ListingStream, PailConnection } from '../shared/client/connection.ts';
import { Reason } from '../shared/protocol/reasons.ts';
import { BucketServerLanes, whenClientGone } from '../shared/http/lanes.ts';
import { refusal } from './errors.ts';

export type { LaneOptions } from '../shared/http/lanes.ts';

/** A transfer admitted for one request: the transfer lane's pool, with the request's client-gone signal on every call. */
export interface Transfer {
  use<T>(work: (connection: PailConnection) => Promise<T>): Promise<T>;
  download(bucket: string, name: string, options?: DownloadOptions): Promise<Download>;
  streamListing(bucket: string, options: ListingOptions): Promise<ListingStream>;
}

/**
 * The gateway's two lanes to the bucket server (shared/http/lanes.ts), spoken
 * in Fastify's terms: a refused transfer answers 429, and mid-transfer a
 * request whose client went away has its connection destroyed at once.
 */
export class Lanes extends BucketServerLanes {
  /** Runs a short exchange on the commands lane; never started if the request's client has gone. */
  command<T>(reply: FastifyReply, work: (connection: PailConnection) => Promise<T>): Promise<T> {
    return this.commands.use(work, clientGone(reply));
  }

  /**
   * Waits for the request's address to have a transfer free, then lends the
   * transfer lane for this request, every call bound to the client-gone signal.
   */
  async transfer(request: FastifyRequest, reply: FastifyReply): Promise<Transfer> {
    const signal = clientGone(reply);
    await this.admit(request.ip, reply.raw, signal, (message) => refusal(request.routeOptions.config.command, Reason.tooManyRequests, message));
    const pool = this.transfers;
    return {
      use: (work) => pool.use(work, signal),
      download: (bucket, name, options) => pool.download(bucket, name, options, signal),
      streamListing: (bucket, options) => pool.streamListing(bucket, options, signal),
    };
  }
}

const gone = new WeakMap<FastifyReply, AbortSignal>();

/** The request's client-gone signal (one per reply, however many exchanges ask for it). */
export function clientGone(reply: FastifyReply): AbortSignal {
  let signal = gone.get(reply);
  if (signal) return signal;
  signal = whenClientGone(reply.raw, () => refusal(reply.request.routeOptions.config.command, Reason.notNow, 'the client went away'));
  gone.set(reply, signal);
  return signal;
}
