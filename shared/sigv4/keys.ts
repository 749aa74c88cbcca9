/** One S3 key pair; a read-only pair may only read. */
export interface S3Key {
  readonly accessKey: string;
  readonly secretKey: string;
  readonly readOnly: boolean;
}

/** The pair used on loopback when PAIL_S3_KEYS is unset (the listener decides when). */
export const DEFAULT_S3_KEY: S3Key = Object.freeze({ accessKey: 'pail', secretKey: 'pailsecret', readOnly: false });

const READ_ONLY_SUFFIX = ':ro';

/**
 * PAIL_S3_KEYS: comma-separated ACCESS:SECRET pairs, a pair ending in `:ro`
 * read-only. The access key ends at the first ':'; the secret is the rest (it
 * may hold '/', '=', '+' and ':', but not ','). Throws a clear Error on a
 * malformed list: an empty pair, a pair without a secret, whitespace inside a
 * key, or an access key given twice.
 */
export function parseS3Keys(text: string): S3Key[] {
  const pairs = text.split(',').map((pair) => pair.trim());
  if (pairs.length === 1 && pairs[0] === '') throw new Error('PAIL_S3_KEYS is empty: give ACCESS:SECRET pairs separated by commas');
  const keys: S3Key[] = [];
  const seen = new Set<string>();
  pairs.forEach((pair, index) => {
    const where = `PAIL_S3_KEYS pair ${index + 1}`;
    if (pair === '') throw new Error(`${where} is empty (a stray comma?): give ACCESS:SECRET pairs separated by commas`);
    const colon = pair.indexOf(':');
    if (colon <= 0) throw new Error(`${where} has no access key and secret: write it ACCESS:SECRET (or ACCESS:SECRET:ro)`);
    const accessKey = pair.slice(0, colon);
    let secretKey = pair.slice(colon + 1);
    const readOnly = secretKey.endsWith(READ_ONLY_SUFFIX);
    if (readOnly) secretKey = secretKey.slice(0, -READ_ONLY_SUFFIX.length);
    if (secretKey === '') throw new Error(`${where} (access key ${accessKey}) has an empty secret`);
    if (/\s/.test(accessKey) || /\s/.test(secretKey)) throw new Error(`${where} (access key ${accessKey.trim()}) holds whitespace, which S3 keys cannot`);
    if (seen.has(accessKey)) throw new Error(`${where}: access key ${accessKey} is given twice`);
    seen.add(accessKey);
    keys.push(Object.freeze({ accessKey, secretKey, readOnly }));
  });
  return keys;
}
