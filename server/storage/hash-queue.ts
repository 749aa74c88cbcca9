/**
 * Files whose SHA-256 a listing met unknown (put in the data folder behind
 * Pail's back), hashed in the background a few at a time, so a listing never
 * waits for a hash and a large tree copied in is hashed once, not on every
 * listing. Bounded: past `max` waiting files, more are dropped (a later
 * listing asks again).
 */
export class HashQueue {
  readonly #waiting = new Map<string, { bucket: string; key: string }>();
  readonly #hashing = new Set<string>();
  #running = 0;
  #closed = false;

  constructor(
    readonly hash: (bucket: string, key: string) => Promise<unknown>,
    readonly options: { readonly max: number; readonly concurrency: number } = { max: 100_000, concurrency: 2 },
  ) {}

  add(bucket: string, key: string): void {
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
      for (let next = this.#waiting.entries().next(); !next.done && !this.#closed; next = this.#waiting.entries().next()) {
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
