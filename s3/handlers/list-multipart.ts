import type { UploadSessionRow } from '../../shared/client/types.ts';
import type { BucketContext, ObjectContext } from '../context.ts';
import { S3Error } from '../errors.ts';
import { OWNER } from '../owner.ts';
import { sendXml } from '../respond.ts';
import { S3_NAMESPACE, XmlWriter } from '../xml.ts';
import { encoder } from './list-objects.ts';
import { uploadIdOf } from './multipart-uploads.ts';
import { s3UploadId } from '../upload-ids.ts';

/** S3's default and largest page of ListParts and ListMultipartUploads. */
const MAX_PAGE = 1000;

/** A max-parts or max-uploads parameter: 0 to 1000, 1000 when absent (S3 answers a larger one with 1000). */
function pageSize(query: URLSearchParams, name: string): number {
  const raw = query.get(name);
  if (raw === null) return MAX_PAGE;
  if (!/^\d+$/.test(raw)) throw new S3Error('InvalidArgument', `${name} takes a whole number from 0`);
  return Math.min(Number(raw), MAX_PAGE);
}

function people(xml: XmlWriter): void {
  xml.open('Initiator').leaf('ID', OWNER.id).leaf('DisplayName', OWNER.displayName).close();
  xml.open('Owner').leaf('ID', OWNER.id).leaf('DisplayName', OWNER.displayName).close();
}

/** ListParts (`GET ?uploadId=ID`): the session's parts in number order, paged by part-number-marker and max-parts. */
export async function listParts(context: ObjectContext): Promise<void> {
  const { query } = context.address;
  const upload = uploadIdOf(context);
  const maxParts = pageSize(query, 'max-parts');
  const rawMarker = query.get('part-number-marker');
  if (rawMarker !== null && !/^\d+$/.test(rawMarker)) throw new S3Error('InvalidArgument', 'part-number-marker takes a whole number');
  const marker = Number(rawMarker ?? 0);
  const held = await context.setup.lanes.command(context.signal, (c) => c.listParts(upload));
  const after = held.filter((part) => part.number > marker);
  const page = after.slice(0, maxParts);
  const truncated = after.length > page.length;
  const xml = new XmlWriter().open('ListPartsResult', { xmlns: S3_NAMESPACE });
  xml.leaf('Bucket', context.bucket).leaf('Key', context.key).leaf('UploadId', context.address.query.get('uploadId') ?? '');
  people(xml);
  xml.leaf('StorageClass', 'STANDARD').leaf('PartNumberMarker', marker);
  if (page.length > 0) xml.leaf('NextPartNumberMarker', page[page.length - 1].number);
  xml.leaf('MaxParts', maxParts).leaf('IsTruncated', truncated);
  for (const part of page) {
    xml.open('Part').leaf('PartNumber', part.number).leaf('LastModified', part.modified).leaf('ETag', `"${part.md5}"`).leaf('Size', part.size).close();
  }
  sendXml(context.response, 200, xml.close());
}

type UploadEntry = { readonly kind: 'upload'; readonly row: UploadSessionRow } | { readonly kind: 'prefix'; readonly prefix: string };

/**
 * ListMultipartUploads (`GET ?uploads`): the bucket's sessions of numbered
 * parts (ls_u's rows that end in `parts`), sorted by key and then by
 * initiation, under prefix, rolled up at delimiter, after key-marker (and
 * upload-id-marker within it), at most max-uploads.
 */
export async function listMultipartUploads(context: BucketContext): Promise<void> {
  const { query } = context.address;
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') || undefined;
  const keyMarker = query.get('key-marker') ?? '';
  const uploadIdMarker = keyMarker === '' ? '' : (query.get('upload-id-marker') ?? '');
  const maxUploads = pageSize(query, 'max-uploads');
  const encoding = query.get('encoding-type');
  if (encoding !== null && encoding !== 'url') throw new S3Error('InvalidArgument', 'encoding-type takes url only');
  const encode = encoder(encoding === 'url');
  const rows = await context.setup.lanes.command(context.signal, (c) => c.listUploads(context.bucket));
  const sorted = rows
    .filter((row) => row.numbered && row.key.startsWith(prefix))
    // S3's upload ids: the session's, tied to its key.
    .map((row) => ({ ...row, id: s3UploadId(row.id, context.bucket, row.key) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.created < b.created ? -1 : a.created > b.created ? 1 : a.id < b.id ? -1 : 1));
  // After the marker: a later key, or the marker's key with an upload begun after upload-id-marker's.
  const markerRow = sorted.find((row) => row.key === keyMarker && row.id === uploadIdMarker);
  const past = sorted.filter((row) => {
    if (keyMarker === '') return true;
    if (row.key !== keyMarker) return row.key > keyMarker && !(delimiter !== undefined && keyMarker.endsWith(delimiter) && row.key.startsWith(keyMarker));
    if (uploadIdMarker === '' || markerRow === undefined) return false;
    return row.created > markerRow.created || (row.created === markerRow.created && row.id > markerRow.id);
  });
  const entries: UploadEntry[] = [];
  let truncated = false;
  for (const row of past) {
    const at = delimiter === undefined ? -1 : row.key.indexOf(delimiter, prefix.length);
    const rolled = at < 0 ? undefined : row.key.slice(0, at + delimiter!.length);
    const last = entries[entries.length - 1];
    if (rolled !== undefined && last?.kind === 'prefix' && last.prefix === rolled) continue;
    if (entries.length === maxUploads) {
      truncated = true;
      break;
    }
    entries.push(rolled === undefined ? { kind: 'upload', row } : { kind: 'prefix', prefix: rolled });
  }
  const lastEntry = entries[entries.length - 1];
  const xml = new XmlWriter().open('ListMultipartUploadsResult', { xmlns: S3_NAMESPACE });
  xml.leaf('Bucket', context.bucket).leaf('KeyMarker', encode(keyMarker)).leaf('UploadIdMarker', uploadIdMarker);
  if (truncated && lastEntry !== undefined) {
    xml.leaf('NextKeyMarker', encode(lastEntry.kind === 'upload' ? lastEntry.row.key : lastEntry.prefix));
    xml.leaf('NextUploadIdMarker', lastEntry.kind === 'upload' ? lastEntry.row.id : '');
  }
  xml.leaf('Prefix', encode(prefix)).optional('Delimiter', delimiter === undefined ? undefined : encode(delimiter)).leaf('MaxUploads', maxUploads).leaf('IsTruncated', truncated);
  xml.optional('EncodingType', encoding ?? undefined);
  for (const entry of entries) {
    if (entry.kind === 'prefix') {
      xml.open('CommonPrefixes').leaf('Prefix', encode(entry.prefix)).close();
      continue;
    }
    xml.open('Upload').leaf('Key', encode(entry.row.key)).leaf('UploadId', entry.row.id);
    people(xml);
    xml.leaf('StorageClass', 'STANDARD').leaf('Initiated', entry.row.created).close();
  }
  sendXml(context.response, 200, xml.close());
}
