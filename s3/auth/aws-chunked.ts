import { createHash } from 'node:crypto';
import { BodyReader, incomplete } from './body-reader.ts';
import { badRequest, denied } from './errors.ts';
import { chunkStringToSign, sameSignature, sha256Hex, signString, trailerStringToSign, EMPTY_SHA256 } from '../../shared/sigv4/signing.ts';
import type { ChunkSigning } from './verify.ts';

/**
 * The largest chunk accepted. A signed chunk is held whole until its
 * signature verifies, so this bounds a request's memory; SDKs send 64 KiB to
 * 1 MiB chunks, and 16 MiB leaves room for clients that send a part's bytes
 * as one chunk.
 */
export const MAX_CHUNK_BYTES = 16 * 1024 * 1024;
/** A chunk's header line (`HEX;chunk-signature=SIG`) is ~90 bytes; allow extensions. */
const MAX_CHUNK_LINE = 4096;
/** The trailer's lines, all together. */
const MAX_TRAILER_BYTES = 16 * 1024;
const TRAILER_SIGNATURE = 'x-amz-trailer-signature';

export interface ChunkedForm {
  /** Chunk (and trailer) signatures to check; null for STREAMING-UNSIGNED-PAYLOAD-TRAILER. */
  readonly signing: ChunkSigning | null;
  readonly trailer: boolean;
}

/**
 * Decodes an aws-chunked body: yields the object's bytes, each signed chunk
 * only once its signature has verified (unsigned chunks as they arrive), and
 * returns the trailer's headers (lowercase names) once the final chunk's and
 * the trailer's signatures have verified. Errors are S3AuthErrors.
 */
export async function* decodeAwsChunked(body: BodyReader, form: ChunkedForm): AsyncGenerator<Buffer, Map<string, string>> {
  const { signing } = form;
  let previous = signing?.seedSignature ?? '';
  for (let index = 1; ; index++) {
    const what = `chunk ${index}'s header`;
    const line = await body.line(MAX_CHUNK_LINE, what);
    if (line === null) throw incomplete(`before the final (0-length) aws-chunked chunk; ${index - 1} chunks arrived`);
    const { size, signature } = parseChunkLine(line, what);
    if (size > MAX_CHUNK_BYTES) throw badRequest('InvalidArgument', `aws-chunked chunk ${index} is ${size} bytes; Pail accepts chunks of at most ${MAX_CHUNK_BYTES} bytes`);
    if (signing === null) {
      // No signature to wait for: pass the bytes on as they come (the caller still holds back the last one).
      if (size > 0) yield* body.bytes(size, `chunk ${index}`);
    } else {
      if (signature === undefined) throw denied('SignatureDoesNotMatch', `aws-chunked chunk ${index} carries no chunk-signature`);
      const pieces: Buffer[] = [];
      const hash = createHash('sha256');
      for await (const piece of body.bytes(size, `chunk ${index}`)) {
        hash.update(piece);
        pieces.push(piece);
      }
      const expected = signString(signing.signingKey, chunkStringToSign(signing.amzDate, signing.scope, previous, size === 0 ? EMPTY_SHA256 : hash.digest('hex')));
      if (!sameSignature(expected, signature)) {
        throw denied('SignatureDoesNotMatch', `The signature of aws-chunked chunk ${index} does not match its bytes; the body was changed or signed with another key`);
      }
      previous = expected;
      yield* pieces;
    }
    if (size === 0) break;
    await body.crlf(`chunk ${index}'s bytes`);
  }
  const trailers = form.trailer ? await readTrailer(body, signing, previous) : new Map<string, string>();
  if (!(await body.atEnd())) throw badRequest('InvalidArgument', 'The aws-chunked body goes on after its final chunk and trailer');
  return trailers;
}

function parseChunkLine(line: string, what: string): { size: number; signature: string | undefined } {
  const [sizeText, ...extensions] = line.split(';');
  if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText.trim())) throw badRequest('InvalidArgument', `The aws-chunked body's ${what} "${line.slice(0, 100)}" does not start with a hex size`);
  let signature: string | undefined;
  for (const extension of extensions) {
    const eq = extension.indexOf('=');
    if (eq >= 0 && extension.slice(0, eq).trim() === 'chunk-signature') signature = extension.slice(eq + 1).trim();
  }
  return { size: parseInt(sizeText, 16), signature };
}

/** The trailer's `name:value` lines up to a blank line or the end; its signature checked when signed. */
async function readTrailer(body: BodyReader, signing: ChunkSigning | null, previous: string): Promise<Map<string, string>> {
  const lines: [string, string][] = [];
  let budget = MAX_TRAILER_BYTES;
  for (;;) {
    const line = await body.line(budget, 'trailer', true);
    if (line === null) break;
    if (line === '') {
      // Some senders put a blank line between the final chunk and the trailer.
      if (lines.length === 0) continue;
      break;
    }
    budget -= line.length + 2;
    if (budget < 0) throw badRequest('InvalidArgument', `The aws-chunked trailer is longer than ${MAX_TRAILER_BYTES} bytes`);
    const colon = line.indexOf(':');
    if (colon <= 0) throw badRequest('InvalidArgument', `The aws-chunked trailer line "${line.slice(0, 100)}" is not NAME:VALUE`);
    lines.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  const headers = lines.filter(([name]) => name !== TRAILER_SIGNATURE);
  if (signing !== null) {
    const given = lines.find(([name]) => name === TRAILER_SIGNATURE)?.[1];
    if (given === undefined) throw denied('SignatureDoesNotMatch', 'The signed aws-chunked trailer carries no x-amz-trailer-signature');
    const canonical = headers.map(([name, value]) => `${name}:${value}\n`).join('');
    const expected = signString(signing.signingKey, trailerStringToSign(signing.amzDate, signing.scope, previous, sha256Hex(canonical)));
    if (!sameSignature(expected, given)) throw denied('SignatureDoesNotMatch', 'The aws-chunked trailer\'s signature does not match it; the trailer was changed or signed with another key');
  }
  return new Map(headers);
}
