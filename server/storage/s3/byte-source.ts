import { Readable } from 'node:stream';

/**
 * Takes bytes from a body in pieces of chosen lengths: what a piece did not
 * take stays for the next. Each byte passes `onBytes` once (hashing, limits)
 * as it is taken; a failure there ends the body and is kept, so whoever
 * reads the piece (the S3 client sending it) fails with it. `readAhead`
 * takes bytes before anyone asks for them (while the engine answers a part),
 * handed out first by the next `next`.
 */
export class ByteSource {
  readonly #iterator: AsyncIterator<Buffer>;
  #left: Buffer | undefined;
  #ended = false;
  /** Bytes taken ahead, in order, not handed out yet. */
  readonly #ahead: Buffer[] = [];
  #aheadBytes = 0;
  /** The read-ahead in progress, and whether it has been told to stop. */
  #reading: Promise<void> | undefined;
  #stopReading = false;
  /** The first failure of the body or of `onBytes`, which outranks the engine's report of it. */
  failure: unknown;
  /** Bytes taken from the body so far (and passed to `onBytes`), read-ahead included. */
  taken = 0;

  constructor(
    body: AsyncIterable<Buffer>,
    readonly onBytes: (chunk: Buffer) => void,
  ) {
    this.#iterator = body[Symbol.asyncIterator]();
  }

  /** The next bytes, at most `max` of them; undefined at the end of the body. */
  async next(max: number): Promise<Buffer | undefined> {
    if (this.#reading) await this.#stopReadAhead();
    // A failure met reading ahead ends the body here, as it would have met in order.
    if (this.failure !== undefined) throw this.failure as Error;
    const ahead = this.#ahead[0];
    if (ahead === undefined) return this.#take(max);
    if (ahead.length <= max) this.#ahead.shift();
    else this.#ahead[0] = ahead.subarray(max);
    const chunk = ahead.length <= max ? ahead : ahead.subarray(0, max);
    this.#aheadBytes -= chunk.length;
    return chunk;
  }

  /**
   * Starts taking up to `max` bytes (with those already ahead) in the
   * background, so the body keeps arriving, and being hashed, while nobody
   * reads it: the engine answering the last part, say. It stops at `max`,
   * at the end of the body, at a failure (kept for the reader, as always),
   * or when `next` is called.
   */
  readAhead(max: number): void {
    if (this.#reading || this.#aheadBytes >= max) return;
    this.#stopReading = false;
    this.#reading = (async () => {
      while (!this.#stopReading && this.#aheadBytes < max) {
        const chunk = await this.#take(max - this.#aheadBytes).catch(() => undefined);
        if (!chunk) return;
        this.#ahead.push(chunk);
        this.#aheadBytes += chunk.length;
      }
    })();
  }

  async #stopReadAhead(): Promise<void> {
    this.#stopReading = true;
    await this.#reading;
    this.#reading = undefined;
  }

  /** The next bytes of the body itself, past any read ahead. */
  async #take(max: number): Promise<Buffer | undefined> {
    if (this.#left === undefined) {
      if (this.#ended) return undefined;
      let result: IteratorResult<Buffer>;
      try {
        result = await this.#iterator.next();
      } catch (err) {
        this.failure ??= err;
        throw err;
      }
      if (result.done) {
        this.#ended = true;
        return undefined;
      }
      if (result.value.length === 0) return this.#take(max);
      this.#left = result.value;
    }
    const chunk = this.#left.length <= max ? this.#left : this.#left.subarray(0, max);
    this.#left = this.#left.length <= max ? undefined : this.#left.subarray(max);
    try {
      this.onBytes(chunk);
    } catch (err) {
      this.failure ??= err;
      throw err;
    }
    this.taken += chunk.length;
    return chunk;
  }

  /** Up to `max` bytes gathered into one buffer (bounded by `max`). */
  async gather(max: number): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let length = 0;
    while (length < max) {
      const chunk = await this.next(max - length);
      if (!chunk) break;
      chunks.push(chunk);
      length += chunk.length;
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length);
  }

  /**
   * A stream of exactly the next `length` bytes, for a request with that
   * Content-Length. When the body fails or ends short, the failure is kept,
   * `abort` is called (so the request stops at once, rather than waiting on
   * bytes that never come) and the stream just ends. `sent` is called once
   * its last byte has been taken by the request.
   */
  piece(length: number, abort: () => void, sent?: () => void): Readable {
    return Readable.from(this.#pieceBytes(length, abort, sent), { objectMode: false });
  }

  async *#pieceBytes(length: number, abort: () => void, done?: () => void): AsyncGenerator<Buffer> {
    let sent = 0;
    while (sent < length) {
      let chunk: Buffer | undefined;
      try {
        chunk = await this.next(length - sent);
      } catch {
        abort();
        return;
      }
      if (!chunk) {
        this.failure ??= new ShortBody(length - sent);
        abort();
        return;
      }
      sent += chunk.length;
      yield chunk;
    }
    done?.();
  }

  /** Ends the body early (a refused upload), so its source stops (after a read-ahead's last read: one reader at a time). */
  async cancel(): Promise<void> {
    await this.#stopReadAhead();
    await this.#iterator.return?.().catch(() => {});
  }
}

/** A body that ended before the bytes its size announced. */
export class ShortBody extends Error {
  constructor(readonly missing: number) {
    super(`the body ended ${missing} bytes short`);
  }
}
