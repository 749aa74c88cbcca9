import { createHash } from 'node:crypto';
import { S3Error } from './errors.ts';

/**
 * S3 names a multipart upload by its id and its key together: an id given
 * with another key is NoSuchUpload. The bucket server's session id is tied to
 * the bucket and key it was begun for by a tag of their hash, checked before
 * any command is sent. The tag is no secret (whoever holds an id may use it
 * anyway); it only keeps one key's upload from being used through another.
 */
export function s3UploadId(session: string, bucket: string, key: string): string {
  return `${session}.${tag(session, bucket, key)}`;
}

/** The session an upload id names, when it was made for this bucket and key; NoSuchUpload otherwise. */
export function sessionOfUploadId(uploadId: string, bucket: string, key: string): string {
  const dot = uploadId.lastIndexOf('.');
  const session = uploadId.slice(0, dot);
  if (dot <= 0 || uploadId.slice(dot + 1) !== tag(session, bucket, key)) {
    throw new S3Error('NoSuchUpload', 'The specified upload does not exist for this key. The upload ID may be invalid, or the upload may have been aborted or completed.');
  }
  return session;
}

function tag(session: string, bucket: string, key: string): string {
  return createHash('sha256').update(`${bucket}\n${key}\n${session}`).digest('base64url').slice(0, 11);
}
