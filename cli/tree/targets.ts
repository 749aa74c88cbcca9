import { UsageError } from '../errors.ts';

/**
 * `BUCKET[/PREFIX]` as the tree commands take it. Bucket names have no `/`,
 * so the first one splits. A prefix names a folder: `photos` and `photos/`
 * are the same folder (keys under `photos/`, never `photos2/…`), '' the
 * whole bucket.
 */
export function parseBucketTree(word: string): { bucket: string; prefix: string } {
  const slash = word.indexOf('/');
  const bucket = slash < 0 ? word : word.slice(0, slash);
  if (bucket === '') throw new UsageError(`${JSON.stringify(word)} names no bucket: write BUCKET or BUCKET/PREFIX`);
  return { bucket, prefix: folderPrefix(slash < 0 ? '' : word.slice(slash + 1)) };
}

/** '' stays the whole bucket; any other prefix ends in `/`. */
export function folderPrefix(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}
