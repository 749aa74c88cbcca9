/** Addresses tracked at once, at most; the oldest is forgotten first. */
const MAX_ADDRESSES = 10_000;

interface Window {
  readonly startedAt: number;
  failures: number;
}

/**
 * Failed token presentations per client address in fixed windows: once an
 * address has failed `max` times in a window, every presentation from it
 * (right or wrong) is refused until the window ends, so a token cannot be
 * guessed faster than `max` tries a window, and a refusal says nothing about
 * whether the token tried was right.
 */
export class AttemptLimiter {
  readonly #windows = new Map<string, Window>();

  constructor(
    readonly max: number,
    readonly windowMs: number,
    readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until the address may try again, or 0 when it may try now. */
  blockedFor(address: string): number {
    const window = this.#current(address);
    if (!window || window.failures < this.max) return 0;
    return window.startedAt + this.windowMs - this.now();
  }

  fail(address: string): void {
    const window = this.#current(address);
    if (window) {
      window.failures++;
      return;
    }
    if (this.#windows.size >= MAX_ADDRESSES) {
      const oldest = this.#windows.keys().next();
      if (!oldest.done) this.#windows.delete(oldest.value);
    }
    this.#windows.set(address, { startedAt: this.now(), failures: 1 });
  }

  #current(address: string): Window | undefined {
    const window = this.#windows.get(address);
    if (window && window.startedAt + this.windowMs <= this.now()) {
      this.#windows.delete(address);
      return undefined;
    }
    return window;
  }
}
