/** setTimeout's longest delay; a login ending later is waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The WebSockets this gateway holds open for each login, by the login's id,
 * so they close when it expires or when it is logged out (or logged in over)
 * here. Only open connections are tracked, never the logins themselves: the
 * cookie is the login, and a restart closes the sockets anyway.
 */
export class LoginWatchers {
  readonly #watchers = new Map<string, Set<() => void>>();

  constructor(readonly now: () => number = Date.now) {}

  /** Sockets being watched, over all logins. */
  get size(): number {
    let count = 0;
    for (const watchers of this.#watchers.values()) count += watchers.size;
    return count;
  }

  /**
   * Calls `onEnd` once, when the login ends here or at `expiresAt`, whichever
   * comes first. Returns the function that stops watching.
   */
  watch(id: string, expiresAt: number, onEnd: () => void): () => void {
    let timer: NodeJS.Timeout | undefined;
    const stop = () => {
      clearTimeout(timer);
      const watchers = this.#watchers.get(id);
      watchers?.delete(watcher);
      if (watchers?.size === 0) this.#watchers.delete(id);
    };
    const watcher = () => {
      stop();
      onEnd();
    };
    const arm = () => {
      const left = expiresAt - this.now();
      if (left <= 0) return watcher();
      timer = setTimeout(left > MAX_TIMER_MS ? arm : watcher, Math.min(left, MAX_TIMER_MS));
      timer.unref();
    };
    const watchers = this.#watchers.get(id) ?? new Set();
    watchers.add(watcher);
    this.#watchers.set(id, watchers);
    arm();
    return stop;
  }

  /** Ends the login here: its sockets' `onEnd`s are called. */
  end(id: string): void {
    const watchers = this.#watchers.get(id);
    if (!watchers) return;
    for (const watcher of [...watchers]) watcher();
  }
}
