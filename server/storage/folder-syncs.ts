import { syncDir } from './durable.ts';

/**
 * Group commit of directory entries: an fsync of a folder makes durable
 * every entry made in it before the fsync began, so uploads (and deletes)
 * finishing together into one folder share one. Each caller is answered
 * only once a sync that began after its call has completed: a sync already
 * running may have begun before the caller's entry was made, so callers
 * arriving meanwhile wait for the next one, which they all share. At most
 * one sync of a folder runs at a time, and at most one more waits.
 */
export class FolderSyncs {
  readonly #folders = new Map<string, { running: Promise<void>; next?: Promise<void> }>();
  /** Syncs asked for and syncs made, so a test or the benchmark can see them shared. */
  readonly counts = { asked: 0, made: 0 };

  /** Resolves once every entry made in `dir` before this call is durable. */
  sync(dir: string): Promise<void> {
    this.counts.asked++;
    const state = this.#folders.get(dir);
    if (!state) return this.#start(dir);
    state.next ??= state.running.catch(() => {}).then(() => this.#start(dir));
    return state.next;
  }

  #start(dir: string): Promise<void> {
    this.counts.made++;
    const running = syncDir(dir);
    this.#folders.set(dir, { running });
    const forget = () => {
      const state = this.#folders.get(dir);
      if (state?.running === running && !state.next) this.#folders.delete(dir);
    };
    running.then(forget, forget);
    return running;
  }
}
