import { bucketNameProblem } from '../shared/protocol/names.ts';

/**
 * What is wrong with a bucket name for S3, or null: Pail's rules (S3's own),
 * and, for a bucket being made, S3's further rule that a dot and a hyphen
 * never touch (`a.-b`, `a-.b`), which Pail's rules allow. A bucket of such
 * a name made through the protocol is still served.
 */
export function s3BucketNameProblem(name: string, making: boolean): string | null {
  const problem = bucketNameProblem(name);
  if (problem) return problem;
  if (making && (name.includes('.-') || name.includes('-.'))) return 'a bucket name has no dot beside a hyphen';
  return null;
}
