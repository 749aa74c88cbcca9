/** A `PAIL_STORE` value that is neither `fs` nor a usable S3 URL; its message never holds the secret. */
export class StoreUrlError extends Error {}

/** Where an S3 engine is and how to sign for it, read from a `PAIL_STORE` URL. */
export interface StoreUrl {
  /** `http://HOST:PORT` or `https://HOST:PORT`, without credentials. */
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Put before every engine bucket name, so Pail can share an engine. */
  readonly prefix: string;
  readonly region: string;
}

/** The longest engine bucket name S3 allows. */
export const ENGINE_BUCKET_MAX = 63;

/**
 * Reads `s3+http://ACCESS:SECRET@HOST:PORT/?prefix=pail-&region=us-east-1`
 * (`s3+https://` for TLS; the secret percent-encoded). A malformed URL is
 * refused with a message that never repeats the secret.
 */
export function parseStoreUrl(raw: string): StoreUrl {
  const fail = (why: string) => new StoreUrlError(`the store ${redactStoreUrl(raw)} ${why}`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw fail('is not a URL: give s3+http://ACCESS_KEY:SECRET_KEY@HOST:PORT/?prefix=pail-');
  }
  if (url.protocol !== 's3+http:' && url.protocol !== 's3+https:') throw fail('is neither fs nor an s3+http:// or s3+https:// URL');
  if (url.hostname === '') throw fail('names no host');
  if (url.username === '' || url.password === '') throw fail('carries no ACCESS_KEY:SECRET_KEY@ before its host');
  if (url.pathname !== '/' && url.pathname !== '') throw fail('has a path; the engine is named by its host and port only');
  const prefix = url.searchParams.get('prefix') ?? '';
  if (!/^[a-z0-9.-]*$/.test(prefix) || (prefix !== '' && !/^[a-z0-9]/.test(prefix))) {
    throw fail('has a prefix that is not the start of a bucket name (a-z 0-9 . -, starting with a letter or digit)');
  }
  // The system bucket, PREFIX + "pail-system", must itself be a valid name.
  if (prefix.length + 'pail-system'.length > ENGINE_BUCKET_MAX) throw fail(`has a prefix longer than ${ENGINE_BUCKET_MAX - 'pail-system'.length} characters`);
  for (const name of url.searchParams.keys()) if (name !== 'prefix' && name !== 'region') throw fail(`has an unknown option ${name}= (prefix= and region= are known)`);
  let accessKeyId: string;
  let secretAccessKey: string;
  try {
    accessKeyId = decodeURIComponent(url.username);
    secretAccessKey = decodeURIComponent(url.password);
  } catch {
    throw fail('has a key or secret that is not well percent-encoded');
  }
  return {
    endpoint: `${url.protocol.slice(3)}//${url.host}`,
    accessKeyId,
    secretAccessKey,
    prefix,
    region: url.searchParams.get('region') || 'us-east-1',
  };
}

/** The URL as it may be logged: the secret replaced by `***` (whatever shape the text has). */
export function redactStoreUrl(raw: string): string {
  // Everything between the first `:` after `//` and the last `@` before the host is the secret.
  return raw.replace(/^([a-z0-9+.-]*:\/\/[^:@/]*:)[^@]*@/i, '$1***@');
}
