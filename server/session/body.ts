import { TOO_LONG } from '../../shared/protocol/frames.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { StorageError } from '../storage/storage.ts';
import { PeerGone, type SocketReader } from '../../shared/net/socket-reader.ts';

/**
 * An upload body as the storage layer reads it: either exactly `size` bytes,
 * or chunks (`LEN` line, LEN bytes, …, then a `0` line). It remembers how far
 * it got, so after a refusal mid-body the session knows whether the
 * connection is still in step with the client.
 */
export interface UploadBody extends AsyncIterable<Buffer> {
  /** True once the whole body (sized, or up to the final empty chunk) was read. */
  readonly complete: boolean;
  /** Bytes of a sized body not read yet; undefined for a chunked one. */
  readonly remaining: number | undefined;
  /** Reads and discards what is left of a sized body. */
  skipRest(): Promise<void>;
}

const DECIMAL = /^(0|[1-9]\d{0,15})$/;

export function sizedBody(reader: SocketReader, size: number): UploadBody {
  let remaining = size;
  const body = {
    get complete() {
      return remaining === 0;
    },
    get remaining() {
      return remaining;
    },
    async *[Symbol.asyncIterator]() {
      for await (const piece of reader.bytes(remaining)) {
        remaining -= piece.length;
        yield piece;
      }
    },
    async skipRest() {
      for await (const piece of reader.bytes(remaining)) remaining -= piece.length;
    },
  };
  return body;
}

export function chunkedBody(reader: SocketReader, maxChunk: number): UploadBody {
  let complete = false;
  return {
    get complete() {
      return complete;
    },
    remaining: undefined,
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const line = await reader.line();
        if (line === null) throw new PeerGone();
        const text = line === TOO_LONG ? '' : line.toString('latin1');
        if (!DECIMAL.test(text)) {
          throw new StorageError(Reason.badChunk, 'a chunk starts with a line holding its decimal byte count');
        }
        const length = Number(text);
        if (length > maxChunk) throw new StorageError(Reason.badChunk, `chunks are limited to ${maxChunk} bytes`);
        if (length === 0) {
          complete = true;
          return;
        }
        yield* reader.bytes(length);
      }
    },
    async skipRest() {
      throw new Error('a chunked body cannot be skipped');
    },
  };
}
