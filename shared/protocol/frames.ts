/**
 * A push parser for the protocol's two kinds of frame: LF-terminated lines
 * and runs of raw bytes whose length was announced. Chunks go in with
 * `push`; the consumer takes whole lines with `takeLine` or up to n bytes
 * with `takeBytes`, and decides after each frame what the next one is. It
 * knows nothing of sockets; one chunk may hold many frames, and one frame may
 * span many chunks. Bytes are handed out as views of the pushed chunks, never
 * copied, except for a line that straddles chunks.
 */
export const TOO_LONG = Symbol('too-long');

export class FrameBuffer {
  readonly #chunks: Buffer[] = [];
  #head = 0; // offset into #chunks[0]
  #size = 0;
  /** Bytes of an overlong line still to skip up to its line feed. */
  #skipping = false;
  /** The first bytes of the last overlong line (a copy), so a caller can tell what it began as. */
  #overlongHead: Buffer = Buffer.alloc(0);

  constructor(readonly maxLine: number) {}

  /** How many unread bytes are held. */
  get size(): number {
    return this.#size;
  }

  /** The first (at most 64) bytes of the line last answered with TOO_LONG. */
  get overlongHead(): Buffer {
    return this.#overlongHead;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#size += chunk.length;
  }

  /**
   * The next line without its LF (and without a CR before it), or null when
   * no whole line is held yet, or TOO_LONG once when a line exceeds maxLine
   * (the rest of that line is then skipped as it arrives, so memory stays
   * flat however long it is).
   */
  takeLine(): Buffer | null | typeof TOO_LONG {
    const at = this.#indexOfLf();
    if (this.#skipping) {
      if (at < 0) {
        this.#drop(this.#size);
        return null;
      }
      this.#drop(at + 1);
      this.#skipping = false;
      return this.takeLine();
    }
    if (at < 0) {
      if (this.#size > this.maxLine + 1) {
        this.#overlongHead = this.#peek(64);
        this.#drop(this.#size);
        this.#skipping = true;
        return TOO_LONG;
      }
      return null;
    }
    const lineLength = at > 0 && this.#byteAt(at - 1) === 0x0d ? at - 1 : at;
    if (lineLength > this.maxLine) {
      this.#overlongHead = this.#peek(64);
      this.#drop(at + 1);
      return TOO_LONG;
    }
    const line = this.#take(lineLength);
    this.#drop(at + 1 - lineLength);
    return line;
  }

  /** Up to `max` raw bytes (a view, not a copy), or null when none are held. */
  takeBytes(max: number): Buffer | null {
    if (this.#size === 0 || max <= 0) return null;
    const first = this.#chunks[0];
    const n = Math.min(max, first.length - this.#head);
    const out = first.subarray(this.#head, this.#head + n);
    this.#drop(n);
    return out;
  }

  #indexOfLf(): number {
    let base = 0;
    for (let i = 0; i < this.#chunks.length; i++) {
      const chunk = this.#chunks[i];
      const start = i === 0 ? this.#head : 0;
      const at = chunk.indexOf(0x0a, start);
      if (at >= 0) return base + at - start;
      base += chunk.length - start;
    }
    return -1;
  }

  /** A copy of the first (at most) n bytes held. */
  #peek(n: number): Buffer {
    const out = Buffer.allocUnsafe(Math.min(n, this.#size));
    let filled = 0;
    for (let i = 0; filled < out.length; i++) {
      const chunk = this.#chunks[i];
      filled += chunk.copy(out, filled, i === 0 ? this.#head : 0);
    }
    return out;
  }

  #byteAt(offset: number): number {
    let i = 0;
    let pos = offset + this.#head;
    while (pos >= this.#chunks[i].length) {
      pos -= this.#chunks[i].length;
      i++;
    }
    return this.#chunks[i][pos];
  }

  #take(n: number): Buffer {
    const first = this.#chunks[0];
    if (n === 0) return Buffer.alloc(0);
    if (first.length - this.#head >= n) {
      const out = first.subarray(this.#head, this.#head + n);
      this.#drop(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const piece = this.takeBytes(n - filled)!;
      piece.copy(out, filled);
      filled += piece.length;
    }
    return out;
  }

  #drop(n: number): void {
    this.#size -= n;
    while (n > 0) {
      const first = this.#chunks[0];
      const left = first.length - this.#head;
      if (n < left) {
        this.#head += n;
        return;
      }
      n -= left;
      this.#chunks.shift();
      this.#head = 0;
    }
  }
}
