import { createHash } from 'node:crypto';

/**
 * S3's entity tag of an object made of numbered parts (`complete_u … parts=`):
 * the MD5 of the parts' binary MD5s, in the order completed, then a dash and
 * their count. Both storage backends give it to such a file, and the S3
 * listener knows a completion it already made by it.
 */
export function multipartEtag(partMd5s: readonly string[]): string {
  const md5s = createHash('md5');
  for (const md5 of partMd5s) md5s.update(Buffer.from(md5, 'hex'));
  return `${md5s.digest('hex')}-${partMd5s.length}`;
}
