import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { hashFileBytes } from '../local-file.ts';

/**
 * The SHA-256 of a local file sent in parts, in order: each part's bytes are
 * hashed as they are read for sending, on a copy of the state at the part's
 * start, which is kept only once the server acknowledged the part, so a part
 * cut off and sent again is counted once. Bytes the server held before this
 * run (a resumed session) are read locally, never sent.
 */
export class FileDigest {
  #hash: Hash = createHash('sha256');
  /** Bytes [0, at) are in #hash. */
  #at = 0;
  #pending: { hash: Hash; end: number } | undefined;

  constructor(readonly path: string) {}

  get at(): number {
    return this.#at;
  }

  /** Brings the digest to `to`: reads the bytes it lacks, or starts again when the server holds less than it covered (a new session). */
  async catchUp(to: number): Promise<void> {
    if (to < this.#at) {
      this.#hash = createHash('sha256');
      this.#at = 0;
    }
    if (to === this.#at) return;
    await hashFileBytes(this.#hash, this.path, { start: this.#at, end: to });
    this.#at = to;
  }

  /** The bytes [offset, offset + size) of the file, hashed as they are read; `offset` must be where the digest is. */
  part(offset: number, size: number): AsyncIterable<Buffer> {
    if (offset !== this.#at) throw new Error(`a part at ${offset} follows a digest at ${this.#at}`);
    const pending = { hash: this.#hash.copy(), end: offset + size };
    this.#pending = pending;
    const path = this.path;
    return (async function* () {
      for await (const chunk of createReadStream(path, { start: offset, end: offset + size - 1 })) {
        pending.hash.update(chunk as Buffer);
        yield chunk as Buffer;
      }
    })();
  }

  /** The last part was acknowledged: its bytes count. */
  acknowledged(): void {
    if (!this.#pending) return;
    this.#hash = this.#pending.hash;
    this.#at = this.#pending.end;
    this.#pending = undefined;
  }

  hex(): string {
    return this.#hash.copy().digest('hex');
  }
}
