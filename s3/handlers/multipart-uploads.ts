import { Buffer } from 'node:buffer';
import { KEY_MAX_BYTES } from '../../shared/protocol/names.ts';
import { MAX_PART_NUMBER } from '../../shared/protocol/commands.ts';
import type { ObjectContext } from '../context.ts';
import { S3Error } from '../errors.ts';
import { attrsOfRequest } from '../object-attrs.ts';
import { sendEmpty, sendXml } from '../respond.ts';
import { S3_NAMESPACE, XmlWriter } from '../xml.ts';
import { s3UploadId, sessionOfUploadId } from '../upload-ids.ts';

/**
 * CreateMultipartUpload (`POST ?uploads`): an upload session of numbered
 * parts, begun with the object's headers and metadata as PutObject keeps
 * them, and overwrite (a completion replaces the key, as S3's does).
 */
export async function createMultipartUpload(context: ObjectContext): Promise<void> {
  const { request, bucket, key, setup, signal } = context;
  if (Buffer.byteLength(key) > KEY_MAX_BYTES) throw new S3Error('KeyTooLongError', `a key has at most ${KEY_MAX_BYTES} bytes`);
  const attrs = attrsOfRequest(request.headers);
  const upload = await setup.lanes.command(signal, (c) => c.beginUpload(bucket, key, { parts: true, overwrite: true, attrs }));
  const xml = new XmlWriter().open('InitiateMultipartUploadResult', { xmlns: S3_NAMESPACE });
  xml.leaf('Bucket', bucket).leaf('Key', key).leaf('UploadId', s3UploadId(upload, bucket, key)).close();
  sendXml(context.response, 200, xml);
}

/** AbortMultipartUpload (`DELETE ?uploadId`): the session and its parts let go; NoSuchUpload when there is none. */
export async function abortMultipartUpload(context: ObjectContext): Promise<void> {
  const upload = uploadIdOf(context);
  await context.setup.lanes.command(context.signal, (c) => c.abortUpload(upload));
  sendEmpty(context.response, 204);
}

/** The session the request's uploadId names: NoSuchUpload when it was made for another key, or the bucket server's no-such-upload when there is no such session. */
export function uploadIdOf(context: ObjectContext): string {
  return sessionOfUploadId(context.address.query.get('uploadId') ?? '', context.bucket, context.key);
}

/** The request's partNumber: 1 to 10,000, else InvalidArgument. */
export function partNumberOf(context: ObjectContext): number {
  const text = context.address.query.get('partNumber') ?? '';
  const number = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(number >= 1 && number <= MAX_PART_NUMBER)) throw new S3Error('InvalidArgument', `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`);
  return number;
}
