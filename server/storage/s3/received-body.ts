import { createHash, randomBytes, type Hash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Reason } from '../../../shared/protocol/reasons.ts';
import { StorageError } from '../storage.ts';
import { ByteSource, ShortBody } from './byte-source.ts';

/** Bodies up to this size are held in memory, checked, then stored with one PutObject: no copy. */
export const SMALL_BODY = 8 * 1024 * 1024;
/** The part size of a staged body (S3 allows 10,000 parts: larger bodies get larger parts). */
export const STAGING_PART_SIZE = 16 * 1024 * 1024;
const PART_SIZE = STAGING_PART_SIZE;
/** Parts of a staged body sent at once (the benchmark's direct client uses the same). */
export const STAGING_PARTS_IN_FLIGHT = 1;
const MAX_PARTS = 10_000;
/**
 * While the engine answers a part (and makes the upload, before the first),
 * a staged body of known size keeps arriving: up to this many bytes of the
 * next part are taken (and hashed) ahead, so the client is not stalled and
 * Pail's work overlaps the engine's. The engine still sees one part at a
 * time. The process holds at most READ_AHEAD_BUDGET of such bytes; an upload
 * that finds none left goes without.
 */
export const READ_AHEAD = 8 * 1024 * 1024;
export const READ_AHEAD_BUDGET = 256 * 1024 * 1024;
const readAheadBudget = { left: READ_AHEAD_BUDGET };

/**
 * A body received and hashed, not yet visible anywhere a client looks:
 * either held in memory (small) or completed as a staging object of the
 * system bucket (large), which `discard` removes.
 */
export interface ReceivedBody {
  readonly size: number;
  readonly sha256: string;
  readonly md5?: string;
  readonly small?: Buffer;
  readonly staging?: string;
  discard(): Promise<void>;
}

export interface ReceiveOptions {
  /** The announced size, when known. */
  readonly size?: number;
  /** The most bytes accepted; more is `tooLarge` (with `tooLargeMessage`). */
  readonly maxSize: number;
  readonly tooLargeMessage: string;
  /** Compute the body's MD5 too. */
  readonly md5: boolean;
  /** Told of bytes past the announced size as they come (a chunked body holding quota as it grows). */
  readonly grow?: (bytes: number) => void;
}

/**
 * Receives a body: hashes it as it passes and enforces its announced size
 * and the limit. A body of at most SMALL_BODY bytes stays in one bounded
 * buffer; a larger one is streamed part by part (each part sent with its
 * Content-Length straight from the body when the size is known, one part
 * buffered at a time otherwise) into a multipart upload of a staging key in
 * the system bucket, completed once the last byte is in. Any failure
 * removes what was staged.
 */
export async function receiveBody(engine: S3Client, systemBucket: string, body: AsyncIterable<Buffer>, options: ReceiveOptions): Promise<ReceivedBody> {
  const sha256 = createHash('sha256');
  const md5: Hash | undefined = options.md5 ? createHash('md5') : undefined;
  const limit = Math.min(options.size ?? Infinity, options.maxSize);
  const source = new ByteSource(body, (chunk) => {
    const size = source.taken + chunk.length;
    if (size > limit) {
      throw size > options.maxSize
        ? new StorageError(Reason.tooLarge, options.tooLargeMessage)
        : new StorageError(Reason.badSize, `the body exceeds the ${options.size} bytes announced`);
    }
    if (options.size === undefined) options.grow?.(chunk.length);
    sha256.update(chunk);
    md5?.update(chunk);
  });
  const finish = (size: number) => {
    if (options.size !== undefined && size !== options.size) {
      throw new StorageError(Reason.badSize, `the body had ${size} bytes, not the ${options.size} announced`);
    }
    return { size, sha256: sha256.digest('hex'), ...(md5 ? { md5: md5.digest('hex') } : {}) };
  };
  try {
    if (options.size === undefined || options.size <= SMALL_BODY) {
      const head = await source.gather(SMALL_BODY + 1);
      if (head.length <= SMALL_BODY && (await source.next(1)) === undefined) {
        return { ...finish(head.length), small: head, discard: () => Promise.resolve() };
      }
      return await stage(engine, systemBucket, source, options.size, head, finish);
    }
    return await stage(engine, systemBucket, source, options.size, undefined, finish);
  } catch (err) {
    await source.cancel();
    throw asStorageError(source.failure ?? err);
  }
}

/** Streams the rest of a body into a multipart upload of a new staging key; completes it only after the last byte. */
async function stage(
  engine: S3Client,
  bucket: string,
  source: ByteSource,
  size: number | undefined,
  head: Buffer | undefined,
  finish: (size: number) => { size: number; sha256: string; md5?: string },
): Promise<ReceivedBody> {
  const key = `staging/${randomBytes(16).toString('hex')}`;
  const partSize = size === undefined ? PART_SIZE : Math.max(PART_SIZE, Math.ceil(size / MAX_PARTS));
  // Read-ahead serves a body of known size (a chunked one is gathered a part at a time anyway).
  const ahead = size === undefined || head !== undefined ? 0 : Math.min(READ_AHEAD, partSize, readAheadBudget.left);
  readAheadBudget.left -= ahead;
  try {
    if (ahead) source.readAhead(ahead);
    const created = await engine.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    return await stageParts(engine, bucket, key, created.UploadId!, source, { size, head, partSize, ahead }, finish);
  } finally {
    readAheadBudget.left += ahead;
  }
}

async function stageParts(
  engine: S3Client,
  bucket: string,
  key: string,
  uploadId: string,
  source: ByteSource,
  shape: { size: number | undefined; head: Buffer | undefined; partSize: number; ahead: number },
  finish: (size: number) => { size: number; sha256: string; md5?: string },
): Promise<ReceivedBody> {
  const { size, partSize, ahead } = shape;
  const parts: { PartNumber: number; ETag: string }[] = [];
  try {
    let first = shape.head;
    for (let number = 1, offset = 0; ; number++) {
      let body: Buffer | ReturnType<ByteSource['piece']>;
      let length: number;
      const request = new AbortController();
      if (first !== undefined) {
        // The bytes read to tell small from large begin the first part; the rest of it follows from the body.
        const more = await source.gather(partSize - first.length);
        body = more.length ? Buffer.concat([first, more]) : first;
        length = body.length;
        first = undefined;
      } else if (size !== undefined) {
        length = Math.min(partSize, size - offset);
        if (length <= 0) break;
        const next = Math.min(partSize, size - offset - length);
        // Once this part's last byte is sent, the next part's first bytes are taken while the engine answers.
        body = source.piece(length, () => request.abort(), ahead && next > 0 ? () => source.readAhead(Math.min(ahead, next)) : undefined);
      } else {
        body = await source.gather(partSize);
        length = body.length;
      }
      if (length === 0) break;
      offset += length;
      const sent = await engine
        .send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: number, Body: body, ContentLength: length }), { abortSignal: request.signal })
        .catch((err: unknown) => {
          throw source.failure ?? err;
        });
      parts.push({ PartNumber: number, ETag: sent.ETag! });
      if (size === undefined && length < partSize) break;
    }
    // A chunked body may end exactly on a part boundary, or go on past the announced size.
    if ((await source.next(1)) !== undefined) throw new StorageError(Reason.badSize, 'the body goes on past its size');
    const digests = finish(source.taken);
    await engine.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    return {
      ...digests,
      staging: key,
      discard: () => engine.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).then(() => {}),
    };
  } catch (err) {
    await engine.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => {});
    throw asStorageError(source.failure ?? err);
  }
}

/** A body that ended short is the client's `bad-size`; other failures pass as they are. */
function asStorageError(err: unknown): unknown {
  if (err instanceof ShortBody) return new StorageError(Reason.badSize, `the body ended ${err.missing} bytes before the size announced`);
  return err;
}
