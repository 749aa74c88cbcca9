/**
 * Folders in which a listing met files whose SHA-256 is unknown (put in the
 * data folder behind Pail's back), hashed in the background a file at a
 * time, so a listing never waits for a hash and a large tree copied in is
 * hashed once, not on every listing. A listing reports a folder, not each
 * file: a page of a thousand such files costs one report. Bounded: past
 * `max` waiting folders, more are dropped (a later listing asks again).
 *
 * Hashing gives way to listings: while they report folders (until `quietMs`
 * after the last), each worker hashes only one file per `busyGapMs`. Both
 * run on the one event loop, and a client paging through a tree copied in
 * would otherwise pay for hashing it, page by page (a third of the server's
 * time per row, measured by the huge-bucket benchmark). It still goes on
 * slowly, so a client that lists without pause sees hashes arrive; a file a
 * client asks for by name is hashed on demand, by stat and download.
 */
export class HashQueue {
  /** `BUCKET/FOLDER` of each folder waiting (a bucket name holds no `/`). */
  readonly #waiting = new Set<string>();
  readonly #hashing = new Set<string>();
  #running = 0;
  #closed = false;
  /** When the last listing activity stops holding hashing back (ms since the epoch). */
  #quietFrom = 0;

  /**
   * `hashFolder` hashes the files of a folder that lack a SHA-256, calling
   * `pace` before each: it waits for the worker's turn, and says false once
   * the queue is closed.
   */
  constructor(
    readonly hashFolder: (bucket: string, folder: string, pace: () => Promise<boolean>) => Promise<unknown>,
    readonly options: { readonly max: number; readonly concurrency: number; readonly quietMs: number; readonly busyGapMs: number } = {
      max: 100_000,
      concurrency: 2,
      quietMs: 100,
      busyGapMs: 50,
    },
  ) {}

  /** A listing met files without a SHA-256 in this folder ('' for the bucket's top, else ending in `/`). */
  add(bucket: string, folder: string): void {
    this.#quietFrom = Date.now() + this.options.quietMs;
    if (this.#closed || this.#waiting.size >= this.options.max) return;
    const id = `${bucket}/${folder}`;
    if (this.#waiting.has(id) || this.#hashing.has(id)) return;
    this.#waiting.add(id);
    if (this.#running < this.options.concurrency) void this.#work();
  }

  close(): void {
    this.#closed = true;
    this.#waiting.clear();
  }

  async #work(): Promise<void> {
    this.#running++;
    // A worker starts when a listing reports a folder: its first file waits a gap too, not beside the page.
    let last = Date.now();
    // Listings first: while they run, one file per gap.
    const pace = async (): Promise<boolean> => {
      for (let now = Date.now(); now < this.#quietFrom && now < last + this.options.busyGapMs && !this.#closed; now = Date.now()) {
        const wait = Math.min(this.#quietFrom, last + this.options.busyGapMs) - now;
        await new Promise((resolve) => setTimeout(resolve, wait).unref());
      }
      last = Date.now();
      return !this.#closed;
    };
    try {
      for (let next = this.#waiting.values().next(); !next.done && !this.#closed; next = this.#waiting.values().next()) {
        const id = next.value;
        this.#waiting.delete(id);
        this.#hashing.add(id);
        const slash = id.indexOf('/');
        // A folder gone or unreadable by now is simply not hashed; its listing shows no SHA-256 until it is.
        await this.hashFolder(id.slice(0, slash), id.slice(slash + 1), pace).catch(() => {});
        this.#hashing.delete(id);
      }
    } finally {
      this.#running--;
    }
  }
}
