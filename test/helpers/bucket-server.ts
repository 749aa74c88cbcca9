import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { BucketServer } from '../../server/bucket-server.ts';
import { DEFAULTS } from '../../shared/config/settings.ts';
import type { Limits } from '../../server/context.ts';
import { FsStorage } from '../../server/storage/fs-storage.ts';
import type { Storage } from '../../server/storage/storage.ts';
import { onEngine, releaseStore, storeFor } from './test-store.ts';

export interface TestServer {
  readonly server: BucketServer;
  readonly port: number;
  readonly data: string;
  /** Closes the server and removes its data folder. */
  close(): Promise<void>;
}

/**
 * A real bucket server on an ephemeral loopback port over a fresh temporary data folder; with
 * PAIL_TEST_STORE set, over the S3 engine instead, with a prefix of this folder's own (test-store.ts),
 * whose engine buckets go when the folder does.
 */
export async function startTestServer(
  options: {
    limits?: Partial<Limits>;
    token?: string;
    readToken?: string;
    data?: string;
    shutdownGraceMs?: number;
    quota?: number;
    uploadTtlMs?: number;
    /** Where the server and its storage log; silent when absent. */
    log?: Logger;
  } = {},
): Promise<TestServer> {
  const data = options.data ?? (await mkdtemp(join(tmpdir(), 'pail-test-')));
  const limits: Limits = {
    maxFileSize: DEFAULTS.maxFileSize,
    maxLine: DEFAULTS.maxLine,
    maxChunk: DEFAULTS.maxChunk,
    maxConnections: DEFAULTS.maxConnections,
    idleTimeoutMs: DEFAULTS.idleTimeoutMs,
    lineTimeoutMs: DEFAULTS.lineTimeoutMs,
    minBodyRate: DEFAULTS.minBodyRate,
    ...options.limits,
  };
  const log = options.log ?? pino({ level: 'silent' });
  const storageOptions = { maxFileSize: limits.maxFileSize, quota: options.quota, uploadTtlMs: options.uploadTtlMs ?? DEFAULTS.uploadTtlMs, log };
  const storage: Storage = onEngine
    ? await (await import('../../server/storage/s3/s3-storage.ts')).S3Storage.open(storeFor(data), storageOptions)
    : await FsStorage.open(data, { ...storageOptions, uploadTtlMs: options.uploadTtlMs });
  const server = new BucketServer({
    storage,
    limits,
    log,
    token: options.token,
    readToken: options.readToken,
    shutdownGraceMs: options.shutdownGraceMs ?? 2_000,
  });
  const { port } = await server.listen(0, '127.0.0.1');
  return {
    server,
    port,
    data,
    async close() {
      await server.close();
      if (!options.data) {
        await rm(data, { recursive: true, force: true });
        await releaseStore(data);
      }
    },
  };
}
