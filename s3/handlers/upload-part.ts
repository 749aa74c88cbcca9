import { PailError } from '../../shared/client/errors.ts';
import { keyProblem } from '../../shared/protocol/names.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import type { ObjectContext } from '../context.ts';
import { S3Error } from '../errors.ts';
import { headerValue } from '../headers.ts';
import { contentMd5Hex } from '../md5-check.ts';
import { sendEmpty, sendXml } from '../respond.ts';
import { S3_NAMESPACE, XmlWriter } from '../xml.ts';
import { copyPinned, copySource } from './copy-object.ts';
import { partNumberOf, uploadIdOf } from './multipart-uploads.ts';
import { bodySize, checksumSha256, digestMismatch } from './objects.ts';

/**
 * UploadPart (`PUT ?partNumber=N&uploadId=ID`): the body streamed into the
 * session's numbered part N on a transfer connection, as PutObject streams
 * an object; a Content-MD5 is checked by the bucket server before the part
 * is kept. The part's ETag is the MD5 of its bytes.
 */
export async function uploadPart(context: ObjectContext): Promise<void> {
  const { request, setup, verified } = context;
  const { headers } = request;
  const number = partNumberOf(context);
  const upload = uploadIdOf(context);
  const declared = verified.payload.kind === 'streaming' ? headerValue(headers, 'x-amz-decoded-content-length') : headers['content-length'];
  const size = bodySize(declared, headers['transfer-encoding']);
  if (size !== undefined && size > setup.maxFileSize) throw new S3Error('EntityTooLarge', `the part has ${size} bytes; the largest this server takes has ${setup.maxFileSize}`);
  const md5Header = headerValue(headers, 'content-md5');
  const md5 = md5Header === undefined ? undefined : contentMd5Hex(md5Header);
  const sha256 = verified.payload.kind === 'sha256' ? verified.payload.sha256.toLowerCase() : checksumSha256(headerValue(headers, 'x-amz-checksum-sha256'));
  const body = setup.auth.payload(request, verified, headers);
  const pool = await setup.lanes.transfer(request, context.response, context.signal);
  let stored;
  try {
    stored = await pool.use((c) => c.writeNumberedPart(upload, number, body, { size, md5, sha256 }), context.signal);
  } catch (err) {
    if (err instanceof PailError && err.reason === Reason.checksumMismatch) throw digestMismatch(err, verified.payload.kind === 'sha256');
    throw err;
  }
  sendEmpty(context.response, 200, { etag: `"${stored.md5}"` });
}

/**
 * UploadPartCopy (UploadPart with `x-amz-copy-source`, perhaps with
 * `x-amz-copy-source-range: bytes=A-B`): the source's bytes, or that range
 * of them, streamed from a download into the numbered part. As CopyObject,
 * the download is pinned to the version the copy conditions were judged on.
 */
export async function uploadPartCopy(context: ObjectContext): Promise<void> {
  const { request, response } = context;
  const number = partNumberOf(context);
  const upload = uploadIdOf(context);
  const source = copySource(headerValue(request.headers, 'x-amz-copy-source') ?? '');
  if (keyProblem(source.key)) throw new S3Error('NoSuchKey', `there is no object ${source.key}`);
  const rangeHeader = headerValue(request.headers, 'x-amz-copy-source-range');
  const stored = await copyPinned(
    context,
    source,
    (file) => copyRange(rangeHeader, file.size),
    (c, info, body) => c.writeNumberedPart(upload, number, body, { size: info.length }),
  );
  const xml = new XmlWriter().open('CopyPartResult', { xmlns: S3_NAMESPACE });
  xml.leaf('ETag', `"${stored.md5}"`).leaf('LastModified', new Date().toISOString()).close();
  return sendXml(response, 200, xml);
}

/** The bytes of the source a part copy takes: all of them, or `bytes=FIRST-LAST` wholly inside the source (S3 takes no other form). */
function copyRange(header: string | undefined, size: number): { offset?: number; length?: number } {
  if (header === undefined) return {};
  const match = /^bytes=(\d+)-(\d+)$/.exec(header.trim());
  if (!match) throw new S3Error('InvalidArgument', 'x-amz-copy-source-range is bytes=FIRST-LAST');
  const [first, last] = [Number(match[1]), Number(match[2])];
  if (first > last || last >= size) throw new S3Error('InvalidRange', `the range ${header} lies outside the source's ${size} bytes`);
  return { offset: first, length: last - first + 1 };
}
