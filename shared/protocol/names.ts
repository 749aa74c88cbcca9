/**
 * Naming rules for buckets and keys (a file's name, with folders). Pure checks, shared by the server (which
 * enforces them), the gateway and the web app (which check early so a person
 * sees the problem while typing). Each returns null when the name is fine, or
 * a sentence saying what is wrong.
 */
export const BUCKET_NAME_MIN = 3;
export const BUCKET_NAME_MAX = 63;
export const KEY_MAX_BYTES = 1024;
export const SEGMENT_MAX_BYTES = 255;

const utf8 = new TextEncoder();
const BUCKET_CHARS = /^[a-z0-9.-]+$/;
const ALNUM_EDGES = /^[a-z0-9](?:.*[a-z0-9])?$/;
const IPV4_LIKE = /^\d{1,3}(?:\.\d{1,3}){3}$/;
// C0 controls, DEL and C1 controls: none may appear in a key.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** S3's bucket rules: 3–63 of a-z 0-9 . -, alphanumeric at both ends. */
export function bucketNameProblem(name: string): string | null {
  if (name.length < BUCKET_NAME_MIN || name.length > BUCKET_NAME_MAX) {
    return `a bucket name has ${BUCKET_NAME_MIN} to ${BUCKET_NAME_MAX} characters`;
  }
  if (!BUCKET_CHARS.test(name)) {
    return 'a bucket name uses only lower-case letters, digits, hyphens and dots';
  }
  if (!ALNUM_EDGES.test(name)) return 'a bucket name starts and ends with a letter or digit';
  if (name.includes('..')) return 'a bucket name has no two dots in a row';
  if (IPV4_LIKE.test(name)) return 'a bucket name is not shaped like an IP address';
  return null;
}

/**
 * A file's key: 1–1024 bytes of UTF-8, `/` separating folders. A key ending in
 * `/` is an explicit folder (zero bytes). Each segment is at most 255 bytes,
 * the longest name a file system gives one directory entry, so every key can
 * be a plain path on the fs storage.
 */
export function keyProblem(key: string): string | null {
  if (key.length === 0) return 'a key is not empty';
  if (utf8.encode(key).length > KEY_MAX_BYTES) return `a key has at most ${KEY_MAX_BYTES} bytes of UTF-8`;
  if (CONTROL.test(key)) return 'a key has no NUL or control characters';
  if (!key.isWellFormed()) return 'a key is well-formed Unicode';
  if (key.startsWith('/')) return 'a key does not start with /';
  const segments = key.split('/');
  // A trailing `/` (an explicit folder) leaves one empty last segment; any other empty segment is `a//b`.
  if (segments.at(-1) === '') segments.pop();
  for (const segment of segments) {
    if (segment === '') return 'a key has no empty folder name (//)';
    if (segment === '.' || segment === '..') return 'a key has no . or .. folder or file name';
    if (utf8.encode(segment).length > SEGMENT_MAX_BYTES) {
      return `each folder or file name in a key has at most ${SEGMENT_MAX_BYTES} bytes of UTF-8`;
    }
  }
  return null;
}

export const isBucketName = (name: string): boolean => bucketNameProblem(name) === null;
export const isKey = (key: string): boolean => keyProblem(key) === null;

/** Whether a key names an explicit folder (it ends in `/`). */
export const isFolderKey = (key: string): boolean => key.endsWith('/');

/**
 * Orders keys by the bytes of their UTF-8, the order S3 lists in. JavaScript
 * compares UTF-16 code units, which agrees except between a surrogate (a
 * character past U+FFFF) and a unit of U+E000–U+FFFF: those are swapped so
 * that code points, and so UTF-8 bytes, decide.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return byteRank(x) - byteRank(y);
  }
  return a.length - b.length;
}

function byteRank(unit: number): number {
  if (unit < 0xd800) return unit;
  // Surrogates (0xD800–0xDFFF) encode code points above every BMP unit.
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}
