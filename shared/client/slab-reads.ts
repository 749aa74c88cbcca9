/** Reads land in consecutive slices of slabs this large, never in one another's bytes. */
const READ_SLAB = 1 << 20;
/** A read is offered at least this much room; a slab with less left is replaced. */
const MIN_READ = 64 * 1024;

/**
 * Read buffers for a socket's `onread`. By default Node allocates a fresh
 * 64 KiB buffer for every read, so a download costs one system call, one
 * allocation and one chunk per 64 KiB. Here each read gets the rest of a
 * 1 MiB slab: it takes whatever is waiting (up to that) in one call, and the
 * bytes it returns are a view of the slab that is never written again, so
 * they may be held as long as needed.
 */
export class SlabReads {
  #slab = Buffer.allocUnsafeSlow(0);
  #used = 0;

  next(): Buffer {
    if (this.#slab.length - this.#used < MIN_READ) {
      this.#slab = Buffer.allocUnsafeSlow(READ_SLAB);
      this.#used = 0;
    }
    return this.#slab.subarray(this.#used);
  }

  /** The `n` bytes just read into `buffer` (the last one `next` gave). */
  took(n: number, buffer: Uint8Array): Buffer {
    this.#used += n;
    return Buffer.from(buffer.buffer, buffer.byteOffset, n);
  }
}
