import { pipeline } from 'node:stream/promises';
import { validateHeaderValue, type ServerResponse } from 'node:http';
import type { Download } from '../../shared/client/connection.ts';
import { PailError } from '../../shared/client/errors.ts';
import type { PailPool } from '../../shared/client/pool.ts';
import { contentRange, resolveRange, type RangeAnswer } from '../../shared/http/range.ts';
import { resumableDownload } from '../../shared/http/resumable-download.ts';
import { KEY_MAX_BYTES, keyProblem } from '../../shared/protocol/names.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import type { FileInfo } from '../../shared/protocol/types.ts';
import { evaluateConditions, etagListMatches } from '../conditions.ts';
import type { ObjectContext } from '../context.ts';
import { S3Error } from '../errors.ts';
import { etagOf } from '../etag.ts';
import { headerValue } from '../headers.ts';
import { contentMd5Hex } from '../md5-check.ts';
import { attrsOfRequest, setAttrHeaders } from '../object-attrs.ts';
import { sendEmpty } from '../respond.ts';
import { requireBucket } from './buckets.ts';

const WHOLE: RangeAnswer = { kind: 'whole' };
/** Stats a read may take when the object keeps being overwritten between its stat and its bytes. */
const VERSION_ATTEMPTS = 3;
const CONDITIONAL_HEADERS = ['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since'];
/** GetObject's query parameters that set a response header, as S3 has them. */
const RESPONSE_OVERRIDES: Readonly<Record<string, string>> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
};

/**
 * PutObject: the body streamed into an upload on a transfer connection.
 * `If-None-Match: *` uploads without overwrite (an existing key is
 * PreconditionFailed); a Content-MD5 is checked before the body's last
 * bytes reach the bucket server; a body signed by its SHA-256 is uploaded
 * with that SHA-256 as the upload's check.
 */
export async function putObject(context: ObjectContext): Promise<void> {
  const { request, setup, bucket, key, verified } = context;
  const { headers } = request;
  if (Buffer.byteLength(key) > KEY_MAX_BYTES) throw new S3Error('KeyTooLongError', `a key has at most ${KEY_MAX_BYTES} bytes`);
  // An aws-chunked body's object is x-amz-decoded-content-length bytes; Content-Length counts its framing too.
  const declared = verified.payload.kind === 'streaming' ? headerValue(headers, 'x-amz-decoded-content-length') : headers['content-length'];
  const size = bodySize(declared, headers['transfer-encoding']);
  if (size !== undefined && size > setup.maxFileSize) throw new S3Error('EntityTooLarge', `the object has ${size} bytes; the largest this server takes has ${setup.maxFileSize}`);
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') throw new S3Error('NotImplemented', 'a PutObject takes If-None-Match: * only');
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    // Checked, then written: an overwrite between the two is not caught (the protocol has no conditional overwrite yet).
    const current = await context.setup.lanes.command(context.signal, (c) => c.stat(bucket, key));
    if (!etagListMatches(ifMatch, etagOf(current))) throw new S3Error('PreconditionFailed', 'the object does not have the ETag given in If-Match');
  }
  const md5Header = headerValue(headers, 'content-md5');
  // The bucket server keeps the body's MD5 as the object's ETag, and with a Content-MD5 refuses a body whose MD5 differs.
  const md5 = md5Header === undefined ? true : contentMd5Hex(md5Header);
  const sha256 = verified.payload.kind === 'sha256' ? verified.payload.sha256.toLowerCase() : checksumSha256(headerValue(headers, 'x-amz-checksum-sha256'));
  const attrs = attrsOfRequest(headers);
  const body = setup.auth.payload(request, verified, headers);
  const pool = await setup.lanes.transfer(request, context.response, context.signal);
  let stored;
  try {
    stored = await pool.use((c) => c.upload(bucket, key, body, { size, overwrite: ifNoneMatch === undefined, sha256, md5, attrs }), context.signal);
  } catch (err) {
    if (err instanceof PailError && err.reason === Reason.exists) throw new S3Error('PreconditionFailed', `${key} exists and If-None-Match: * was given`);
    if (err instanceof PailError && err.reason === Reason.checksumMismatch) throw digestMismatch(err, verified.payload.kind === 'sha256');
    throw err;
  }
  sendEmpty(context.response, 200, { etag: etagOf(stored) });
}

/** Which announced digest a refused body missed: the MD5 of Content-MD5, or the SHA-256 it was signed with. */
export function digestMismatch(err: PailError, signedBySha256: boolean): S3Error {
  if (signedBySha256 && !err.message.includes('MD5')) return new S3Error('XAmzContentSHA256Mismatch', 'the body does not have the SHA-256 given in x-amz-content-sha256');
  return new S3Error('BadDigest', err.message.includes('MD5') ? 'the body does not have the MD5 given in Content-MD5' : err.message);
}

/** The object's size from its headers; undefined for a body sent chunked; MissingContentLength for none. */
export function bodySize(length: string | undefined, transferEncoding: string | undefined): number | undefined {
  if (length === undefined) {
    if (transferEncoding !== undefined) return undefined;
    throw new S3Error('MissingContentLength', 'an upload says its length (Content-Length, or x-amz-decoded-content-length)');
  }
  if (!/^\d+$/.test(length.trim())) throw new S3Error('InvalidArgument', `the length ${length} is not a byte count`);
  return Number(length);
}

/** The hex SHA-256 of an `x-amz-checksum-sha256` (base64) header, for the upload to check. */
export function checksumSha256(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const bytes = Buffer.from(header, 'base64');
  if (bytes.length !== 32) throw new S3Error('InvalidDigest', 'x-amz-checksum-sha256 is not the base64 of 32 bytes');
  return bytes.toString('hex');
}

/**
 * GetObject: the object's bytes streamed from the bucket server as they
 * arrive. A Range or a condition first learns the object's size and ETag
 * with stat, and then downloads only that version (the download's sha256
 * option), starting again on the new version if it was overwritten in
 * between, so a range is never filled from two versions.
 */
export async function getObject(context: ObjectContext): Promise<void> {
  const { request, response, setup, bucket, key, signal } = context;
  if (keyProblem(key)) throw noSuchKey(key);
  const rangeHeader = request.headers.range;
  const conditional = rangeHeader !== undefined || CONDITIONAL_HEADERS.some((h) => request.headers[h] !== undefined);
  let pool: PailPool | undefined;
  for (let attempt = 1; ; attempt++) {
    let range = WHOLE;
    let version: string | undefined;
    if (conditional) {
      const file = await statObject(context);
      if (!answerConditions(context, file)) return;
      range = resolveRange(rangeHeader, file.size);
      if (range.kind === 'unsatisfiable') {
        response.setHeader('content-range', `bytes */${file.size}`);
        throw new S3Error('InvalidRange', `the range ${rangeHeader} lies outside the object's ${file.size} bytes`);
      }
      version = file.sha256;
    }
    pool ??= await setup.lanes.transfer(request, response, signal);
    let download: Download;
    try {
      download = await pool.download(bucket, key, { ...(range.kind === 'partial' ? range : {}), sha256: version }, signal);
    } catch (err) {
      if (err instanceof PailError && err.reason === Reason.changed && attempt < VERSION_ATTEMPTS) continue;
      throw err;
    }
    const { info } = download;
    objectHeaders(context, info);
    response.setHeader('content-length', info.length);
    if (range.kind === 'partial') {
      response.statusCode = 206;
      response.setHeader('content-range', contentRange(info.offset, info.length, info.total));
    }
    const transfers = pool;
    const reopen = (offset: number, length: number) => transfers.download(bucket, key, { offset, length, sha256: info.sha256 }, signal);
    const body = resumableDownload(download, reopen, setup.lanes.options.stallMs);
    try {
      await pipeline(body, response);
    } catch (err) {
      // Headers are out: a body cut short ends the connection, so the client sees a failed transfer, never a short one.
      setup.log.info({ err: (err as Error).message, bucket, key }, 'object body cut short');
    }
    return;
  }
}

/** HeadObject: GetObject's headers, no body. */
export async function headObject(context: ObjectContext): Promise<void> {
  const { request, response, key } = context;
  if (keyProblem(key)) throw noSuchKey(key);
  const file = await statObject(context);
  if (!answerConditions(context, file)) return;
  objectHeaders(context, file);
  const range = resolveRange(request.headers.range, file.size);
  if (range.kind === 'unsatisfiable') {
    response.setHeader('content-range', `bytes */${file.size}`);
    throw new S3Error('InvalidRange', `the range lies outside the object's ${file.size} bytes`);
  }
  if (range.kind === 'partial') {
    response.setHeader('content-range', contentRange(range.offset, range.length, file.size));
    sendEmpty(response, 206, { 'content-length': range.length });
  } else sendEmpty(response, 200, { 'content-length': file.size });
}

/** DeleteObject: 204 whether or not the key was there, as S3 answers; a missing bucket is NoSuchBucket. */
export async function deleteObject(context: ObjectContext): Promise<void> {
  const { bucket, key } = context;
  if (keyProblem(key)) {
    await requireBucket(context);
    return sendEmpty(context.response, 204);
  }
  try {
    await context.setup.lanes.command(context.signal, (c) => c.deleteFile(bucket, key));
  } catch (err) {
    if (!(err instanceof PailError && err.reason === Reason.noSuchFile)) throw err;
  }
  sendEmpty(context.response, 204);
}

function statObject(context: ObjectContext): Promise<FileInfo> {
  return context.setup.lanes.command(context.signal, (c) => c.stat(context.bucket, context.key));
}

/** Answers a failed condition (412, or 304 with the object's tags); true when the request goes on. */
function answerConditions(context: ObjectContext, file: FileInfo): boolean {
  const verdict = evaluateConditions(context.request.headers, { etag: etagOf(file), modified: file.modified });
  if (verdict === 'precondition-failed') throw new S3Error('PreconditionFailed', 'a condition of the request does not hold for the object');
  if (verdict === 'not-modified') {
    sendEmpty(context.response, 304, { etag: etagOf(file), 'last-modified': new Date(file.modified).toUTCString() });
    return false;
  }
  return true;
}

/** The headers of every answer that carries or describes an object, with the query's response-* overrides. */
function objectHeaders(context: ObjectContext, object: { readonly sha256: string; readonly modified: string; readonly etag?: string; readonly attrs?: string }): void {
  const response: ServerResponse = context.response;
  setAttrHeaders(response, object.attrs);
  response.setHeader('etag', etagOf(object));
  response.setHeader('last-modified', new Date(object.modified).toUTCString());
  response.setHeader('accept-ranges', 'bytes');
  for (const [parameter, header] of Object.entries(RESPONSE_OVERRIDES)) {
    const value = context.address.query.get(parameter);
    if (value === null) continue;
    try {
      validateHeaderValue(header, value);
    } catch {
      throw new S3Error('InvalidArgument', `${parameter} holds a character no header may carry`);
    }
    response.setHeader(header, value);
  }
}

function noSuchKey(key: string): S3Error {
  return new S3Error('NoSuchKey', `there is no object ${key}`);
}
