import type { Readable } from 'node:stream';
import { S3AuthError, badRequest } from './errors.ts';

/** The body ended, or broke, before it held what it promised. */
export const incomplete = (why: string) => badRequest('IncompleteBody', `The request body ended early: ${why}`);

/**
 * Reads a request body as lines and runs of bytes, pulling from the stream
 * only when more is needed (so the body's backpressure reaches the client).
 * A body that breaks (the client went away) is an IncompleteBody.
 */
export class BodyReader {
  private readonly source: AsyncIterator<Buffer>;
  private pending: Buffer = Buffer.alloc(0);
  private ended = false;

  constructor(body: Readable) {
    this.source = (body[Symbol.asyncIterator] as () => AsyncIterator<Buffer>)();
  }

  /** Pulls one more piece into `pending`; false at the body's end. */
  private async more(): Promise<boolean> {
    if (this.ended) return false;
    let next: IteratorResult<Buffer>;
    try {
      next = await this.source.next();
    } catch (err) {
      if (err instanceof S3AuthError) throw err;
      throw incomplete(err instanceof Error ? err.message : String(err));
    }
    if (next.done) {
      this.ended = true;
      return false;
    }
    const piece = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    this.pending = this.pending.length === 0 ? piece : Buffer.concat([this.pending, piece]);
    return true;
  }

  /**
   * The next line without its line end (CRLF, or a bare LF), or null at the
   * body's end. At most `max` bytes; `what` names it in errors. A last line
   * without a line end counts as a line when `lastMayBeOpen`.
   */
  async line(max: number, what: string, lastMayBeOpen = false): Promise<string | null> {
    for (let searched = 0; ; ) {
      const lf = this.pending.indexOf(0x0a, searched);
      if (lf >= 0) {
        if (lf > max + 1) break;
        const end = lf > 0 && this.pending[lf - 1] === 0x0d ? lf - 1 : lf;
        const text = this.pending.toString('latin1', 0, end);
        this.pending = this.pending.subarray(lf + 1);
        return text;
      }
      if (this.pending.length > max + 1) break;
      searched = this.pending.length;
      if (!(await this.more())) {
        if (this.pending.length === 0) return null;
        if (!lastMayBeOpen) throw incomplete(`in the middle of ${what}`);
        const text = this.pending.toString('latin1');
        this.pending = Buffer.alloc(0);
        return text;
      }
    }
    throw badRequest('InvalidArgument', `The aws-chunked body's ${what} is longer than ${max} bytes`);
  }

  /** The next `count` bytes, in the pieces they arrive in. */
  async *bytes(count: number, what: string): AsyncGenerator<Buffer> {
    let left = count;
    while (left > 0) {
      if (this.pending.length === 0 && !(await this.more())) throw incomplete(`${left} bytes short of ${what}`);
      const piece = this.pending.subarray(0, Math.min(left, this.pending.length));
      this.pending = this.pending.subarray(piece.length);
      left -= piece.length;
      yield piece;
    }
  }

  /** Everything left, in the pieces it arrives in. */
  async *rest(): AsyncGenerator<Buffer> {
    while (this.pending.length > 0 || (await this.more())) {
      const piece = this.pending;
      this.pending = Buffer.alloc(0);
      yield piece;
    }
  }

  /** Consumes a CRLF, which must come next. */
  async crlf(what: string): Promise<void> {
    while (this.pending.length < 2) {
      if (!(await this.more())) throw incomplete(`before the CRLF after ${what}`);
    }
    if (this.pending[0] !== 0x0d || this.pending[1] !== 0x0a) throw badRequest('InvalidArgument', `The aws-chunked body has no CRLF after ${what}`);
    this.pending = this.pending.subarray(2);
  }

  /** Whether the body is over, apart from blank lines. */
  async atEnd(): Promise<boolean> {
    for (;;) {
      let skip = 0;
      while (skip < this.pending.length && (this.pending[skip] === 0x0d || this.pending[skip] === 0x0a)) skip++;
      this.pending = this.pending.subarray(skip);
      if (this.pending.length > 0) return false;
      if (!(await this.more())) return true;
    }
  }
}
