import { watch, type FSWatcher } from 'node:fs';

/**
 * The names of the buckets, served from memory. Scanned from disk once and
 * kept until something changes the data folder's top: Pail's own bucket
 * commands invalidate it before they answer, and an inotify watch on the
 * data folder invalidates it when an operator adds or removes a bucket
 * folder. A scan that raced with an invalidation serves its caller but is
 * not kept, so the cache never holds names older than the last change.
 */
export class BucketNames {
  #generation = 0;
  #value: string[] | undefined;
  #pending: Promise<string[]> | undefined;
  #watcher: FSWatcher | undefined;

  constructor(
    readonly root: string,
    readonly scan: () => Promise<string[]>,
  ) {
    this.#watchRoot();
  }

  /** The names if they are cached, without waiting. */
  peek(): string[] | undefined {
    return this.#value;
  }

  async get(): Promise<string[]> {
    // A root that could not be watched yet (it did not exist) is watched as soon as it can be.
    if (!this.#watcher) this.#watchRoot();
    if (!this.#watcher) return this.scan();
    if (this.#value) return this.#value;
    if (this.#pending) return this.#pending;
    const generation = this.#generation;
    const pending = this.scan();
    this.#pending = pending;
    try {
      const value = await pending;
      if (this.#generation === generation) this.#value = value;
      return value;
    } finally {
      if (this.#pending === pending) this.#pending = undefined;
    }
  }

  invalidate(): void {
    this.#generation++;
    this.#value = undefined;
    this.#pending = undefined;
  }

  close(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  #watchRoot(): void {
    try {
      const watcher = watch(this.root, { persistent: false }, () => this.invalidate());
      // A root that vanished or cannot be watched any more is no longer cached.
      watcher.on('error', () => {
        watcher.close();
        this.#watcher = undefined;
        this.invalidate();
      });
      this.#watcher = watcher;
    } catch {
      this.#watcher = undefined;
    }
  }
}
