/**
 * Runs work for one key at a time, in the order asked, and work for
 * different keys at once. Uploads of one key record their SHA-256 and then
 * take the key's name: run in key order, the log's last record for a name
 * is always the one for the file that holds it, however the uploads'
 * flushes are grouped.
 */
export class KeyOrder {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.catch(() => {});
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }
}
