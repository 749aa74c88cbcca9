import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { StoreUrl } from '../../../shared/config/store-url.ts';
import { Reason } from '../../../shared/protocol/reasons.ts';
import { StorageError } from '../storage.ts';
import { SILENT_LOG, type StorageLog } from '../storage-log.ts';

/** Sockets kept open to the engine: uploads and downloads stream in parallel, each holding one while it runs. */
const MAX_SOCKETS = 256;

/**
 * What any client needs to speak to the engine at all: where it is, the key
 * pair, path-style addressing (engine bucket names need no DNS), and
 * checksums only where S3 requires them (RGW 16.2 refuses the SDK's default
 * aws-chunked bodies with a CRC trailer). The benchmark's direct client
 * (bench/s3-direct.ts) takes this and nothing else.
 */
export function engineAddress(store: StoreUrl): S3ClientConfig {
  return {
    endpoint: store.endpoint,
    region: store.region,
    credentials: { accessKeyId: store.accessKeyId, secretAccessKey: store.secretAccessKey },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

/**
 * The s3 backend's client of the engine: engineAddress, keep-alive sockets,
 * bounded retries, and the client's remarks in the storage log. `destroy()`
 * releases the sockets.
 */
export function engineClient(store: StoreUrl, log: StorageLog = SILENT_LOG, timeouts: EngineTimeouts = DEFAULT_TIMEOUTS): S3Client {
  const agentOptions = { keepAlive: true, maxSockets: MAX_SOCKETS, maxFreeSockets: 32 };
  const client = new S3Client({
    ...engineAddress(store),
    maxAttempts: 3,
    // The client's own warnings go to the storage log, not the console. It reports every failed command as an error,
    // the expected ones too (a HEAD of a missing key, a conditional PUT that loses): those are Pail's to judge, and it
    // logs the failures that matter where it handles them, so the client's own reports are left out.
    logger: { trace: () => {}, debug: () => {}, info: () => {}, warn: (...args: unknown[]) => log.warn({ engine: args.map(describeArg).join(' ') }, 'S3 client warning'), error: () => {} },
    requestHandler: {
      // An http endpoint gets a plain agent: AWS_CA_BUNDLE on the machine then changes nothing.
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
      connectionTimeout: timeouts.connectMs,
      // A frozen engine (a process stopped, a network gone quiet) is given up on: no byte either way for this long.
      socketTimeout: timeouts.silentMs,
    },
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        throw outage(err) ?? err;
      }
    },
    // The outermost step: what the retries could not get past.
    { step: 'initialize', name: 'pailEngineOutage' },
  );
  return client;
}

export interface EngineTimeouts {
  /** The longest a connection to the engine may take to open. */
  readonly connectMs: number;
  /**
   * The longest a request may pass without a byte either way. Set to the bucket server's idle timeout: a body
   * whose client pauses (within what the server allows) pauses its engine request too, and must not fail for it.
   */
  readonly silentMs: number;
}

export const DEFAULT_TIMEOUTS: EngineTimeouts = { connectMs: 10_000, silentMs: 5 * 60_000 };

/** Failures that mean the engine is not there or not answering, as errors of the network or of the engine's front. */
const OUTAGE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const OUTAGE_STATUSES = new Set([502, 503, 504]);

/**
 * An engine failure as `storage-unavailable` when it means the engine is
 * down, unreachable or silent (a client can try again later), else
 * undefined: what the engine refused on purpose keeps its own meaning.
 */
export function outage(err: unknown): StorageError | undefined {
  if (err instanceof StorageError) return undefined;
  const e = err as { code?: string; name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const silent = e.name === 'TimeoutError' || e.name === 'RequestTimeout';
  if (!silent && !OUTAGE_CODES.has(e.code ?? '') && !OUTAGE_STATUSES.has(e.$metadata?.httpStatusCode ?? 0)) return undefined;
  return new StorageError(Reason.storageUnavailable, `the storage engine is unavailable: ${e.code ?? e.name ?? 'error'}${e.message ? ` (${e.message})` : ''}`, { cause: err });
}

/** A logger argument as text: the client passes objects as well as strings. */
function describeArg(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  try {
    return JSON.stringify(arg);
  } catch {
    return String(arg);
  }
}
