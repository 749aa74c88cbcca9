import { rm, rmdir, stat } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import type { PailPool } from '../../shared/client/pool.ts';
import type { PailConnection, Uploaded } from '../../shared/client/connection.ts';
import { keyProblem } from '../../shared/protocol/names.ts';
import { fileFailure, InterruptedError, LocalFileError, type FailureReport } from '../errors.ts';
import { cannotRead, openForReading } from '../local-file.ts';
import { receiveFile } from '../receive.ts';
import { PART_SIZE, uploadInSession } from '../resume/session-upload.ts';
import type { BucketTree, LocalEntry, RemoteEntry } from './entries.ts';
import { localPathOf, makeFoldersFor } from './local-paths.ts';

/*
 * One entry's transfer or deletion, on a connection of the pool. Each
 * resolves to the entry's outcome; a refusal or a local file that cannot be
 * used is that entry's failure (returned), while an unreachable server or
 * Ctrl-C stops the whole job (thrown), as `put` of several files does.
 */

export interface StepOptions {
  readonly signal: AbortSignal;
  readonly onBytes?: (done: number) => void;
}

export type Outcome<T> = { readonly ok: true; readonly result: T } | { readonly ok: false; readonly error: FailureReport };

async function outcome<T>(signal: AbortSignal, step: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, result: await step() };
  } catch (err) {
    if (signal.aborted) throw new InterruptedError();
    const error = fileFailure(err);
    if (!error) throw err;
    return { ok: false, error };
  }
}

/**
 * Work on a connection of the pool that Ctrl-C cuts at once, so whatever
 * waits on it fails now: a body stalled mid-way would otherwise be waited
 * for, since destroying a download's body does not end a read already
 * waiting on the socket.
 */
function onConnection<T>(pool: PailPool, signal: AbortSignal, work: (connection: PailConnection) => Promise<T>): Promise<T> {
  return pool.use(async (connection) => {
    const cut = () => connection.destroy();
    signal.addEventListener('abort', cut, { once: true });
    try {
      return await work(connection);
    } finally {
      signal.removeEventListener('abort', cut);
    }
  }, signal);
}

/** How a large file goes through a resumable upload session (put -r; see resume/session-upload.ts). */
export interface SessionChoice {
  /** host:port of the bucket server, by which the session is remembered. */
  readonly server: string;
  /** --no-resume */
  readonly fresh: boolean;
  readonly say: (line: string) => void;
}

/**
 * Uploads a local file (its bytes streamed) or an empty folder (an explicit
 * folder key) to `prefix + key`; with `session`, a file over PART_SIZE goes
 * through a resumable upload session.
 */
export function uploadEntry(
  pool: PailPool,
  { bucket, prefix }: BucketTree,
  entry: LocalEntry,
  options: StepOptions & { readonly overwrite: boolean; readonly sha256?: string; readonly session?: SessionChoice },
): Promise<Outcome<Uploaded>> {
  const key = prefix + entry.key;
  return outcome(options.signal, async () => {
    const problem = keyProblem(key);
    if (problem) throw new LocalFileError(`${entry.path} cannot be stored as ${JSON.stringify(key)}: ${problem}`);
    if (entry.kind === 'folder') return onConnection(pool, options.signal, (c) => c.upload(bucket, key, Buffer.alloc(0), { size: 0, overwrite: options.overwrite }));
    const { session } = options;
    if (session && entry.size > PART_SIZE) {
      const info = await stat(entry.path).catch((err: unknown) => {
        throw cannotRead(entry.path, err);
      });
      const file = { server: session.server, bucket, key, path: resolve(entry.path), size: info.size, mtimeMs: info.mtimeMs };
      const sent = await uploadInSession((work) => onConnection(pool, options.signal, work), file, {
        overwrite: options.overwrite,
        sha256: options.sha256,
        fresh: session.fresh,
        signal: options.signal,
        onBytes: options.onBytes,
        say: session.say,
      });
      return { size: sent.size, sha256: sent.sha256, modified: sent.modified };
    }
    const body = await openForReading(entry.path);
    const stop = () => body.destroy(new InterruptedError());
    options.signal.addEventListener('abort', stop, { once: true });
    try {
      return await onConnection(pool, options.signal, (c) =>
        c.upload(bucket, key, body, { size: entry.size, overwrite: options.overwrite, sha256: options.sha256, onProgress: options.onBytes }),
      );
    } finally {
      options.signal.removeEventListener('abort', stop);
      body.destroy();
    }
  });
}

export interface Downloaded {
  readonly target: string;
  readonly size: number;
  readonly sha256: string;
  readonly modified: string;
}

/**
 * Downloads a key into the local root at its key's path (relative to the
 * prefix), checking its SHA-256, never outside the root; a folder key makes
 * the folder.
 */
export function downloadEntry(pool: PailPool, { bucket }: BucketTree, root: string, entry: RemoteEntry, options: StepOptions): Promise<Outcome<Downloaded>> {
  return outcome(options.signal, async () => {
    const target = localPathOf(root, entry.key);
    await makeFoldersFor(root, entry.key);
    if (entry.kind === 'folder') return { target, size: 0, sha256: entry.sha256 ?? '', modified: '' };
    const { info } = await onConnection(pool, options.signal, async (c) => {
      const download = await c.download(bucket, entry.fullKey);
      await receiveFile(download, target, { signal: options.signal, onBytes: options.onBytes });
      return download;
    });
    return { target, size: info.length, sha256: info.sha256, modified: info.modified };
  });
}

export function deleteRemote(pool: PailPool, { bucket }: BucketTree, entry: RemoteEntry, signal: AbortSignal): Promise<Outcome<void>> {
  return outcome(signal, () => onConnection(pool, signal, (c) => c.deleteFile(bucket, entry.fullKey)));
}

/** Removes a local file, or an empty folder. */
export function deleteLocal(entry: LocalEntry, signal: AbortSignal): Promise<Outcome<void>> {
  return outcome(signal, async () => {
    const removal = entry.kind === 'folder' ? rmdir(entry.path) : rm(entry.path);
    await removal.catch((err: NodeJS.ErrnoException) => {
      throw new LocalFileError(`cannot delete ${entry.path}: ${err.code ?? err.message}`, { cause: err });
    });
  });
}

/**
 * Removes the folders that deletes left empty, deepest first, below the
 * root (never the root), as a bucket drops a folder once its last key goes;
 * a folder that still holds anything stays.
 */
export async function pruneEmptyFolders(root: string, deleted: readonly LocalEntry[]): Promise<void> {
  const folders = new Set<string>();
  for (const entry of deleted) {
    for (let folder = dirname(entry.path); isBelow(root, folder); folder = dirname(folder)) folders.add(folder);
  }
  const deepestFirst = [...folders].sort((a, b) => b.split(sep).length - a.split(sep).length);
  for (const folder of deepestFirst) await rmdir(folder).catch(() => {});
}

function isBelow(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep);
}
