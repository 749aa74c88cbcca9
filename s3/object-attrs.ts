import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { decodeAttrs, encodeAttrs } from '../shared/api/file-attrs.ts';
import { S3Error } from './errors.ts';

/** The representation headers S3 keeps with an object and gives back on GET and HEAD. */
const REPRESENTATION_HEADERS = ['content-type', 'content-encoding', 'content-disposition', 'content-language', 'cache-control', 'expires'];
const USER_METADATA = 'x-amz-meta-';
/** S3's limit on an object's user metadata, names and values together. */
const MAX_USER_METADATA = 2048;
/** The protocol's limit on a file's attrs text. */
const MAX_ATTRS = 4096;

/**
 * What a PutObject (or a CopyObject that replaces them) keeps with the
 * object: its representation headers and x-amz-meta-* user metadata, as
 * the protocol's attrs text. Header values keep their bytes as Node reads
 * them (Latin-1), so they go back out exactly as they came in.
 */
export function attrsOfRequest(headers: IncomingHttpHeaders): string | undefined {
  const pairs: [string, string][] = [];
  let metadataBytes = 0;
  for (const name of REPRESENTATION_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string') pairs.push([name, value]);
  }
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith(USER_METADATA) || value === undefined) continue;
    const text = Array.isArray(value) ? value.join(',') : value;
    metadataBytes += name.length - USER_METADATA.length + text.length;
    pairs.push([name, text]);
  }
  if (metadataBytes > MAX_USER_METADATA) throw new S3Error('MetadataTooLarge', `user metadata holds at most ${MAX_USER_METADATA} bytes`);
  const attrs = encodeAttrs(pairs);
  if (attrs !== undefined && attrs.length > MAX_ATTRS) throw new S3Error('MetadataTooLarge', 'the object\'s headers and metadata are too long to keep');
  return attrs;
}

/** Sets the headers an object's attrs keep (application/octet-stream when it has no Content-Type). */
export function setAttrHeaders(response: ServerResponse, attrs: string | undefined): void {
  response.setHeader('content-type', 'application/octet-stream');
  for (const [name, value] of decodeAttrs(attrs)) {
    if (!REPRESENTATION_HEADERS.includes(name) && !name.startsWith(USER_METADATA)) continue;
    // Kept from a request's own headers, so valid as headers; anything else written by another client is left out.
    try {
      response.setHeader(name, value);
    } catch {
      continue;
    }
  }
}
