/**
 * Slabs of shared memory for upload bodies, under one budget for the whole
 * process: a body's bytes are gathered in them so the hashing thread can read
 * them where they are while the event loop writes them to the file. A body
 * takes a few slabs or none (then it is hashed on the event loop as before),
 * so however many uploads run, these hold at most `budget` × `size` bytes.
 * Given-back slabs are kept for the next body.
 */
export class SharedSlabs {
  readonly #free: Buffer[] = [];
  #lent = 0;

  constructor(
    readonly size: number,
    readonly budget: number,
  ) {}

  /** `count` slabs, or undefined when the budget cannot spare that many now. */
  take(count: number): Buffer[] | undefined {
    if (this.#lent + count > this.budget) return undefined;
    this.#lent += count;
    return Array.from({ length: count }, () => this.#free.pop() ?? Buffer.from(new SharedArrayBuffer(this.size)));
  }

  give(slabs: readonly Buffer[]): void {
    this.#lent -= slabs.length;
    this.#free.push(...slabs);
  }

  /** Slabs lent out now. */
  get lent(): number {
    return this.#lent;
  }
}

/** The process's upload slabs: 1 MiB each, 64 MiB in all (16 large uploads at 4 slabs each hashed off the event loop). */
export const uploadSlabs = new SharedSlabs(1 << 20, 64);
