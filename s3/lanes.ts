import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConnectOptions, PailConnection } from '../shared/client/connection.ts';
import { PailPool } from '../shared/client/pool.ts';
import { BucketServerLanes, whenClientGone, type LaneOptions } from '../shared/http/lanes.ts';
import { S3Error } from './errors.ts';

export type S3LaneOptions = LaneOptions;

/**
 * The listener's two lanes to the bucket server, as the gateway's
 * (shared/http/lanes.ts): a refused transfer answers SlowDown; and a third
 * pool for CopyObject.
 */
export class S3Lanes extends BucketServerLanes {
  /**
   * The upload side of CopyObject, whose download side is a transfer: a pool
   * of its own, so copies each holding a transfer can never all wait for a
   * second one.
   */
  readonly copies: PailPool;

  constructor(bucketServer: ConnectOptions, options: S3LaneOptions) {
    super(bucketServer, options);
    this.copies = new PailPool({ ...bucketServer, max: Math.max(1, Math.ceil(options.transfers / 2)) });
  }

  command<T>(signal: AbortSignal, work: (connection: PailConnection) => Promise<T>): Promise<T> {
    return this.commands.use(work, signal);
  }

  /** Waits for the client address's turn; the turn is given back when the response closes. Then lends the transfer pool. */
  async transfer(request: IncomingMessage, response: ServerResponse, signal: AbortSignal): Promise<PailPool> {
    await this.admit(request.socket.remoteAddress ?? '', response, signal, (message) => new S3Error('SlowDown', message));
    return this.transfers;
  }

  override async close(): Promise<void> {
    await Promise.all([super.close(), this.copies.close()]);
  }
}

/** Aborts when the response's connection closes before the response was sent whole: the client went away. */
export function clientGone(response: ServerResponse): AbortSignal {
  return whenClientGone(response, () => new S3Error('RequestTimeout', 'the client went away'));
}
