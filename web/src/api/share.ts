import { bucketPath, request } from './http.ts';

/** A share link: an S3 presigned GET that works without a login until `expires` (ISO time). */
export interface ShareLink {
  readonly url: string;
  readonly expires: string;
}

/** The shortest and longest a link may last, in seconds (the gateway refuses others). */
export const SHARE_MIN_SECONDS = 3600;
export const SHARE_MAX_SECONDS = 604_800;

/** Asks the gateway for a link to the file that works for `expiresIn` seconds. */
export function createShareLink(bucket: string, key: string, expiresIn: number): Promise<ShareLink> {
  return request<ShareLink>('POST', `${bucketPath(bucket)}/share/${key.split('/').map(encodeURIComponent).join('/')}`, { expiresIn });
}
