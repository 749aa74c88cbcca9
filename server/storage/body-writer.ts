import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { sharedHash, type SharedHash } from './hash-thread.ts';
import { uploadSlabs, type SharedSlabs } from './shared-slabs.ts';

/** Writes are gathered into batches of this size, one write call each. */
const BATCH = 1 << 20;
/** Written bytes are handed to the disk in the background each time this many more have been written. */
const SYNC_EVERY = 64 << 20;
/** Shared slabs a large body holds: one filling, the others being written and hashed. */
const SLABS_PER_BODY = 4;

/**
 * Writes an upload's body to its temporary file and computes its SHA-256 on
 * the way. Chunks are gathered into 1 MiB batches; one batch is written while
 * the next is gathered, so the disk and the socket both stay busy. Only one
 * write is in flight: two at once on one file contend for its lock (seen in
 * `perf` as rwsem spinning) and gained nothing.
 *
 * A body that fills its first batch is large: when the process's budget of
 * shared slabs allows, its batches are gathered in shared memory and hashed
 * on the hashing thread while the event loop writes the same slab to the
 * file; a slab is refilled only after both are done. On a two-core machine
 * that takes SHA-256 (about a third of the event loop's time per byte) off
 * the path that receives. Small bodies, and large ones beyond the budget,
 * are hashed on the event loop, as they arrive.
 *
 * Every SYNC_EVERY bytes written, a `datasync` starts in the background
 * (one at a time), so the disk writes while the body is still arriving.
 * Without it the whole body waited in the page cache for the fsync after the
 * last byte: for 1 GiB the client waited about 320 ms for its reply, with
 * it about 30 ms.
 */
export class BodyWriter {
  /** How the SHA-256 is made: decided when the first batch fills (or at the end, for a small body). */
  #mode: 'undecided' | 'event-loop' | 'thread' = 'undecided';
  readonly #hash = createHash('sha256');
  /** The MD5 as well, for a writer that keeps it as the file's etag (S3's); always on the event loop. */
  readonly #md5: Hash | undefined;
  #batch: Buffer[] = [];
  #batchBytes = 0;
  #written = 0;
  /** The last write; each waits for the one before. */
  #inFlight: Promise<void> | undefined;
  /** Bytes known to be on disk, and the background sync that is making more so. */
  #synced = 0;
  #syncing: Promise<void> | undefined;
  /** With the hashing thread: the slabs this body holds, which are free, the one filling, and those not yet written and hashed. */
  #threadHash: SharedHash | undefined;
  #slabs: Buffer[] = [];
  #freeSlabs: Buffer[] = [];
  #filling: Buffer | undefined;
  #filled = 0;
  readonly #busySlabs = new Set<Promise<void>>();
  /** The first failure of a slab's write or hash, thrown at the next add or finish. */
  #failure: unknown;
  readonly #slabPool: SharedSlabs;

  constructor(
    readonly fh: FileHandle,
    readonly syncEvery = SYNC_EVERY,
    options: { readonly md5?: boolean; readonly slabs?: SharedSlabs } = {},
  ) {
    this.#md5 = options.md5 ? createHash('md5') : undefined;
    this.#slabPool = options.slabs ?? uploadSlabs;
  }

  /** Bytes taken so far. */
  get size(): number {
    return this.#written + this.#batchBytes + this.#filled;
  }

  async add(chunk: Buffer): Promise<void> {
    this.#md5?.update(chunk);
    if (this.#mode === 'thread') return this.#gather(chunk);
    if (this.#mode === 'event-loop') this.#hash.update(chunk);
    this.#batch.push(chunk);
    this.#batchBytes += chunk.length;
    if (this.#batchBytes < BATCH) return;
    if (this.#mode === 'undecided') await this.#decide();
    else await this.#flush();
  }

  /** Writes what is left; resolves to the body's size, SHA-256 and MD5 if asked (hex) once every byte is written. */
  async finish(): Promise<{ size: number; sha256: string; md5?: string }> {
    let sha256: string;
    if (this.#mode === 'thread') {
      if (this.#filled > 0) this.#submit();
      await Promise.all(this.#busySlabs);
      this.#throwFailure();
      sha256 = await this.#threadHash!.digest();
      this.#releaseSlabs();
    } else {
      if (this.#mode === 'undecided') for (const chunk of this.#batch) this.#hash.update(chunk);
      this.#mode = 'event-loop';
      if (this.#batchBytes > 0) await this.#flush();
      sha256 = this.#hash.digest('hex');
    }
    await this.#inFlight;
    await this.#syncing; // a failed background sync fails the body
    return { size: this.#written, sha256, md5: this.#md5?.digest('hex') };
  }

  /** For a body abandoned part way: waits for the write in flight, so the file can be closed and removed. */
  async abort(): Promise<void> {
    await Promise.allSettled(this.#busySlabs);
    this.#threadHash?.drop();
    this.#releaseSlabs();
    await this.#inFlight?.catch(() => {});
    await this.#syncing?.catch(() => {});
  }

  /** The first batch is full: the body is large, and is hashed on the thread if slabs can be had. */
  async #decide(): Promise<void> {
    const slabs = this.#slabPool.take(SLABS_PER_BODY);
    if (!slabs) {
      this.#mode = 'event-loop';
      for (const chunk of this.#batch) this.#hash.update(chunk);
      await this.#flush();
      return;
    }
    this.#mode = 'thread';
    this.#threadHash = sharedHash();
    this.#slabs = slabs;
    this.#freeSlabs = [...slabs];
    const batch = this.#batch;
    this.#batch = [];
    this.#batchBytes = 0;
    for (const chunk of batch) await this.#gather(chunk);
  }

  /** Copies a chunk into slabs, handing each full one to be written and hashed; waits when all are busy. */
  async #gather(chunk: Buffer): Promise<void> {
    let at = 0;
    while (at < chunk.length) {
      this.#throwFailure();
      if (!this.#filling) {
        while (this.#freeSlabs.length === 0) await Promise.race(this.#busySlabs);
        this.#filling = this.#freeSlabs.pop()!;
      }
      const n = chunk.copy(this.#filling, this.#filled, at);
      this.#filled += n;
      at += n;
      if (this.#filled === this.#filling.length) this.#submit();
    }
  }

  /** Writes the filling slab (after the write before it) and hashes it on the thread; it is free again once both are done. */
  #submit(): void {
    const slab = this.#filling!;
    const length = this.#filled;
    const position = this.#written;
    this.#written += length;
    this.#filling = undefined;
    this.#filled = 0;
    const end = this.#written;
    const previous = this.#inFlight;
    const write = (async () => {
      await previous;
      await writeAll(this.fh, [slab.subarray(0, length)], position);
      this.#syncInBackground(end);
    })();
    this.#inFlight = write;
    write.catch(() => {}); // awaited by the next write, finish or abort
    const hash = this.#threadHash!.update(slab.buffer as SharedArrayBuffer, slab.byteOffset, length);
    // The slab is free again only when both are done, even if one failed: the other may still be reading it.
    const busy: Promise<void> = Promise.allSettled([write, hash]).then((outcomes) => {
      for (const outcome of outcomes) if (outcome.status === 'rejected') this.#failure ??= outcome.reason;
      this.#busySlabs.delete(busy);
      this.#freeSlabs.push(slab);
    });
    this.#busySlabs.add(busy);
  }

  #throwFailure(): void {
    if (this.#failure !== undefined) throw this.#failure as Error;
  }

  /** Gives the slabs back to the process's budget; called only when none is being written or hashed. */
  #releaseSlabs(): void {
    if (this.#slabs.length === 0) return;
    this.#slabPool.give(this.#slabs);
    this.#slabs = [];
    this.#freeSlabs = [];
    this.#filling = undefined;
  }

  async #flush(): Promise<void> {
    await this.#inFlight;
    const buffers = this.#batch;
    const position = this.#written;
    this.#written += this.#batchBytes;
    this.#batch = [];
    this.#batchBytes = 0;
    const end = this.#written;
    this.#inFlight = writeAll(this.fh, buffers, position).then(() => this.#syncInBackground(end));
    this.#inFlight.catch(() => {}); // awaited by the next flush, finish or abort
  }

  /** Starts a datasync of the first `end` bytes, unless one is running or too little was written since the last. */
  #syncInBackground(end: number): void {
    if (this.#syncing || end - this.#synced < this.syncEvery) return;
    this.#syncing = this.fh.datasync().then(() => {
      this.#synced = end;
      this.#syncing = undefined;
    });
    // A failure stays in #syncing, for finish (which rethrows it) or abort.
    this.#syncing.catch(() => {});
  }
}

async function writeAll(fh: FileHandle, buffers: Buffer[], position: number): Promise<void> {
  let pending = buffers;
  while (pending.length) {
    const { bytesWritten } = await fh.writev(pending, position);
    position += bytesWritten;
    pending = dropBytes(pending, bytesWritten);
  }
}

function dropBytes(buffers: Buffer[], n: number): Buffer[] {
  let i = 0;
  while (i < buffers.length && n >= buffers[i].length) n -= buffers[i++].length;
  const rest = buffers.slice(i);
  if (n > 0 && rest.length) rest[0] = rest[0].subarray(n);
  return rest;
}
