import { Readable } from 'node:stream';

/**
 * Takes bytes from a body in pieces of chosen lengths: what a piece did not
 * take stays for the next. Each byte passes `onBytes` once (hashing, limits)
 * as it is taken; a failure there ends the body and is kept, so whoever
 * reads the piece (the S3 client sending it) fails with it.
 */
export class ByteSource {
  readonly #iterator: AsyncIterator<Buffer>;
  #left: Buffer | undefined;
  #ended = false;
  /** The first failure of the body or of `onBytes`, which outranks the engine's report of it. */
  failure: unknown;
  taken = 0;

  constructor(
    body: AsyncIterable<Buffer>,
    readonly onBytes: (chunk: Buffer) => void,
  ) {
    this.#iterator = body[Symbol.asyncIterator]();
  }

  get ended(): boolean {
    return this.#ended && this.#left === undefined;
  }

  /** The next bytes, at most `max` of them; undefined at the end of the body. */
  async next(max: number): Promise<Buffer | undefined> {
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
      if (result.value.length === 0) return this.next(max);
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
   * bytes that never come) and the stream just ends.
   */
  piece(length: number, abort: () => void): Readable {
    return Readable.from(this.#pieceBytes(length, abort), { objectMode: false });
  }

  async *#pieceBytes(length: number, abort: () => void): AsyncGenerator<Buffer> {
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
  }

  /** Ends the body early (a refused upload), so its source stops. */
  async cancel(): Promise<void> {
    await this.#iterator.return?.().catch(() => {});
  }
}

/** A body that ended before the bytes its size announced. */
export class ShortBody extends Error {
  constructor(readonly missing: number) {
    super(`the body ended ${missing} bytes short`);
  }
}
