import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'vitest';
import { FsStorage } from '../../server/storage/fs-storage.ts';
import type { Storage } from '../../server/storage/storage.ts';

/**
 * The storage contract suite's backends: one list of promises (the tests in
 * this folder), run on each implementation of Storage. `fs` always (a fresh
 * temporary folder per storage opened); `s3` when PAIL_TEST_STORE holds an
 * S3 engine's store URL (scripts/test-on-ceph.sh brings up a Ceph and sets
 * it), each storage opened under an engine bucket prefix of its own, and
 * every engine bucket under that prefix deleted after the test.
 */
export type BackendName = 'fs' | 's3';

/** What a test may set; the rest are the suite's defaults. */
export interface OpenOptions {
  readonly maxFileSize?: number;
  readonly quota?: number;
  readonly uploadTtlMs?: number;
}

export interface Backend {
  readonly name: BackendName;
  /** A storage over a fresh, empty place of its own, closed and removed after the test. */
  open(options?: OpenOptions): Promise<Storage>;
}

/** The options both backends' open take (S3StorageOptions in server/storage/s3/s3-storage.ts). */
interface StoreOptions {
  readonly maxFileSize: number;
  readonly quota?: number;
  readonly uploadTtlMs: number;
}

/** The seam with the s3 backend, typed here so this file compiles before (and without) it. */
interface S3StorageModule {
  readonly S3Storage: { open(url: string, options: StoreOptions): Promise<Storage> };
}

const S3_BACKEND = new URL('../../server/storage/s3/s3-storage.ts', import.meta.url).href;

const DEFAULTS: StoreOptions = { maxFileSize: 64 << 20, uploadTtlMs: 3600_000 };

/** The backends this run covers: fs, and s3 when PAIL_TEST_STORE is set. */
export const BACKENDS: readonly BackendName[] = process.env.PAIL_TEST_STORE ? ['fs', 's3'] : ['fs'];

/**
 * Declares the tests `define` writes once per backend, in a describe named
 * after it; each test's storages are closed and their data removed after it.
 */
export function forEachBackend(define: (backend: Backend) => void): void {
  for (const name of BACKENDS) {
    describe(`on ${name}`, () => {
      const opened: { storage: Storage; remove: () => Promise<void> }[] = [];
      afterEach(async () => {
        for (const { storage, remove } of opened.splice(0).reverse()) {
          await storage.close();
          await remove();
        }
      });
      define({
        name,
        async open(options = {}) {
          const made = name === 'fs' ? await openFs({ ...DEFAULTS, ...options }) : await openS3({ ...DEFAULTS, ...options });
          opened.push(made);
          return made.storage;
        },
      });
    });
  }
}

/**
 * A test of a promise only some backends keep, declared on the others as a
 * skipped test whose name says why: every backend's report shows it.
 */
export function itOnlyOn(backend: Backend, names: readonly BackendName[], why: string, title: string, test: () => Promise<void>): void {
  if (names.includes(backend.name)) it(title, test);
  else it.skip(`${title} (only on ${names.join(', ')}: ${why})`, test);
}

async function openFs(options: StoreOptions): Promise<{ storage: Storage; remove: () => Promise<void> }> {
  const folder = await mkdtemp(join(tmpdir(), 'pail-contract-'));
  const storage = await FsStorage.open(folder, options);
  return { storage, remove: () => rm(folder, { recursive: true, force: true }) };
}

async function openS3(options: StoreOptions): Promise<{ storage: Storage; remove: () => Promise<void> }> {
  // Loaded here, as the backend is: a run on fs alone never loads the AWS SDK.
  const { removePrefix, storeUrlWithOwnPrefix } = await import('../s3-store/engine.ts');
  const url = storeUrlWithOwnPrefix();
  const { S3Storage } = (await import(S3_BACKEND).catch((err: unknown) => {
    throw new Error(`PAIL_TEST_STORE is set, but the s3 backend cannot be loaded from ${S3_BACKEND}`, { cause: err });
  })) as S3StorageModule;
  const remove = () => removePrefix(url);
  try {
    return { storage: await S3Storage.open(url, options), remove };
  } catch (err) {
    await remove();
    throw err;
  }
}
