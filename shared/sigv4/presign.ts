import { canonicalHeaders, canonicalQuery, canonicalRequest, queryParams, uriEncode } from './canonical.ts';
import { ALGORITHM, requestStringToSign, signString, signingKey } from './signing.ts';

/** The longest a presigned URL may last, as S3 has it: 7 days. */
export const MAX_PRESIGN_SECONDS = 604_800;

export interface PresignGet {
  /** Where the recipient reaches the S3 listener: `http(s)://HOST[:PORT]` (any path is left out). */
  readonly endpoint: string;
  readonly bucket: string;
  readonly key: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly region: string;
  /** How long the URL works from `signedAt`, in seconds (1 to 7 days' worth). */
  readonly expiresIn: number;
  /** When it is signed; now unless given (a test signs in the past). */
  readonly signedAt?: Date;
  /** Extra query parameters signed with it, such as `response-content-disposition`. */
  readonly query?: Readonly<Record<string, string>>;
}

/** SigV4's timestamp: YYYYMMDDTHHMMSSZ. */
export const amzDateOf = (at: Date): string => at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

const encode = (text: string, keepSlash: boolean) => uriEncode(Buffer.from(text, 'utf8'), keepSlash);

/**
 * A presigned path-style GET URL (query-string SigV4, payload unsigned,
 * only `host` signed). The path and query are written in SigV4's own
 * encoding, so what a verifier decodes and encodes again is byte for byte
 * what was signed: a key's spaces, `+`, `%` and non-ASCII survive.
 */
export function presignGet(request: PresignGet): string {
  const { bucket, key, accessKey, secretKey, region, expiresIn } = request;
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_PRESIGN_SECONDS) {
    throw new RangeError(`a presigned URL lasts 1 to ${MAX_PRESIGN_SECONDS} whole seconds, not ${expiresIn}`);
  }
  const origin = new URL(request.endpoint);
  const amzDate = amzDateOf(request.signedAt ?? new Date());
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${region}/s3/aws4_request`;
  const path = `/${encode(bucket, false)}/${encode(key, true)}`;
  const params: Record<string, string> = {
    ...request.query,
    'X-Amz-Algorithm': ALGORITHM,
    'X-Amz-Credential': `${accessKey}/${scope}`,
    'X-Amz-Date': amzDate,
    'X-Amz-Expires': String(expiresIn),
    'X-Amz-SignedHeaders': 'host',
  };
  const query = Object.entries(params)
    .map(([name, value]) => `${encode(name, false)}=${encode(value, false)}`)
    .join('&');
  const canonical = canonicalRequest('GET', path, canonicalQuery(queryParams(query)), canonicalHeaders({ host: origin.host }, ['host']), 'host', 'UNSIGNED-PAYLOAD');
  const signature = signString(signingKey(secretKey, day, region, 's3'), requestStringToSign(amzDate, scope, canonical));
  return `${origin.protocol}//${origin.host}${path}?${query}&X-Amz-Signature=${signature}`;
}
