import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Reason } from '../../../shared/protocol/reasons.ts';
import { StorageError } from '../storage.ts';
import { outage } from './engine-client.ts';
import { isNotFound, isPreconditionFailed } from './engine-errors.ts';

/**
 * Reads one version of an engine object (pinned by its etag with If-Match)
 * through ranged GETs: a read at the position the current GET has reached
 * goes on with it, a read elsewhere opens a new ranged GET. Callers read
 * ascending, so a whole download is one GET.
 */
export class EngineReader {
  #stream: Readable | undefined;
  #iterator: AsyncIterator<Buffer> | undefined;
  #left: Buffer | undefined;
  /** The file offset of the next byte the current GET gives. */
  #position = -1;
  #closed = false;

  constructor(
    readonly engine: S3Client,
    readonly bucket: string,
    readonly key: string,
    readonly etag: string,
    readonly end: number,
    readonly describe: string,
  ) {}

  /** Opens a GET from `position` to `end`; fails with `changed` when the object is another version now. */
  async open(position: number): Promise<void> {
    this.#drop();
    if (position >= this.end) {
      this.#position = position;
      return;
    }
    let reply;
    try {
      reply = await this.engine.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key, IfMatch: this.etag, Range: `bytes=${position}-${this.end - 1}` }));
    } catch (err) {
      if (isPreconditionFailed(err) || isNotFound(err)) {
        throw new StorageError(Reason.changed, `${this.describe} was overwritten or deleted while it was being read`, { cause: err });
      }
      throw err;
    }
    this.#stream = reply.Body as Readable;
    this.#iterator = this.#stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    this.#position = position;
  }

  async read(buffer: Buffer, length: number, position: number): Promise<number> {
    if (this.#closed) throw new Error('read after close');
    if (position >= this.end || length === 0) return 0;
    if (position !== this.#position || !this.#iterator) await this.open(position);
    const want = Math.min(length, this.end - position);
    let copied = 0;
    let reopened = false;
    while (copied < want) {
      if (!this.#left) {
        let next: IteratorResult<Buffer>;
        try {
          next = await this.#iterator!.next();
        } catch (err) {
          // The GET broke off: cut, or silent past the engine client's timeout while its reader (a slow download) waited.
          // The version is pinned, so a GET from here gives the same bytes; once per read, then the failure is the engine's.
          if (reopened) throw outage(err) ?? err;
          reopened = true;
          await this.open(position + copied);
          continue;
        }
        if (next.done) break;
        this.#left = next.value;
      }
      const n = this.#left.copy(buffer, copied, 0, Math.min(this.#left.length, want - copied));
      this.#left = n === this.#left.length ? undefined : this.#left.subarray(n);
      copied += n;
    }
    if (copied === 0) throw new StorageError(Reason.internal, `${this.describe} ended early at byte ${position} of ${this.end}`);
    this.#position = position + copied;
    return copied;
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#drop();
    return Promise.resolve();
  }

  #drop(): void {
    this.#stream?.destroy();
    this.#stream = undefined;
    this.#iterator = undefined;
    this.#left = undefined;
  }
}
