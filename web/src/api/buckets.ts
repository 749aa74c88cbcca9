import type { BucketInfo, FileInfo } from '../../../shared/protocol/types.ts';
import { bucketPath, filePath, request } from './http.ts';

/** Accepts a bare array or `{ [key]: array }`, whichever the gateway sends. */
function listOf<T>(body: unknown, key: string): T[] {
  if (Array.isArray(body)) return body as T[];
  const inner = (body as Record<string, unknown> | null)?.[key];
  return Array.isArray(inner) ? (inner as T[]) : [];
}

export async function listBuckets(): Promise<BucketInfo[]> {
  return listOf<BucketInfo>(await request<unknown>('GET', '/api/buckets'), 'buckets');
}

export async function createBucket(name: string): Promise<void> {
  await request<unknown>('POST', '/api/buckets', { name });
}

export async function deleteBucket(name: string, force: boolean): Promise<void> {
  await request<unknown>('DELETE', `${bucketPath(name)}${force ? '?force=true' : ''}`);
}

export async function listFiles(bucket: string): Promise<FileInfo[]> {
  const files = listOf<Omit<FileInfo, 'bucket'> & { bucket?: string }>(
    await request<unknown>('GET', `${bucketPath(bucket)}/files`),
    'files',
  );
  return files.map((f) => ({ ...f, bucket: f.bucket ?? bucket }));
}

export async function deleteFile(bucket: string, name: string): Promise<void> {
  await request<unknown>('DELETE', filePath(bucket, name));
}

/** The address a plain `<a href download>` fetches the file from. */
export const downloadUrl = filePath;
