import { StartupError, type Settings } from '../../shared/config/settings.ts';
import { DEFAULT_S3_KEY, parseS3Keys, type S3Key } from '../../shared/sigv4/keys.ts';

/** What the gateway signs share links with, and where they point. */
export interface ShareSigning {
  /** The S3 key pair whose secret signs the links: changing that secret, or removing the pair, revokes them. */
  readonly key: S3Key;
  /** The region named in the links' credential scope (the S3 listener takes any). */
  readonly region: string;
  /** `scheme://host[:port]` of the S3 listener as a link's recipient reaches it; '' means the request's host name and `s3Port`. */
  readonly publicUrl: string;
  readonly s3Port: number;
}

/**
 * The pair that signs share links: PAIL_SHARE_KEY's, else the first `:ro`
 * pair (a link only ever reads), else the first; with PAIL_S3_KEYS unset,
 * the default pair the S3 listener then accepts. Throws StartupError for a
 * PAIL_SHARE_KEY the S3 listener would not know or a PAIL_S3_PUBLIC_URL that
 * is not a base URL.
 */
export function shareSigningOf(settings: Settings): ShareSigning {
  const keys = settings.s3Keys ? parseS3Keys(settings.s3Keys) : [DEFAULT_S3_KEY];
  let key: S3Key | undefined;
  if (settings.shareKey) {
    key = keys.find((k) => k.accessKey === settings.shareKey);
    if (!key) {
      const known = keys.map((k) => k.accessKey).join(', ');
      throw new StartupError(`PAIL_SHARE_KEY (--share-key) names ${settings.shareKey}, which is not an access key of PAIL_S3_KEYS (${known}): its links would never work`);
    }
  } else {
    key = keys.find((k) => k.readOnly) ?? keys[0];
  }
  return { key, region: settings.s3Region, publicUrl: publicBase(settings.s3PublicUrl), s3Port: settings.s3Port };
}

/** PAIL_S3_PUBLIC_URL as `scheme://host[:port]`; a path would not be signed as the listener sees it, so none is taken. */
function publicBase(text: string): string {
  if (text === '') return '';
  const fail = (why: string) => new StartupError(`PAIL_S3_PUBLIC_URL (--s3-public-url) ${why}, got ${JSON.stringify(text)}`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw fail('is not a URL; write it like https://s3.example.com or http://192.0.2.7:9000');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw fail('takes an http:// or https:// URL');
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw fail('takes scheme://host[:port] only: the S3 listener is addressed path-style from its root');
  }
  return url.origin;
}
