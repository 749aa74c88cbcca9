import type { ListedFile } from '../../shared/protocol/types.ts';
import type { BucketContext } from '../context.ts';
import { S3Error } from '../errors.ts';
import { etagOf } from '../etag.ts';
import { keyOfEntry, listEntries, type ListEntry, type ListResult } from '../listing.ts';
import { OWNER } from '../owner.ts';
import { sendXml } from '../respond.ts';
import { S3_NAMESPACE, XmlWriter } from '../xml.ts';

/** The most entries a page of S3's listings holds, and its default size. */
export const MAX_KEYS = 1000;

interface CommonParameters {
  readonly prefix: string;
  readonly delimiter?: string;
  readonly maxKeys: number;
  /** encoding-type=url: keys and prefixes in the answer are percent-encoded. */
  readonly urlEncoded: boolean;
}

/** ListObjectsV2 (`?list-type=2`): pages continued by an opaque token, owners only with fetch-owner. */
export async function listObjectsV2(context: BucketContext): Promise<void> {
  const query = context.address.query;
  const common = commonParameters(query);
  const token = query.get('continuation-token');
  const startAfter = query.get('start-after') ?? undefined;
  // An empty token or start-after is none (and is echoed as given).
  const after = token ? decodeToken(token) : startAfter || undefined;
  const result = await page(context, common, after);
  const fetchOwner = query.get('fetch-owner') === 'true';
  const encode = encoder(common.urlEncoded);
  const xml = new XmlWriter().open('ListBucketResult', { xmlns: S3_NAMESPACE });
  xml.leaf('Name', context.bucket).leaf('Prefix', encode(common.prefix));
  xml.optional('Delimiter', common.delimiter === undefined ? undefined : encode(common.delimiter));
  xml.leaf('MaxKeys', common.maxKeys).optional('EncodingType', common.urlEncoded ? 'url' : undefined);
  xml.leaf('KeyCount', result.entries.length).leaf('IsTruncated', result.truncated);
  xml.optional('ContinuationToken', token).optional('NextContinuationToken', result.truncated && result.next !== undefined ? encodeToken(result.next) : undefined);
  xml.optional('StartAfter', startAfter === undefined ? undefined : encode(startAfter));
  writeEntries(xml, result.entries, encode, { owner: fetchOwner });
  sendXml(context.response, 200, xml.close());
}

/** ListObjects (version 1): pages continued by a marker, the last key; NextMarker only with a delimiter, as S3 gives it. */
export async function listObjects(context: BucketContext): Promise<void> {
  const query = context.address.query;
  const common = commonParameters(query);
  const marker = query.get('marker') ?? '';
  const result = await page(context, common, marker === '' ? undefined : marker);
  const encode = encoder(common.urlEncoded);
  const xml = new XmlWriter().open('ListBucketResult', { xmlns: S3_NAMESPACE });
  // Version 1 answers its Prefix as given, even with encoding-type=url: clients (botocore) decode every other element but not this one.
  xml.leaf('Name', context.bucket).leaf('Prefix', common.prefix).leaf('Marker', encode(marker));
  if (result.truncated && common.delimiter !== undefined && result.next !== undefined) xml.leaf('NextMarker', encode(result.next));
  xml.leaf('MaxKeys', common.maxKeys).optional('Delimiter', common.delimiter === undefined ? undefined : encode(common.delimiter));
  xml.optional('EncodingType', common.urlEncoded ? 'url' : undefined).leaf('IsTruncated', result.truncated);
  writeEntries(xml, result.entries, encode, { owner: true });
  sendXml(context.response, 200, xml.close());
}

/** ListObjectVersions (`?versions`): Pail keeps one version of each key, which S3 lists with the version id null. */
export async function listObjectVersions(context: BucketContext): Promise<void> {
  const query = context.address.query;
  const common = commonParameters(query);
  const keyMarker = query.get('key-marker') ?? '';
  const result = await page(context, common, keyMarker === '' ? undefined : keyMarker);
  const encode = encoder(common.urlEncoded);
  const xml = new XmlWriter().open('ListVersionsResult', { xmlns: S3_NAMESPACE });
  xml.leaf('Name', context.bucket).leaf('Prefix', encode(common.prefix)).leaf('KeyMarker', encode(keyMarker)).leaf('VersionIdMarker', '');
  if (result.truncated && result.next !== undefined) xml.leaf('NextKeyMarker', encode(result.next)).leaf('NextVersionIdMarker', 'null');
  xml.leaf('MaxKeys', common.maxKeys).optional('Delimiter', common.delimiter === undefined ? undefined : encode(common.delimiter));
  xml.optional('EncodingType', common.urlEncoded ? 'url' : undefined).leaf('IsTruncated', result.truncated);
  for (const entry of result.entries) {
    if (entry.kind !== 'object') continue;
    const { file } = entry;
    xml.open('Version').leaf('Key', encode(file.name)).leaf('VersionId', 'null').leaf('IsLatest', true).leaf('LastModified', file.modified);
    xml.optional('ETag', listedEtag(file)).leaf('Size', file.size).leaf('StorageClass', 'STANDARD');
    writeOwner(xml);
    xml.close();
  }
  writePrefixes(xml, result.entries, encode);
  sendXml(context.response, 200, xml.close());
}

function page(context: BucketContext, common: CommonParameters, after: string | undefined): Promise<ListResult> {
  const { prefix, delimiter, maxKeys } = common;
  return context.setup.lanes.command(context.signal, (c) => listEntries(c, context.bucket, { prefix, delimiter: delimiter === '' ? undefined : delimiter, after, maxKeys }));
}

function commonParameters(query: URLSearchParams): CommonParameters {
  const rawMax = query.get('max-keys');
  if (rawMax !== null && !/^\d+$/.test(rawMax)) throw new S3Error('InvalidArgument', 'max-keys takes a whole number from 0');
  const encoding = query.get('encoding-type');
  if (encoding !== null && encoding !== 'url') throw new S3Error('InvalidArgument', 'encoding-type takes url only');
  const delimiter = query.get('delimiter');
  return {
    prefix: query.get('prefix') ?? '',
    delimiter: delimiter === null || delimiter === '' ? undefined : delimiter,
    maxKeys: rawMax === null ? MAX_KEYS : Math.min(Number(rawMax), MAX_KEYS),
    urlEncoded: encoding === 'url',
  };
}

function writeEntries(xml: XmlWriter, entries: readonly ListEntry[], encode: (text: string) => string, options: { readonly owner: boolean }): void {
  for (const entry of entries) {
    if (entry.kind !== 'object') continue;
    const { file } = entry;
    xml.open('Contents').leaf('Key', encode(file.name)).leaf('LastModified', file.modified);
    xml.optional('ETag', listedEtag(file)).leaf('Size', file.size);
    if (options.owner) writeOwner(xml);
    xml.leaf('StorageClass', 'STANDARD').close();
  }
  writePrefixes(xml, entries, encode);
}

function writePrefixes(xml: XmlWriter, entries: readonly ListEntry[], encode: (text: string) => string): void {
  for (const entry of entries) if (entry.kind === 'prefix') xml.open('CommonPrefixes').leaf('Prefix', encode(keyOfEntry(entry))).close();
}

/** A listed file's ETag; none for a file whose SHA-256 the bucket server is still computing (put in its data folder behind its back). */
function listedEtag(file: ListedFile): string | undefined {
  if (file.etag !== undefined) return etagOf({ sha256: file.sha256 ?? '', etag: file.etag });
  return file.sha256 === null ? undefined : etagOf({ sha256: file.sha256 });
}

function writeOwner(xml: XmlWriter): void {
  xml.open('Owner').leaf('ID', OWNER.id).leaf('DisplayName', OWNER.displayName).close();
}

/** encoding-type=url percent-encodes as S3 does, `/` left as it is. */
/** The keys of a listing as the answer writes them: percent-encoded (but '/') for encoding-type=url. */
export function encoder(urlEncoded: boolean): (text: string) => string {
  return urlEncoded ? (text) => encodeURIComponent(text).replace(/%2F/g, '/') : (text) => text;
}

/** A continuation token: where the next page starts, base64url, opaque to the client. */
function encodeToken(after: string): string {
  return Buffer.from(after).toString('base64url');
}

function decodeToken(token: string): string {
  const after = Buffer.from(token, 'base64url').toString();
  if (after === '' || Buffer.from(after).toString('base64url') !== token) throw new S3Error('InvalidArgument', 'the continuation token is not one this server gave');
  return after;
}
