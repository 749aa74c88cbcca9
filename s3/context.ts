import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { S3Address } from './address.ts';
import type { S3Lanes } from './lanes.ts';
import type { S3Auth, Verified } from './request-auth.ts';

/** What the listener knows of itself, for the operations. */
export interface S3Setup {
  readonly lanes: S3Lanes;
  readonly auth: S3Auth;
  /** The region GetBucketLocation answers. */
  readonly region: string;
  /** The bucket server's largest file: a PutObject beyond it is EntityTooLarge before any byte is sent. */
  readonly maxFileSize: number;
  readonly log: Logger;
  /** How often a multipart completion still running sends a space to keep its connection. */
  readonly completionKeepAliveMs: number;
}

/** One request being served: what it names, who signed it, and where to answer. */
export interface S3Context {
  readonly setup: S3Setup;
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly address: S3Address;
  readonly verified: Verified;
  /** Aborts when the client goes away. */
  readonly signal: AbortSignal;
  readonly requestId: string;
}

/** A request naming a bucket. */
export type BucketContext = S3Context & { readonly bucket: string };
/** A request naming an object. */
export type ObjectContext = BucketContext & { readonly key: string };
