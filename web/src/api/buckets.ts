import type { BucketList, CreatedBucket, FileList } from '../../../shared/api/types.ts';
import type { BucketInfo, FileInfo } from '../../../shared/protocol/types.ts';
import { bucketPath, filePath, request } from './http.ts';

export async function listBuckets(): Promise<readonly BucketInfo[]> {
  return (await request<BucketList>('GET', '/api/buckets')).buckets;
}

export async function createBucket(name: string): Promise<void> {
  await request<CreatedBucket>('POST', '/api/buckets', { name });
}

export async function deleteBucket(name: string, force: boolean): Promise<void> {
  await request<null>('DELETE', `${bucketPath(name)}${force ? '?force=true' : ''}`);
}

export interface PageOptions {
  /** Only keys starting with this. */
  readonly prefix?: string;
  /** `/`: keys below the next `/` after the prefix come back as one folder row each. */
  readonly delimiter?: '/';
  /** Start after this key (the `next` of the page before). */
  readonly after?: string;
  /** At most this many rows, folders included. */
  readonly limit?: number;
  readonly signal?: AbortSignal;
}

/** One page of a bucket's listing (GET /api/buckets/:bucket/files with prefix, delimiter, after and limit). */
export async function listPage(bucket: string, options: PageOptions): Promise<FileList> {
  const query = new URLSearchParams();
  if (options.prefix) query.set('prefix', options.prefix);
  if (options.delimiter) query.set('delimiter', options.delimiter);
  if (options.after !== undefined) query.set('after', options.after);
  if (options.limit !== undefined) query.set('limit', String(options.limit));
  const text = query.toString();
  const page = await request<FileList>('GET', `${bucketPath(bucket)}/files${text ? `?${text}` : ''}`, undefined, { signal: options.signal });
  return { bucket: page.bucket, prefix: page.prefix ?? '', files: page.files, folders: page.folders ?? [], next: page.next ?? null };
}

export async function deleteFile(bucket: string, key: string): Promise<void> {
  await request<null>('DELETE', filePath(bucket, key));
}

/** Creates an explicit folder: a key ending in `/` with no bytes. */
export async function createFolder(bucket: string, folder: string): Promise<FileInfo> {
  return request<FileInfo>('PUT', filePath(bucket, folder));
}

/** The address a plain `<a href download>` fetches the file from. */
export const downloadUrl = filePath;

/** Where a form posts a selection to get it back as one zip, names relative to `base`. */
export const zipUrl = (bucket: string, base: string): string => `${bucketPath(bucket)}/zip${base ? `?base=${encodeURIComponent(base)}` : ''}`;
