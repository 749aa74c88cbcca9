import { Readable } from 'node:stream';
import { cuttingProxy } from '../test/helpers/cutting-proxy.ts';
import { tusUpload } from '../test/helpers/tus-upload.ts';
import { MiB, seconds } from './stats.ts';
import type { Payload, Transfer } from './transfer.ts';

/** An upload of this size is given up on after this long: far beyond any honest run on loopback. */
const TIMEOUT_MS = 15 * 60_000;

/** tus chunks for a payload: 32 parts, from 1 MiB to 32 MiB (32 MiB for 1 GiB). */
export function tusChunkSize(size: number): number {
  return Math.min(32 * MiB, Math.max(MiB, Math.floor(size / 32 / MiB) * MiB));
}

/** A tus upload through the gateway with tus-js-client, as a transfer: a byte stream (not one of objects, which tus-js-client would send one object a PATCH), so each PATCH is a whole chunk and memory stays one chunk. */
export async function tusTransfer(endpoint: string, body: Payload, name: string, chunkSize: number): Promise<Transfer & { retries: number }> {
  const started = process.hrtime.bigint();
  const run = await tusUpload(Readable.from(body.chunks(), { objectMode: false }), {
    endpoint,
    bucket: 'bench',
    key: name,
    overwrite: true,
    size: body.size,
    chunkSize,
    timeoutMs: TIMEOUT_MS,
  });
  return { seconds: seconds(started), bytes: body.size, sha256: run.digest ?? undefined, retries: run.retries };
}

export interface CutUpload extends Transfer {
  readonly cuts: number;
  readonly retries: number;
  /** Bytes sent towards the gateway beyond the payload's size: what the cuts cost (and every request's headers). */
  readonly sentAgain: number;
  /** Responses by `METHOD STATUS`. */
  readonly responses: Record<string, number>;
  /** PATCHes refused 409 (a retry that came before the bucket server saw the cut connection go): each may cost a chunk too. */
  readonly conflicts: number;
  /** Uploads created (POST): 1 when every cut was resumed. */
  readonly creations: number;
}

/**
 * The same tus upload through a loopback proxy that cuts its connection
 * `cuts` times, each in the middle of a chunk spread over the upload.
 */
export async function tusCutUpload(gatewayPort: number, body: Payload, name: string, chunkSize: number, cuts = 3): Promise<CutUpload> {
  const cutAt = Array.from({ length: cuts }, (_, i) => Math.round(((i + 1) * body.size) / (cuts + 1) + chunkSize / 2));
  const proxy = await cuttingProxy(gatewayPort, cutAt);
  try {
    const started = process.hrtime.bigint();
    const run = await tusUpload(Readable.from(body.chunks(), { objectMode: false }), {
      endpoint: `${proxy.base}/api/uploads`,
      bucket: 'bench',
      key: name,
      overwrite: true,
      size: body.size,
      chunkSize,
      timeoutMs: TIMEOUT_MS,
    });
    return {
      seconds: seconds(started),
      bytes: body.size,
      sha256: run.digest ?? undefined,
      cuts: proxy.cuts,
      retries: run.retries,
      sentAgain: proxy.upstreamBytes - body.size,
      creations: run.requests.POST ?? 0,
      responses: run.responses,
      conflicts: run.responses['PATCH 409'] ?? 0,
    };
  } finally {
    await proxy.close();
  }
}
