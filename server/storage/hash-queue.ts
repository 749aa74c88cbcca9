/**
 * Files whose SHA-256 a listing met unknown (put in the data folder behind
 * Pail's back), hashed in the background a few at a time, so a listing never
 * waits for a hash and a large tree copied in is hashed once, not on every
 * listing. Bounded: past `max` waiting files, more are dropped (a later
 * listing asks again).
 *
 * Hashing gives way to listings: while they report files (until `quietMs`
 * after the last), each worker hashes only one file per `busyGapMs`. Both
 * run on the one event loop, and a client paging through a tree copied in
 * would otherwise pay for hashing it, page by page (a third of the server's
 * time per row, measured by the huge-bucket benchmark). It still goes on
 * slowly, so a client that lists without pause sees hashes arrive; a file a
 * client asks for by name is hashed on demand, by stat and download.
 */
export class HashQueue {
  readonly #waiting = new Map<string, { bucket: string; key: string }>();
  readonly #hashing = new Set<string>();
  #running = 0;
  #closed = false;
  /** When the last listing activity stops holding hashing back (ms since the epoch). */
  #quietFrom = 0;

  constructor(
    readonly hash: (bucket: string, key: string) => Promise<unknown>,
    readonly options: { readonly max: number; readonly concurrency: number; readonly quietMs: number; readonly busyGapMs: number } = {
      max: 100_000,
      concurrency: 2,
      quietMs: 100,
      busyGapMs: 25,
    },
  ) {}

  add(bucket: string, key: string): void {
    this.#quietFrom = Date.now() + this.options.quietMs;
    // Checked before the id is made: a listing of a big tree copied in calls this for every row while the queue is full.
    if (this.#closed || this.#waiting.size >= this.options.max) return;
    const id = `${bucket}/${key}`;
    if (this.#waiting.has(id) || this.#hashing.has(id)) return;
    this.#waiting.set(id, { bucket, key });
    if (this.#running < this.options.concurrency) void this.#work();
  }

  close(): void {
    this.#closed = true;
    this.#waiting.clear();
  }

  async #work(): Promise<void> {
    this.#running++;
    try {
      let last = 0;
      for (;;) {
        // Listings first: while they run, one file per gap.
        for (let now = Date.now(); now < this.#quietFrom && now < last + this.options.busyGapMs && !this.#closed; now = Date.now()) {
          const wait = Math.min(this.#quietFrom, last + this.options.busyGapMs) - now;
          await new Promise((resolve) => setTimeout(resolve, wait).unref());
        }
        last = Date.now();
        const next = this.#waiting.entries().next();
        if (next.done || this.#closed) break;
        const [id, { bucket, key }] = next.value;
        this.#waiting.delete(id);
        this.#hashing.add(id);
        // A file gone or unreadable by now is simply not hashed; its listing shows no SHA-256 until it is.
        await this.hash(bucket, key).catch(() => {});
        this.#hashing.delete(id);
      }
    } finally {
      this.#running--;
    }
  }
}
