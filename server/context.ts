import type { Logger } from 'pino';
import type { Storage } from './storage/storage.ts';
import type { Authenticator } from '../shared/access/authenticator.ts';
import type { AttemptLimiter } from '../shared/access/attempts.ts';
import type { SlabPool } from './session/slab-pool.ts';

/** The limits a bucket server enforces; see shared/config/settings.ts for their defaults. */
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
  /** How long a body may start slowly before its average rate is held to the minimum (BODY_GRACE_MS unless set). */
  readonly bodyGraceMs?: number;
  /** Wrong tokens one client address may present per minute before even the right one is refused (10 unless set). */
  readonly loginLimit?: number;
}

/** What every session shares: storage, limits, the token check with its attempt limiter, and the log. */
export interface ServerContext {
  readonly storage: Storage;
  readonly limits: Limits;
  readonly auth: Authenticator | undefined;
  /** Wrong tokens per client address, when a token is required. */
  readonly attempts: AttemptLimiter | undefined;
  /** The read slabs every download of this server shares, under one budget. */
  readonly slabs: SlabPool;
  readonly log: Logger;
}
