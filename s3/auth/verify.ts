import type { IncomingHttpHeaders } from 'node:http';
import { canonicalHeaders, canonicalQuery, canonicalRequest, canonicalUri, queryParams, splitTarget, type QueryParam } from '../../shared/sigv4/canonical.ts';
import { S3AuthError, badRequest, denied } from './errors.ts';
import type { S3Key } from '../../shared/sigv4/keys.ts';
import { MAX_PRESIGN_SECONDS } from '../../shared/sigv4/presign.ts';
import { ALGORITHM, EMPTY_SHA256, requestStringToSign, sameSignature, signString, signingKey } from '../../shared/sigv4/signing.ts';

export interface RequestToVerify {
  readonly method: string;
  /** The path and query exactly as received. */
  readonly rawUrl: string;
  readonly headers: IncomingHttpHeaders;
}

/** What the chunks of a signed aws-chunked body chain their signatures to. */
export interface ChunkSigning {
  /** The request's own signature, which the first chunk's signature chains to. */
  readonly seedSignature: string;
  readonly signingKey: Buffer;
  /** `DAY/REGION/s3/aws4_request` */
  readonly scope: string;
  /** The request's timestamp, YYYYMMDDTHHMMSSZ. */
  readonly amzDate: string;
}

export type Payload =
  /** UNSIGNED-PAYLOAD, or a presigned URL. */
  | { readonly kind: 'unsigned' }
  /** x-amz-content-sha256 is the body's hex digest: the listener hands it to the bucket server, which refuses a body that differs. */
  | { readonly kind: 'sha256'; readonly sha256: string }
  /** An aws-chunked body (STREAMING-…): chunk signatures when `signing` is given, a trailer when `trailer`. */
  | { readonly kind: 'streaming'; readonly signed: boolean; readonly trailer: boolean; readonly signing: ChunkSigning | null };

export interface Verified {
  readonly key: S3Key;
  readonly payload: Payload;
  /** The region the request was signed for (any is accepted). */
  readonly region: string;
}

/** How far a request's clock may be from ours (S3's 15 minutes). */
export const MAX_SKEW_MS = 15 * 60_000;

const SIGV2_REFUSED = 'Signature Version 2 is not supported; use AWS4-HMAC-SHA256 (s3v4)';
const MISMATCH = 'The request signature we calculated does not match the signature you provided. Check your key and signing method.';

/**
 * Checks a request's AWS Signature Version 4, in its Authorization header or
 * its presigned query, against `keys`; `now` in ms since the epoch. Returns the
 * key that signed it and how its body is vouched for. Throws S3AuthError.
 */
export function verifyRequest(req: RequestToVerify, keys: readonly S3Key[], now: number): Verified {
  const { path, query } = splitTarget(req.rawUrl);
  const params = queryParams(query);
  const has = (name: string) => params.some((p) => p.name === name);
  const authorization = single(req.headers.authorization);
  const presigned = has('X-Amz-Algorithm') || has('X-Amz-Credential') || has('X-Amz-Signature');
  if (authorization !== undefined && authorization !== '') {
    if (presigned) throw badRequest('InvalidArgument', 'Only one auth mechanism allowed; give either the X-Amz-Algorithm query parameter or the Authorization header, not both');
    if (/^AWS\s/.test(authorization)) throw badRequest('InvalidRequest', SIGV2_REFUSED);
    if (!/^AWS4-HMAC-SHA256\s/.test(authorization)) {
      throw badRequest('InvalidArgument', `Unsupported Authorization Type ${authorization.split(/\s/)[0]}; use AWS4-HMAC-SHA256 (s3v4)`);
    }
    return verifyHeader(req, path, params, authorization, keys, now);
  }
  if (presigned) return verifyPresigned(req, path, params, keys, now);
  if (has('AWSAccessKeyId') || (has('Signature') && has('Expires'))) throw badRequest('InvalidRequest', SIGV2_REFUSED);
  throw denied('AccessDenied', 'Access Denied: anonymous access is not offered; sign the request with AWS Signature Version 4 (AWS4-HMAC-SHA256)');
}

/** What both forms of SigV4 carry: who signed, for when, and what. */
interface Claim {
  readonly credential: Credential;
  readonly amzDate: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
  readonly payloadHash: string;
}

interface Credential {
  readonly accessKey: string;
  readonly day: string;
  readonly region: string;
  readonly service: string;
}

function verifyHeader(req: RequestToVerify, path: string, params: readonly QueryParam[], authorization: string, keys: readonly S3Key[], now: number): Verified {
  const malformed = (why: string) => badRequest('AuthorizationHeaderMalformed', `The authorization header is malformed; ${why}`);
  const fields = new Map<string, string>();
  for (const part of authorization.slice(ALGORITHM.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw malformed(`"${part.trim()}" is not NAME=VALUE`);
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credentialText = fields.get('Credential');
  const signedText = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credentialText || !signedText || !signature) throw malformed('it needs Credential, SignedHeaders and Signature');
  const credential = parseCredential(credentialText, malformed);

  const { amzDate, at } = requestTime(req.headers);
  if (amzDate.slice(0, 8) !== credential.day) throw malformed(`the credential's date ${credential.day} is not the request's date ${amzDate.slice(0, 8)}`);
  const key = findKey(keys, credential.accessKey);
  if (Math.abs(now - at) > MAX_SKEW_MS) {
    throw denied('RequestTimeTooSkewed', `The difference between the request time (${new Date(at).toISOString()}) and the server's time (${new Date(now).toISOString()}) is more than 15 minutes`);
  }
  const signedHeaders = parseSignedHeaders(signedText, malformed);
  const { payloadHash, payload } = headerPayload(req.headers);
  const signing = checkSignature(req, path, canonicalQuery(params), key, { credential, amzDate, signedHeaders, signature, payloadHash });
  const finalPayload: Payload =
    payload.kind === 'streaming' && payload.signed ? { ...payload, signing: { seedSignature: signature.toLowerCase(), signingKey: signing, scope: scopeOf(credential), amzDate } } : payload;
  return { key, payload: finalPayload, region: credential.region };
}

function verifyPresigned(req: RequestToVerify, path: string, params: readonly QueryParam[], keys: readonly S3Key[], now: number): Verified {
  const malformed = (why: string) => badRequest('AuthorizationQueryParametersError', why);
  const get = (name: string) => params.find((p) => p.name === name)?.value;
  const algorithm = get('X-Amz-Algorithm');
  const credentialText = get('X-Amz-Credential');
  const amzDate = get('X-Amz-Date');
  const expiresText = get('X-Amz-Expires');
  const signedText = get('X-Amz-SignedHeaders');
  const signature = get('X-Amz-Signature');
  if (!algorithm || !credentialText || !amzDate || expiresText === undefined || !signedText || !signature) {
    throw malformed('Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.');
  }
  if (algorithm !== ALGORITHM) throw malformed(`X-Amz-Algorithm only supports "${ALGORITHM}"`);
  const credential = parseCredential(credentialText, malformed);
  const at = parseAmzDate(amzDate);
  if (at === undefined) throw malformed(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
  if (amzDate.slice(0, 8) !== credential.day) throw malformed(`the credential's date ${credential.day} is not X-Amz-Date's date ${amzDate.slice(0, 8)}`);
  if (!/^\d{1,7}$/.test(expiresText)) throw malformed('X-Amz-Expires must be a whole number of seconds');
  const expires = Number(expiresText);
  if (expires > MAX_PRESIGN_SECONDS) throw malformed(`X-Amz-Expires must be less than a week (in seconds) that is; the maximum expires is ${MAX_PRESIGN_SECONDS} seconds`);
  const key = findKey(keys, credential.accessKey);
  if (now < at - MAX_SKEW_MS) throw denied('AccessDenied', 'Request is not valid yet');
  if (now > at + expires * 1000) throw denied('AccessDenied', 'Request has expired');
  const signedHeaders = parseSignedHeaders(signedText, malformed);
  // A presigned URL vouches for no body unless it names the body's digest.
  const payloadHash = get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD';
  let payload: Payload;
  if (payloadHash === 'UNSIGNED-PAYLOAD') payload = { kind: 'unsigned' };
  else if (/^[0-9a-fA-F]{64}$/.test(payloadHash)) payload = { kind: 'sha256', sha256: payloadHash.toLowerCase() };
  else throw malformed('X-Amz-Content-Sha256 in a presigned URL must be UNSIGNED-PAYLOAD or a hex SHA-256');
  checkSignature(req, path, canonicalQuery(params, 'X-Amz-Signature'), key, { credential, amzDate, signedHeaders, signature, payloadHash });
  return { key, payload, region: credential.region };
}

/** Recomputes the signature of `claim` with the key's secret; returns the signing key when it matches. */
function checkSignature(req: RequestToVerify, path: string, query: string, key: S3Key, claim: Claim): Buffer {
  const { credential, amzDate, signedHeaders, signature, payloadHash } = claim;
  const request = canonicalRequest(req.method.toUpperCase(), canonicalUri(path), query, canonicalHeaders(req.headers, signedHeaders), signedHeaders.join(';'), payloadHash);
  const keyOfDay = signingKey(key.secretKey, credential.day, credential.region, credential.service);
  const expected = signString(keyOfDay, requestStringToSign(amzDate, scopeOf(credential), request));
  if (!sameSignature(expected, signature)) throw denied('SignatureDoesNotMatch', MISMATCH);
  return keyOfDay;
}

const scopeOf = (c: Credential) => `${c.day}/${c.region}/${c.service}/aws4_request`;

/** ACCESS/DAY/REGION/s3/aws4_request, read from the right (an access key could hold '/'). */
function parseCredential(text: string, malformed: (why: string) => S3AuthError): Credential {
  const parts = text.split('/');
  if (parts.length < 5) throw malformed(`the Credential "${text}" is not ACCESS_KEY/DATE/REGION/s3/aws4_request`);
  const [day, region, service, terminal] = parts.slice(-4);
  const accessKey = parts.slice(0, -4).join('/');
  if (accessKey === '' || !/^\d{8}$/.test(day) || region === '') throw malformed(`the Credential "${text}" is not ACCESS_KEY/DATE/REGION/s3/aws4_request`);
  if (service !== 's3') throw malformed(`the Credential's service is "${service}", expected "s3"`);
  if (terminal !== 'aws4_request') throw malformed(`the Credential ends in "${terminal}", expected "aws4_request"`);
  return { accessKey, day, region, service };
}

function parseSignedHeaders(text: string, malformed: (why: string) => S3AuthError): string[] {
  const names = text.split(';').map((n) => n.trim().toLowerCase());
  if (names.some((n) => n === '')) throw malformed(`SignedHeaders "${text}" holds an empty name`);
  if (!names.includes('host')) throw malformed('the host header must be signed (SignedHeaders lacks host)');
  return names;
}

function findKey(keys: readonly S3Key[], accessKey: string): S3Key {
  const key = keys.find((k) => k.accessKey === accessKey);
  if (!key) throw denied('InvalidAccessKeyId', `The AWS Access Key Id you provided does not exist in our records: ${accessKey}`);
  return key;
}

/** The request's time from x-amz-date, or else Date, with its SigV4 form. */
function requestTime(headers: IncomingHttpHeaders): { amzDate: string; at: number } {
  const amz = single(headers['x-amz-date']);
  if (amz !== undefined) {
    const at = parseAmzDate(amz.trim());
    if (at === undefined) throw denied('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header (x-amz-date is not YYYYMMDDTHHMMSSZ)');
    return { amzDate: amz.trim(), at };
  }
  const date = single(headers.date);
  const at = date === undefined ? NaN : Date.parse(date);
  if (Number.isNaN(at)) throw denied('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  return { amzDate: new Date(at).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, ''), at };
}

function parseAmzDate(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  const at = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC rolls 20260231 over into March; a date that does not round-trip is not a date.
  return new Date(at).getUTCDate() === d && new Date(at).getUTCMonth() === mo - 1 ? at : undefined;
}

/** The payload's hash as the header signer put it in the canonical request, and what it promises. */
function headerPayload(headers: IncomingHttpHeaders): { payloadHash: string; payload: Payload } {
  const value = single(headers['x-amz-content-sha256'])?.trim();
  if (value === undefined) {
    // A request without a body may leave the header out; its payload hash is the empty body's.
    const length = single(headers['content-length']);
    if (headers['transfer-encoding'] === undefined && (length === undefined || length === '0')) {
      return { payloadHash: EMPTY_SHA256, payload: { kind: 'sha256', sha256: EMPTY_SHA256 } };
    }
    throw badRequest('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  }
  const streaming = (signed: boolean, trailer: boolean): Payload => ({ kind: 'streaming', signed, trailer, signing: null });
  switch (value) {
    case 'UNSIGNED-PAYLOAD':
      return { payloadHash: value, payload: { kind: 'unsigned' } };
    case 'STREAMING-UNSIGNED-PAYLOAD-TRAILER':
      return { payloadHash: value, payload: streaming(false, true) };
    case 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD':
      return { payloadHash: value, payload: streaming(true, false) };
    case 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER':
      return { payloadHash: value, payload: streaming(true, true) };
  }
  if (/^[0-9a-fA-F]{64}$/.test(value)) return { payloadHash: value, payload: { kind: 'sha256', sha256: value.toLowerCase() } };
  throw badRequest(
    'InvalidArgument',
    `x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or the body's hex SHA-256, not "${value}"`,
  );
}

const single = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
