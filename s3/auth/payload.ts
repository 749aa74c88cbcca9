import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { decodeAwsChunked } from './aws-chunked.ts';
import { BodyReader, incomplete } from './body-reader.ts';
import { CHECKSUM_NAMES, checksumFor, type Checksum } from './checksums.ts';
import { badRequest } from './errors.ts';
import type { Verified } from './verify.ts';

export interface PayloadOptions {
  /**
   * Whether x-amz-checksum-* request headers and Content-MD5 describe this
   * body (true, the default: PutObject, UploadPart). CompleteMultipartUpload's
   * checksum headers describe the object, not its XML body: pass false there.
   */
  readonly headerChecksums?: boolean;
}

/**
 * The object's bytes out of a request body: aws-chunked decoded when the
 * payload is streaming, each chunk's signature (and the trailer's) verified,
 * checksums (trailing, and x-amz-checksum-* / Content-MD5 request headers)
 * verified; the length held to x-amz-decoded-content-length (streaming) or
 * Content-Length when given. Errors are S3AuthErrors, emitted as the stream's
 * error.
 *
 * The last byte is held back until every check has passed, and a signed chunk
 * is held whole until its signature verifies: a consumer that commits once it
 * has the declared number of bytes never commits a body that fails a check.
 */
export function payloadBytes(body: Readable, verified: Verified, headers: IncomingHttpHeaders, options: PayloadOptions = {}): Readable {
  return Readable.from(checkedBytes(body, verified, headers, options.headerChecksums ?? true), { objectMode: false });
}

/**
 * The object's size as the request declares it: x-amz-decoded-content-length
 * for an aws-chunked body, else Content-Length; undefined when not declared.
 * payloadBytes holds the body to it. Throws S3AuthError when malformed.
 */
export function objectSize(verified: Verified, headers: IncomingHttpHeaders): number | undefined {
  return declaredLength(headers, verified.payload.kind === 'streaming' ? 'x-amz-decoded-content-length' : 'content-length');
}

interface Expected {
  readonly name: string;
  readonly value: string;
  readonly checksum: Checksum;
}

async function* checkedBytes(body: Readable, verified: Verified, headers: IncomingHttpHeaders, headerChecksums: boolean): AsyncGenerator<Buffer> {
  const { payload } = verified;
  const reader = new BodyReader(body);
  const streaming = payload.kind === 'streaming';
  const length = objectSize(verified, headers);

  const fromHeaders: Expected[] = [];
  if (headerChecksums) {
    for (const name of CHECKSUM_NAMES) {
      const value = header(headers, name);
      if (value !== undefined) fromHeaders.push({ name, value: value.trim(), checksum: checksumFor(name)! });
    }
    const md5 = header(headers, 'content-md5');
    if (md5 !== undefined) fromHeaders.push({ name: 'Content-MD5', value: md5.trim(), checksum: md5Checksum() });
  }
  // Trailing checksums must be announced in x-amz-trailer, so they can be computed as the bytes pass.
  const announced = new Map<string, Checksum>();
  if (streaming && payload.trailer) {
    for (const name of (header(headers, 'x-amz-trailer') ?? '').split(',').map((n) => n.trim().toLowerCase())) {
      const checksum = checksumFor(name);
      if (checksum) announced.set(name, checksum);
    }
  }
  const running = [...fromHeaders.map((e) => e.checksum), ...announced.values()];

  let source: AsyncGenerator<Buffer, Map<string, string>>;
  if (payload.kind === 'streaming') {
    if (payload.signed && payload.signing === null) throw new Error('a signed streaming payload needs its signing chain');
    source = decodeAwsChunked(reader, { signing: payload.signed ? payload.signing : null, trailer: payload.trailer });
  } else {
    source = plain(reader);
  }

  let held: Buffer | undefined; // the last byte seen, released only once every check has passed
  let total = 0;
  for (;;) {
    const next = await source.next();
    if (next.done) {
      if (length !== undefined && total < length) throw incomplete(`${total} of the ${length} bytes declared arrived`);
      checkDigests(fromHeaders, announced, next.value);
      if (held) yield held;
      return;
    }
    const piece = next.value;
    if (piece.length === 0) continue;
    total += piece.length;
    if (length !== undefined && total > length) {
      throw badRequest('InvalidArgument', `The body holds more than the ${length} bytes its ${streaming ? 'x-amz-decoded-content-length' : 'Content-Length'} declares`);
    }
    for (const checksum of running) checksum.update(piece);
    if (held) yield held;
    if (piece.length > 1) yield piece.subarray(0, piece.length - 1);
    held = piece.subarray(piece.length - 1);
  }
}

/** Throws BadDigest unless every checksum given (in a header, or in the trailer as announced) matches the bytes. */
function checkDigests(fromHeaders: readonly Expected[], announced: ReadonlyMap<string, Checksum>, trailers: ReadonlyMap<string, string>): void {
  for (const { name, value, checksum } of fromHeaders) {
    if (checksum.base64() !== value) throw badRequest('BadDigest', `The ${name} you specified did not match the calculated checksum`);
  }
  for (const [name, checksum] of announced) {
    const value = trailers.get(name);
    if (value === undefined) throw badRequest('InvalidRequest', `x-amz-trailer announced ${name}, but the body's trailer does not carry it`);
    if (checksum.base64() !== value) throw badRequest('BadDigest', `The ${name} you specified did not match the calculated checksum`);
  }
  for (const name of trailers.keys()) {
    if (checksumFor(name) && !announced.has(name)) throw badRequest('InvalidRequest', `The body's trailer carries ${name}, which x-amz-trailer did not announce`);
  }
}

/** A body that is the object's bytes as they are. */
async function* plain(reader: BodyReader): AsyncGenerator<Buffer, Map<string, string>> {
  yield* reader.rest();
  return new Map();
}

function md5Checksum(): Checksum {
  const hash = createHash('md5');
  return { update: (bytes) => void hash.update(bytes), base64: () => hash.digest('base64') };
}

function declaredLength(headers: IncomingHttpHeaders, name: string): number | undefined {
  const text = header(headers, name)?.trim();
  if (text === undefined) return undefined;
  if (!/^\d{1,15}$/.test(text)) throw badRequest('InvalidArgument', `${name} must be a whole number of bytes, not "${text.slice(0, 40)}"`);
  return Number(text);
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};
