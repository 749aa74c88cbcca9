/**
 * Read buffers shared by every download of the process, under one budget.
 * Large slabs make a fast transfer cheap (one file read and one socket write
 * per slab); only `largeBudget` of them exist at once, for the whole server.
 * When they are all lent, a download gets a small slab instead, which is
 * always granted: so a stalled reader holds one small slab, or large ones
 * out of a budget that does not grow with the number of readers, and 1,000
 * stalled downloads cost at most largeBudget × largeSize + 1,000 × smallSize.
 * Given-back slabs are kept for reuse (large ones within the budget, small
 * ones up to `keepSmall`).
 */
export class SlabPool {
  readonly #freeLarge: Buffer[] = [];
  readonly #freeSmall: Buffer[] = [];
  #largeLent = 0;

  constructor(
    readonly largeSize: number,
    readonly largeBudget: number,
    readonly smallSize: number,
    readonly keepSmall: number,
  ) {}

  /** Whether `take` would give a large slab now. */
  get largeAvailable(): boolean {
    return this.#largeLent < this.largeBudget;
  }

  /** A large slab when the budget allows, else a small one. */
  take(): Buffer {
    if (this.largeAvailable) {
      this.#largeLent++;
      return this.#freeLarge.pop() ?? Buffer.allocUnsafeSlow(this.largeSize);
    }
    return this.#freeSmall.pop() ?? Buffer.allocUnsafeSlow(this.smallSize);
  }

  give(slab: Buffer): void {
    if (slab.length === this.largeSize) {
      this.#largeLent--;
      this.#freeLarge.push(slab);
    } else if (this.#freeSmall.length < this.keepSmall) this.#freeSmall.push(slab);
  }

  /** A slab that will never be given back (a write that a closed socket may still reference): its budget is freed. */
  forget(slab: Buffer): void {
    if (slab.length === this.largeSize) this.#largeLent--;
  }

  /** Large slabs lent out now. */
  get largeLent(): number {
    return this.#largeLent;
  }
}

/**
 * A server's download slabs: 1 MiB while its budget of 64 lasts, else 64 KiB,
 * so 1,000 stalled downloads hold at most 64 MiB + 1,000 × 64 KiB, whatever
 * the size of their files.
 */
export function downloadSlabs(): SlabPool {
  return new SlabPool(1 << 20, 64, 64 * 1024, 256);
}
