import { watch, type FSWatcher } from 'node:fs';
import type { FileInfo } from '../../shared/protocol/types.ts';


/**
 * Listings served from memory. A bucket's file list is scanned from disk once
 * and kept until something changes it: Pail's own writes invalidate it before
 * they are acknowledged (so a listing never misses an acknowledged upload),
 * and an inotify watch on the bucket's folder invalidates it when an operator
 * changes files behind Pail's back. The same holds for the list of buckets.
 *
 * A scan that raced with an invalidation is used for its own caller but not
 * kept, so the cache never holds a listing older than the last change.
 */
export interface BucketListing {
  readonly created: string;
  readonly files: readonly FileInfo[];
  /** The files' sizes added up. */
  readonly bytes: number;
}

export interface ListingSource {
  bucketNames(): Promise<string[]>;
  scanBucket(bucket: string): Promise<BucketListing>;
}

interface Entry<T> {
  generation: number;
  value?: T;
  pending?: Promise<T>;
}

/** Beyond this many watched buckets, further buckets are scanned on every listing instead. */
const MAX_WATCHED = 4096;

export class ListingCache {
  readonly #buckets: Entry<string[]> = { generation: 0 };
  readonly #files = new Map<string, Entry<BucketListing>>();
  readonly #watchers = new Map<string, FSWatcher>();
  #rootWatcher: FSWatcher | undefined;

  constructor(
    readonly root: string,
    readonly source: ListingSource,
  ) {
    this.#watchRoot();
  }

  bucketNames(): Promise<string[]> {
    // A root that could not be watched yet (it did not exist) is watched as soon as it can be.
    if (!this.#rootWatcher) this.#watchRoot();
    return this.#read(this.#buckets, () => this.source.bucketNames(), this.#rootWatcher !== undefined);
  }

  #watchRoot(): void {
    this.#rootWatcher = this.#watch(
      this.root,
      () => this.invalidateBuckets(),
      () => {
        this.#rootWatcher = undefined;
        this.invalidateBuckets();
      },
    );
  }

  bucket(bucket: string): Promise<BucketListing> {
    let entry = this.#files.get(bucket);
    if (!entry) {
      entry = { generation: 0 };
      if (this.#watchers.size < MAX_WATCHED) {
        const watcher = this.#watch(
          `${this.root}/${bucket}`,
          () => this.invalidate(bucket),
          () => this.drop(bucket),
        );
        if (watcher) {
          this.#watchers.set(bucket, watcher);
          this.#files.set(bucket, entry);
        }
      }
    }
    return this.#read(entry, () => this.source.scanBucket(bucket), this.#files.get(bucket) === entry);
  }

  /** The bucket names if they are cached, without waiting: listings served from memory make no promises. */
  peekBucketNames(): string[] | undefined {
    return this.#buckets.value;
  }

  /** A bucket's listing if it is cached. */
  peek(bucket: string): BucketListing | undefined {
    return this.#files.get(bucket)?.value;
  }

  /** Forgets a bucket's listing; the next one is read from disk. */
  invalidate(bucket: string): void {
    const entry = this.#files.get(bucket);
    if (!entry) return;
    entry.generation++;
    entry.value = undefined;
    entry.pending = undefined;
  }

  invalidateBuckets(): void {
    this.#buckets.generation++;
    this.#buckets.value = undefined;
    this.#buckets.pending = undefined;
  }

  /** Stops caching a bucket that no longer exists. */
  drop(bucket: string): void {
    this.#watchers.get(bucket)?.close();
    this.#watchers.delete(bucket);
    this.#files.delete(bucket);
    this.invalidateBuckets();
  }

  close(): void {
    this.#rootWatcher?.close();
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
    this.#files.clear();
  }

  async #read<T>(entry: Entry<T>, scan: () => Promise<T>, cacheable: boolean): Promise<T> {
    if (!cacheable) return scan();
    if (entry.value !== undefined) return entry.value;
    if (entry.pending) return entry.pending;
    const generation = entry.generation;
    const pending = scan();
    entry.pending = pending;
    try {
      const value = await pending;
      if (entry.generation === generation) entry.value = value;
      return value;
    } finally {
      if (entry.pending === pending) entry.pending = undefined;
    }
  }

  #watch(path: string, onChange: () => void, onError: () => void): FSWatcher | undefined {
    try {
      const watcher = watch(path, { persistent: false }, onChange);
      // A folder that vanished or cannot be watched any more is no longer cached.
      watcher.on('error', () => {
        watcher.close();
        onError();
      });
      return watcher;
    } catch {
      return undefined;
    }
  }
}
