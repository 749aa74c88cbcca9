import { S3Error } from './errors.ts';

/** The MD5 a Content-MD5 header names (base64 of 16 bytes), as hex; InvalidDigest when it is not one. */
export function contentMd5Hex(header: string): string {
  const bytes = Buffer.from(header.trim(), 'base64');
  if (bytes.length !== 16 || bytes.toString('base64') !== header.trim()) throw new S3Error('InvalidDigest', 'Content-MD5 is not the base64 of 16 bytes');
  return bytes.toString('hex');
}
