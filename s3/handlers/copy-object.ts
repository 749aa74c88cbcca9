import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { PailConnection } from '../../shared/client/connection.ts';
import type { DownloadInfo } from '../../shared/client/types.ts';
import type { FileInfo } from '../../shared/protocol/types.ts';
import { PailError } from '../../shared/client/errors.ts';
import { keyProblem } from '../../shared/protocol/names.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { evaluateConditions } from '../conditions.ts';
import type { ObjectContext } from '../context.ts';
import { S3Error } from '../errors.ts';
import { etagOf } from '../etag.ts';
import { headerValue } from '../headers.ts';
import { attrsOfRequest } from '../object-attrs.ts';
import { sendXml } from '../respond.ts';
import { S3_NAMESPACE, XmlWriter } from '../xml.ts';

/** Stats a copy may take when its source keeps being overwritten between its stat and its bytes. */
const VERSION_ATTEMPTS = 3;

/**
 * CopyObject (a PUT with `x-amz-copy-source`): the source's bytes streamed
 * from a download into an upload, through the listener, on two bucket
 * server connections. The download is pinned to the version the
 * x-amz-copy-source-if-* conditions were judged on, and the upload is
 * checked against that version's SHA-256, so the copy is that version
 * whole or nothing. The copy's ETag is the MD5 of its bytes; it keeps the
 * source's headers and metadata, or takes the request's with
 * `x-amz-metadata-directive: REPLACE`.
 */
export async function copyObject(context: ObjectContext): Promise<void> {
  const { request, response, bucket, key } = context;
  const source = copySource(headerValue(request.headers, 'x-amz-copy-source') ?? '');
  const directive = headerValue(request.headers, 'x-amz-metadata-directive') ?? 'COPY';
  if (directive !== 'COPY' && directive !== 'REPLACE') throw new S3Error('InvalidArgument', 'x-amz-metadata-directive is COPY or REPLACE');
  if (source.bucket === bucket && source.key === key && directive === 'COPY') {
    throw new S3Error('InvalidRequest', 'a copy of an object onto itself must change something (x-amz-metadata-directive: REPLACE)');
  }
  if (keyProblem(source.key)) throw new S3Error('NoSuchKey', `there is no object ${source.key}`);
  const stored = await copyPinned(context, source, () => ({}), (c, info, body) => {
    // COPY keeps the source's headers and metadata, REPLACE takes the request's; the copy's ETag is its MD5, as S3's is.
    const attrs = directive === 'COPY' ? info.attrs : attrsOfRequest(request.headers);
    return c.upload(bucket, key, body, { size: info.length, overwrite: true, sha256: info.sha256, md5: true, attrs });
  });
  const xml = new XmlWriter().open('CopyObjectResult', { xmlns: S3_NAMESPACE });
  xml.leaf('ETag', etagOf(stored)).leaf('LastModified', stored.modified).close();
  return sendXml(response, 200, xml);
}

/**
 * The copy both CopyObject and UploadPartCopy make: the source stat'd and
 * judged by the request's x-amz-copy-source-if-* conditions, its bytes (the
 * `range` of that version, if any) downloaded pinned to that version's
 * SHA-256 and handed to `write` on a connection of the copies pool. A source
 * overwritten between the stat and its bytes is stat'd again, a few times.
 */
export async function copyPinned<T>(
  context: ObjectContext,
  source: { readonly bucket: string; readonly key: string },
  range: (file: FileInfo) => { offset?: number; length?: number },
  write: (connection: PailConnection, info: DownloadInfo, body: Readable) => Promise<T>,
): Promise<T> {
  const { request, response, setup, signal } = context;
  const transfers = await setup.lanes.transfer(request, response, signal);
  for (let attempt = 1; ; attempt++) {
    const file = await setup.lanes.command(signal, (c) => c.stat(source.bucket, source.key));
    requireCopySourceConditions(request.headers, file);
    try {
      const download = await transfers.download(source.bucket, source.key, { ...range(file), sha256: file.sha256 }, signal);
      try {
        return await setup.lanes.copies.use((c) => write(c, download.info, download.body), signal);
      } finally {
        // A write refused before it read the body leaves the download unread: it lets go of its connection.
        if (!download.body.readableEnded) download.body.destroy();
      }
    } catch (err) {
      if (err instanceof PailError && err.reason === Reason.changed && attempt < VERSION_ATTEMPTS) continue;
      throw err;
    }
  }
}

/** Refuses (412, as S3 answers every copy condition that does not hold) a copy whose x-amz-copy-source-if-* conditions the source fails. */
export function requireCopySourceConditions(headers: IncomingHttpHeaders, file: FileInfo): void {
  const verdict = evaluateConditions(
    {
      'if-match': headerValue(headers, 'x-amz-copy-source-if-match'),
      'if-none-match': headerValue(headers, 'x-amz-copy-source-if-none-match'),
      'if-modified-since': headerValue(headers, 'x-amz-copy-source-if-modified-since'),
      'if-unmodified-since': headerValue(headers, 'x-amz-copy-source-if-unmodified-since'),
    },
    { etag: etagOf(file), modified: file.modified },
  );
  if (verdict !== 'proceed') throw new S3Error('PreconditionFailed', 'a condition on the copy source does not hold');
}

/** The bucket and key of `x-amz-copy-source`: `BUCKET/KEY` or `/BUCKET/KEY`, percent-encoded, perhaps with `?versionId=null`. */
export function copySource(header: string): { bucket: string; key: string } {
  const mark = header.indexOf('?');
  const path = (mark < 0 ? header : header.slice(0, mark)).replace(/^\//, '');
  if (mark >= 0) {
    const version = new URLSearchParams(header.slice(mark + 1)).get('versionId');
    if (version !== null && version !== 'null') throw new S3Error('NoSuchVersion', 'Pail keeps one version of each key, whose id is null');
  }
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) throw new S3Error('InvalidArgument', 'x-amz-copy-source names BUCKET/KEY');
  try {
    return { bucket: decodeURIComponent(path.slice(0, slash)), key: decodeURIComponent(path.slice(slash + 1)) };
  } catch {
    throw new S3Error('InvalidArgument', 'x-amz-copy-source is not valid percent-encoded UTF-8');
  }
}
