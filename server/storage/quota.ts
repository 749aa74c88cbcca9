import { Reason } from '../../shared/protocol/reasons.ts';
import { StorageError } from './storage.ts';

/**
 * A limit on the bytes all buckets hold together. Uploads reserve room as
 * they go (all of it up front when the size is announced, chunk by chunk
 * otherwise), so concurrent uploads cannot together overshoot; a reservation
 * becomes usage when its file is committed and is returned when it fails.
 * Usage is counted from the disk at start-up and kept by Pail's own writes and
 * deletes; files an operator adds by hand count from the next start.
 */
export class Quota {
  #used: number;
  #reserved = 0;

  constructor(
    readonly limit: number,
    used: number,
  ) {
    this.#used = used;
  }

  get used(): number {
    return this.#used;
  }

  /** Refuses at once when `bytes` more could not fit now. */
  check(bytes: number): void {
    if (this.#used + this.#reserved + bytes > this.limit) {
      throw new StorageError(
        Reason.noSpace,
        `the storage quota of ${this.limit} bytes is full (${this.#used} used, ${this.#reserved} reserved by uploads in progress)`,
      );
    }
  }

  reserve(bytes: number): Reservation {
    this.check(bytes);
    return this.restore(bytes);
  }

  /** Holds bytes without checking: what an upload session held before a restart stays held, over the quota or not. */
  restore(bytes: number): Reservation {
    this.#reserved += bytes;
    let held = bytes;
    let open = true;
    return {
      grow: (more: number) => {
        this.check(more);
        this.#reserved += more;
        held += more;
      },
      shrink: (less: number) => {
        if (!open) return;
        const given = Math.min(less, held);
        this.#reserved -= given;
        held -= given;
      },
      commit: (size: number, replaced: number) => {
        if (!open) return;
        open = false;
        this.#reserved -= held;
        this.#used += size - replaced;
      },
      release: () => {
        if (!open) return;
        open = false;
        this.#reserved -= held;
      },
    };
  }

  freed(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
  }
}

export interface Reservation {
  /** Holds `more` bytes as a chunked body grows; throws no-space when they do not fit. */
  grow(more: number): void;
  /** Gives back `less` bytes held (a part replaced by a smaller one). */
  shrink(less: number): void;
  /** The file of `size` bytes is stored, replacing one of `replaced` bytes (0 for a new name). */
  commit(size: number, replaced: number): void;
  release(): void;
}
