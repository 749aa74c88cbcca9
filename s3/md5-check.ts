import { createHash } from 'node:crypto';
import { S3Error } from './errors.ts';

/** The 16 bytes a Content-MD5 header names (base64), or InvalidDigest. */
export function contentMd5(header: string): string {
  const bytes = Buffer.from(header, 'base64');
  if (bytes.length !== 16 || bytes.toString('base64') !== header.trim()) throw new S3Error('InvalidDigest', 'Content-MD5 is not the base64 of 16 bytes');
  return bytes.toString('base64');
}

/**
 * The body's bytes, checked against its Content-MD5 before the last of them
 * is passed on: the last chunk is held back until the source ends and the
 * digest agrees, so the bucket server never receives a whole body whose
 * MD5 differs and the upload it was part of is dropped unfinished.
 */
export async function* heldUntilMd5Matches(source: AsyncIterable<Buffer>, expectedBase64: string): AsyncGenerator<Buffer> {
  const hash = createHash('md5');
  let held: Buffer | undefined;
  for await (const chunk of source) {
    if (held) yield held;
    hash.update(chunk);
    held = chunk;
  }
  if (hash.digest('base64') !== expectedBase64) throw new S3Error('BadDigest', 'the body does not have the MD5 given in Content-MD5');
  if (held) yield held;
}
