import { Reason } from '../../../shared/protocol/reasons.ts';
import { StorageError } from '../storage.ts';

/** The s3 backend's refusals that several of its files give, worded once. */

export const noSuchBucket = (bucket: string) => new StorageError(Reason.noSuchBucket, `no bucket named ${bucket}`);
export const noSuchFile = (bucket: string, name: string) => new StorageError(Reason.noSuchFile, `no file named ${JSON.stringify(name)} in bucket ${bucket}`);
export const fileExists = (bucket: string, name: string) =>
  new StorageError(Reason.exists, `a file named ${JSON.stringify(name)} already exists in ${bucket}; upload with overwrite to replace it`);
export const tooLarge = (max: number) => new StorageError(Reason.tooLarge, `files are limited to ${max} bytes`);
