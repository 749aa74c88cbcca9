import { resolve } from 'node:path';
import type { Settings } from '../../shared/config/settings.ts';
import { redactStoreUrl } from '../../shared/config/store-url.ts';
import { FsStorage } from './fs-storage.ts';
import type { Storage } from './storage.ts';
import type { StorageLog } from './storage-log.ts';

/** The storage the settings choose: the data folder (`fs`), or an S3 engine's buckets. */
export async function openStorage(settings: Settings, log: StorageLog): Promise<{ storage: Storage; where: string }> {
  const options = { maxFileSize: settings.maxFileSize, quota: settings.quota, uploadTtlMs: settings.uploadTtlMs, log };
  if (settings.store === 'fs' || settings.store === '') {
    const data = resolve(settings.data);
    return { storage: await FsStorage.open(data, options), where: data };
  }
  // Loaded only when chosen: the S3 client stays out of a bucket server on fs.
  const [{ S3Storage }, { DEFAULT_TIMEOUTS }] = await Promise.all([import('./s3/s3-storage.ts'), import('./s3/engine-client.ts')]);
  const engineTimeouts = { connectMs: DEFAULT_TIMEOUTS.connectMs, silentMs: settings.idleTimeoutMs };
  return { storage: await S3Storage.open(settings.store, { ...options, engineTimeouts }), where: redactStoreUrl(settings.store) };
}
