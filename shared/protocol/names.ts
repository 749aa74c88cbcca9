/**
 * Naming rules for buckets and files. Pure checks, shared by the server (which
 * enforces them), the gateway and the web app (which check early so a person
 * sees the problem while typing). Each returns null when the name is fine, or
 * a sentence saying what is wrong.
 */
export const BUCKET_NAME_MIN = 3;
export const BUCKET_NAME_MAX = 63;
export const FILE_NAME_MAX_BYTES = 255;

const utf8 = new TextEncoder();
const BUCKET_CHARS = /^[a-z0-9.-]+$/;
const ALNUM_EDGES = /^[a-z0-9](?:.*[a-z0-9])?$/;
const IPV4_LIKE = /^\d{1,3}(?:\.\d{1,3}){3}$/;
// C0 controls, DEL and C1 controls: none may appear in a file name.
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

/** Any UTF-8 of 1–255 bytes without separators, NUL or controls, and not `.` or `..`. */
export function fileNameProblem(name: string): string | null {
  if (name.length === 0) return 'a file name is not empty';
  if (utf8.encode(name).length > FILE_NAME_MAX_BYTES) {
    return `a file name has at most ${FILE_NAME_MAX_BYTES} bytes of UTF-8`;
  }
  if (name.includes('/') || name.includes('\\')) return 'a file name has no / or \\';
  if (CONTROL.test(name)) return 'a file name has no NUL or control characters';
  if (name === '.' || name === '..') return 'a file name is not . or ..';
  if (!name.isWellFormed()) return 'a file name is well-formed Unicode';
  return null;
}

export const isBucketName = (name: string): boolean => bucketNameProblem(name) === null;
export const isFileName = (name: string): boolean => fileNameProblem(name) === null;
