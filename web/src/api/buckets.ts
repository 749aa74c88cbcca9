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

export async function listFiles(bucket: string): Promise<readonly FileInfo[]> {
  return (await request<FileList>('GET', `${bucketPath(bucket)}/files`)).files;
}

export async function deleteFile(bucket: string, name: string): Promise<void> {
  await request<null>('DELETE', filePath(bucket, name));
}

/** The address a plain `<a href download>` fetches the file from. */
export const downloadUrl = filePath;
