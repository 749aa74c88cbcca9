import { XMLParser } from 'fast-xml-parser';
import { PailError } from '../../shared/client/errors.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import type { NumberedPart } from '../../shared/client/types.ts';
import { etagListMatches } from '../conditions.ts';
import type { ObjectContext } from '../context.ts';
import { asS3Error, S3Error } from '../errors.ts';
import { etagOf } from '../etag.ts';
import { headerValue } from '../headers.ts';
import { readSmallBody } from '../small-body.ts';
import { escapeXml, S3_NAMESPACE, XmlWriter } from '../xml.ts';
import { sendXml } from '../respond.ts';
import { multipartEtag } from '../../shared/protocol/etags.ts';
import { uploadIdOf } from './multipart-uploads.ts';

/** S3's least size of every part of a multipart upload but the last. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
/** 10,000 parts, each named by its number and a quoted MD5, in well under this. */
const MAX_COMPLETE_BODY = 2 * 1024 * 1024;
/** How often a completion still running sends a space, so that clients and proxies keep the connection. */
export const COMPLETION_KEEPALIVE_MS = 5000;
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

interface ListedPart {
  readonly number: number;
  readonly etag: string;
}

/**
 * CompleteMultipartUpload (`POST ?uploadId=ID`): the listed parts checked
 * against those the session holds (each there with its ETag, ascending,
 * each but the last at least 5 MiB), then the session completed from them.
 * The bucket server copies every part once, seconds for gigabytes: as S3
 * does, the 200 and its headers go out at once and a space every few
 * seconds keeps the connection, then the result, or an Error document in
 * the 200's body if the completion fails. If-None-Match: * completes only
 * if the key does not exist (the bucket server's create option, so a key
 * written meanwhile is caught); If-Match is checked, then completed.
 */
export async function completeMultipartUpload(context: ObjectContext): Promise<void> {
  const { request, response, setup, bucket, key, signal } = context;
  const upload = uploadIdOf(context);
  const listed = parseCompleteRequest(await readSmallBody(context, MAX_COMPLETE_BODY));
  const held = await setup.lanes.command(signal, (c) => c.listParts(upload)).catch(async (err: unknown) => {
    if (err instanceof PailError && err.reason === Reason.noSuchUpload && (await completedAlready(context, listed))) return undefined;
    throw err;
  });
  if (held === undefined) {
    // The same completion sent again (a client that lost the first answer): S3 answers it again.
    sendXml(response, 200, completionResult(bucket, key, `"${multipartEtag(listed.map((part) => bareMd5(part.etag)))}"`));
    return;
  }
  checkParts(listed, held);
  const ifNoneMatch = headerValue(request.headers, 'if-none-match');
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') throw new S3Error('NotImplemented', 'a CompleteMultipartUpload takes If-None-Match: * only');
  const ifMatch = headerValue(request.headers, 'if-match');
  if (ifNoneMatch !== undefined || ifMatch !== undefined) {
    const current = await setup.lanes.command(signal, (c) => c.stat(bucket, key)).catch((err: unknown) => {
      if (err instanceof PailError && err.reason === Reason.noSuchFile) return undefined;
      throw err;
    });
    if (ifNoneMatch !== undefined && current !== undefined) throw new S3Error('PreconditionFailed', `${key} exists and If-None-Match: * was given`);
    // Checked, then completed: an overwrite between the two is not caught (the protocol has no conditional overwrite yet).
    if (ifMatch !== undefined && (current === undefined || !etagListMatches(ifMatch, etagOf(current)))) {
      throw new S3Error(current === undefined ? 'NoSuchKey' : 'PreconditionFailed', 'the object does not have the ETag given in If-Match');
    }
  }
  // A completion copies every part, seconds of disk work for gigabytes: it takes a transfer's turn and connection, not a short command's.
  const transfers = await setup.lanes.transfer(request, response, signal);
  response.writeHead(200, { 'content-type': 'application/xml' });
  response.write(DECLARATION);
  const keepAlive = setInterval(() => {
    if (!response.destroyed) response.write(' ');
  }, setup.completionKeepAliveMs);
  let document: string;
  try {
    const stored = await transfers.use((c) => c.completeUpload(upload, { parts: listed.map((p) => p.number), create: ifNoneMatch !== undefined }), signal);
    document = completionResult(bucket, key, etagOf(stored)).toString().slice(DECLARATION.length);
  } catch (err) {
    let failure = asS3Error(err);
    if (err instanceof PailError && err.reason === Reason.exists) failure = new S3Error('PreconditionFailed', `${key} exists and If-None-Match: * was given`);
    if (failure.code === 'InternalError') setup.log.error({ err, bucket, key }, 'multipart completion failed');
    // The status is out: the failure goes in the body, as S3 sends it and the SDKs read it.
    document = `<Error><Code>${escapeXml(failure.code)}</Code><Message>${escapeXml(failure.message)}</Message><RequestId>${escapeXml(context.requestId)}</RequestId></Error>`;
  } finally {
    clearInterval(keepAlive);
  }
  response.end(document);
}

function completionResult(bucket: string, key: string, etag: string): XmlWriter {
  const xml = new XmlWriter().open('CompleteMultipartUploadResult', { xmlns: S3_NAMESPACE });
  return xml.leaf('Location', `/${bucket}/${key}`).leaf('Bucket', bucket).leaf('Key', key).leaf('ETag', etag).close();
}

/** A part's ETag as a client lists it (quoted or not) as the MD5 it names, or undefined when it is not one. */
function bareMd5(etag: string): string {
  return etag.trim().replace(/^"|"$/g, '').toLowerCase();
}

/**
 * Whether a completion of a session no longer held was already made: the
 * object at the key is the one these parts make, by S3's multipart ETag of
 * the part ETags listed. No record of completed sessions is needed, and an
 * object replaced since is not mistaken for it.
 */
async function completedAlready(context: ObjectContext, listed: readonly ListedPart[]): Promise<boolean> {
  const md5s = listed.map((part) => bareMd5(part.etag));
  if (!md5s.every((md5) => /^[0-9a-f]{32}$/.test(md5))) return false;
  const current = await context.setup.lanes.command(context.signal, (c) => c.stat(context.bucket, context.key)).catch(() => undefined);
  return current?.etag === multipartEtag(md5s);
}

/** Refuses a completion whose parts are not held with their ETags (InvalidPart), not ascending (InvalidPartOrder), or too small (EntityTooSmall). */
export function checkParts(listed: readonly ListedPart[], held: readonly NumberedPart[]): void {
  const byNumber = new Map(held.map((part) => [part.number, part]));
  listed.forEach((part, index) => {
    if (index > 0 && part.number <= listed[index - 1].number) throw new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.');
    const stored = byNumber.get(part.number);
    if (stored === undefined || !etagListMatches(part.etag, `"${stored.md5}"`) || part.etag.trim() === '*') {
      throw new S3Error('InvalidPart', `part ${part.number} is not held with the ETag ${part.etag}`);
    }
  });
  listed.slice(0, -1).forEach((part) => {
    if (byNumber.get(part.number)!.size < MIN_PART_SIZE) throw new S3Error('EntityTooSmall', `part ${part.number} is smaller than ${MIN_PART_SIZE} bytes, the least for every part but the last`);
  });
}

/** The parts of a `<CompleteMultipartUpload>` document, in its order. */
export function parseCompleteRequest(body: Buffer): ListedPart[] {
  let parsed: { CompleteMultipartUpload?: { Part?: { PartNumber?: unknown; ETag?: unknown }[] } };
  try {
    parsed = new XMLParser({ removeNSPrefix: true, parseTagValue: false, isArray: (name) => name === 'Part' }).parse(body, true) as typeof parsed;
  } catch {
    throw new S3Error('MalformedXML', 'the CompleteMultipartUpload document is not well-formed XML');
  }
  const document = parsed.CompleteMultipartUpload;
  if (typeof document !== 'object') throw new S3Error('MalformedXML', 'the body is not a CompleteMultipartUpload document');
  const parts = document.Part ?? [];
  if (parts.length === 0) throw new S3Error('MalformedXML', 'the CompleteMultipartUpload document names no Part');
  return parts.map((part) => {
    const number = typeof part.PartNumber === 'string' && /^\d{1,5}$/.test(part.PartNumber.trim()) ? Number(part.PartNumber) : NaN;
    if (!(number >= 1 && number <= 10_000) || typeof part.ETag !== 'string') throw new S3Error('MalformedXML', 'every Part has a PartNumber from 1 to 10000 and an ETag');
    return { number, etag: part.ETag };
  });
}
