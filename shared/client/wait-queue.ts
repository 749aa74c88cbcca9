import { asError } from './errors.ts';

/** A caller waiting its turn. Settled exactly once; `give` answers false when it is too late (timed out, aborted). */
export interface Waiter<T> {
  give(value: T): boolean;
  fail(err: Error): void;
}

export interface WaitOptions {
  /** How long the caller waits before it fails with `timeoutError()`. */
  readonly timeoutMs: number;
  readonly timeoutError: () => Error;
  /** Aborting it fails the caller with its reason, and takes it out of the queue at once. */
  readonly signal?: AbortSignal;
  /** Called after the caller gave up (timed out or aborted) and left the queue. */
  readonly onGiveUp?: () => void;
}

/**
 * Callers waiting their turn, first come first served. A caller whose timeout
 * fires or whose signal aborts leaves the queue at once, so whatever is handed
 * on next goes to a caller still waiting: no wake-up is lost on one that left.
 * The connection pool and the gateway's per-address slots both queue with it.
 */
export class WaitQueue<T> {
  readonly #waiters: Waiter<T>[] = [];

  get length(): number {
    return this.#waiters.length;
  }

  /** The first caller, left in the queue. */
  first(): Waiter<T> | undefined {
    return this.#waiters[0];
  }

  /** The first caller, out of the queue: it may still give up while the caller of shift prepares its turn. */
  shift(): Waiter<T> | undefined {
    return this.#waiters.shift();
  }

  /** Fails every caller (the queue is closing). */
  failAll(err: Error): void {
    for (const waiter of [...this.#waiters]) waiter.fail(err);
  }

  /** Waits until a value is handed on to this caller (give), or it fails. */
  wait(options: WaitOptions): Promise<T> {
    const { signal } = options;
    signal?.throwIfAborted();
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = () => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', aborted);
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
        return true;
      };
      const waiter: Waiter<T> = {
        give: (value) => {
          if (!settle()) return false;
          resolve(value);
          return true;
        },
        fail: (err) => {
          if (settle()) reject(err);
        },
      };
      const giveUp = (err: Error) => {
        if (!settle()) return;
        reject(err);
        options.onGiveUp?.();
      };
      const timer = setTimeout(() => giveUp(options.timeoutError()), options.timeoutMs);
      const aborted = () => giveUp(asError(signal!.reason));
      signal?.addEventListener('abort', aborted, { once: true });
      this.#waiters.push(waiter);
    });
  }
}
