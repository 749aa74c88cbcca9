import type { Logger } from 'pino';
import type { Storage } from './storage/storage.ts';
import type { Authenticator } from '../shared/access/authenticator.ts';

/** The limits a bucket server enforces; see server/config.ts for their defaults. */
export interface Limits {
  readonly maxFileSize: number;
  readonly maxLine: number;
  readonly maxChunk: number;
  readonly maxConnections: number;
  readonly idleTimeoutMs: number;
  /** A command line must be complete this long after its first byte. */
  readonly lineTimeoutMs: number;
  /** A body must arrive at least this fast on average, after a grace period (bytes per second). */
  readonly minBodyRate: number;
  /** How long a body may start slowly before its average rate is held to the minimum (10 s unless set). */
  readonly bodyGraceMs?: number;
}

/** What every session shares: storage, limits, the token check and the log. */
export interface ServerContext {
  readonly storage: Storage;
  readonly limits: Limits;
  readonly auth: Authenticator | undefined;
  readonly log: Logger;
}
