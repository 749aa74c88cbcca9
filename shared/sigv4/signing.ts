import { createHash, createHmac, timingSafeEqual, type BinaryLike } from 'node:crypto';

// SigV4's hashing steps, shared by the request's signature and the chunks' and trailer's.

export const ALGORITHM = 'AWS4-HMAC-SHA256';
const CHUNK_ALGORITHM = 'AWS4-HMAC-SHA256-PAYLOAD';
const TRAILER_ALGORITHM = 'AWS4-HMAC-SHA256-TRAILER';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export const sha256Hex = (data: BinaryLike): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: BinaryLike, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** The key of one day, region and service: HMAC chain from "AWS4" + secret. */
export function signingKey(secret: string, day: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), service), 'aws4_request');
}

/** The signature (lowercase hex) of `stringToSign` under `key`. */
export const signString = (key: Buffer, stringToSign: string): string => hmac(key, stringToSign).toString('hex');

/**
 * The string to sign of a request. Node's HTTP parser hands header values
 * over as Latin-1 (one char per byte) and every other part of the canonical
 * request is ASCII, so it is hashed as Latin-1: a UTF-8 header value (an
 * x-amz-meta-* in another script) is hashed as the bytes the signer sent.
 */
export const requestStringToSign = (amzDate: string, scope: string, canonicalRequest: string): string =>
  `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(Buffer.from(canonicalRequest, 'latin1'))}`;

/** A chunk's string to sign: chained to the previous signature, over the chunk's SHA-256 (hex). */
export const chunkStringToSign = (amzDate: string, scope: string, previous: string, chunkSha256: string): string =>
  `${CHUNK_ALGORITHM}\n${amzDate}\n${scope}\n${previous}\n${EMPTY_SHA256}\n${chunkSha256}`;

/** The trailer's string to sign: chained to the final chunk's signature, over the SHA-256 of the `name:value\n` lines. */
export const trailerStringToSign = (amzDate: string, scope: string, previous: string, trailerSha256: string): string =>
  `${TRAILER_ALGORITHM}\n${amzDate}\n${scope}\n${previous}\n${trailerSha256}`;

/** Whether two hex signatures are the same, in time that does not depend on where they differ. */
export function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given.toLowerCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
