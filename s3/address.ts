import { S3Error } from './errors.ts';

/** What a request names: the service (no bucket), a bucket, or an object of a bucket; and its query. */
export interface S3Address {
  readonly bucket?: string;
  readonly key?: string;
  readonly query: URLSearchParams;
  /** The path S3 names in an error's Resource. */
  readonly resource: string;
}

/**
 * Reads the bucket and key of a request. Path style: `/BUCKET/KEY`. Virtual
 * host style, when `domain` is set: a Host of `BUCKET.DOMAIN` names the
 * bucket and the whole path is the key. The key is the rest of the path,
 * percent-decoded once (`%2F` is a `/` of the key, as S3 has it).
 */
export function addressOf(rawUrl: string, host: string | undefined, domain: string): S3Address {
  const mark = rawUrl.indexOf('?');
  const path = mark < 0 ? rawUrl : rawUrl.slice(0, mark);
  const query = new URLSearchParams(mark < 0 ? '' : rawUrl.slice(mark + 1));
  if (!path.startsWith('/')) throw new S3Error('InvalidURI', 'the request path does not start with /');
  const hostBucket = bucketOfHost(host, domain);
  if (hostBucket !== undefined) {
    const key = path.length > 1 ? decode(path.slice(1)) : undefined;
    return { bucket: hostBucket, key, query, resource: path };
  }
  const rest = path.slice(1);
  if (rest === '') return { query, resource: '/' };
  const slash = rest.indexOf('/');
  const bucket = decode(slash < 0 ? rest : rest.slice(0, slash));
  const rawKey = slash < 0 ? '' : rest.slice(slash + 1);
  return { bucket, key: rawKey === '' ? undefined : decode(rawKey), query, resource: path };
}

/** The bucket a Host names under the domain (`photos.s3.example.com` → photos), if it does. */
function bucketOfHost(host: string | undefined, domain: string): string | undefined {
  if (!domain || !host) return undefined;
  const name = host.replace(/:\d+$/, '').toLowerCase();
  const suffix = `.${domain.toLowerCase()}`;
  if (!name.endsWith(suffix) || name.length === suffix.length) return undefined;
  return name.slice(0, -suffix.length);
}

// C0 and C1 controls and DEL: no bucket or key holds one.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function decode(text: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(text);
  } catch {
    throw new S3Error('InvalidURI', "Couldn't parse the specified URI.");
  }
  // As S3 implementations answer a path of control characters (s3-tests' test_object_read_unreadable).
  if (CONTROL.test(decoded)) throw new S3Error('InvalidURI', "Couldn't parse the specified URI.");
  return decoded;
}
