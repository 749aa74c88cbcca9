import type { Logger } from 'pino';
import type { Storage } from './storage/storage.ts';
import type { Authenticator } from './auth.ts';

/** The limits a bucket server enforces; see server/config.ts for their defaults. */
export interface Limits {
  readonly maxFileSize: number;
  readonly maxLine: number;
  readonly maxChunk: number;
  readonly maxConnections: number;
  readonly idleTimeoutMs: number;
}

/** What every session shares: storage, limits, the token check and the log. */
export interface ServerContext {
  readonly storage: Storage;
  readonly limits: Limits;
  readonly auth: Authenticator | undefined;
  readonly log: Logger;
}
