import { XMLParser } from 'fast-xml-parser';
import { PailError } from '../../shared/client/errors.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import type { BucketContext, S3Context } from '../context.ts';
import { S3Error } from '../errors.ts';
import { OWNER } from '../owner.ts';
import { sendEmpty, sendXml } from '../respond.ts';
import { readSmallBody } from '../small-body.ts';
import { S3_NAMESPACE, XmlWriter } from '../xml.ts';

/** The region where S3 answers a CreateBucket of the caller's own bucket with success. */
const LEGACY_REGION = 'us-east-1';
/** CreateBucket's configuration is a few hundred bytes. */
const MAX_CONFIGURATION = 64 * 1024;

/** ListBuckets: every bucket, with the time it was made. */
export async function listBuckets(context: S3Context): Promise<void> {
  const buckets = await context.setup.lanes.command(context.signal, (c) => c.listBuckets());
  const xml = new XmlWriter().open('ListAllMyBucketsResult', { xmlns: S3_NAMESPACE });
  xml.open('Owner').leaf('ID', OWNER.id).leaf('DisplayName', OWNER.displayName).close();
  xml.open('Buckets');
  for (const bucket of buckets) xml.open('Bucket').leaf('Name', bucket.name).leaf('CreationDate', bucket.created).close();
  xml.close().close();
  sendXml(context.response, 200, xml);
}

/**
 * CreateBucket. A location constraint other than the listener's region is
 * refused as S3 does. One tenant owns every bucket, so an existing bucket
 * is always the caller's own: in us-east-1 S3 answers that with success
 * (what s3-tests' test_bucket_create_exists passes on), in every other
 * region with BucketAlreadyOwnedByYou (409).
 */
export async function createBucket(context: BucketContext): Promise<void> {
  const body = await readSmallBody(context, MAX_CONFIGURATION);
  const constraint = locationConstraint(body);
  const region = context.setup.region;
  if (constraint !== undefined && constraint !== '' && constraint !== region) {
    throw new S3Error('InvalidLocationConstraint', `this server's region is ${region}; the bucket cannot be made in ${constraint}`);
  }
  try {
    await context.setup.lanes.command(context.signal, (c) => c.createBucket(context.bucket));
  } catch (err) {
    if (!(region === LEGACY_REGION && err instanceof PailError && err.reason === Reason.exists)) throw err;
  }
  sendEmpty(context.response, 200, { location: `/${context.bucket}` });
}

function locationConstraint(body: Buffer): string | undefined {
  if (body.length === 0) return undefined;
  let parsed: { CreateBucketConfiguration?: { LocationConstraint?: unknown } };
  try {
    parsed = new XMLParser({ removeNSPrefix: true, parseTagValue: false }).parse(body) as typeof parsed;
  } catch {
    throw new S3Error('MalformedXML', 'the CreateBucketConfiguration is not well-formed XML');
  }
  const value = parsed.CreateBucketConfiguration?.LocationConstraint;
  return typeof value === 'string' ? value : undefined;
}

/** HeadBucket: 200 when the bucket exists (a NoSuchBucket otherwise, without a body as a HEAD has none). */
export async function headBucket(context: BucketContext): Promise<void> {
  await requireBucket(context);
  sendEmpty(context.response, 200, { 'x-amz-bucket-region': context.setup.region });
}

/** DeleteBucket: only an empty bucket (BucketNotEmpty otherwise). */
export async function deleteBucket(context: BucketContext): Promise<void> {
  await context.setup.lanes.command(context.signal, (c) => c.deleteBucket(context.bucket));
  sendEmpty(context.response, 204);
}

/** GetBucketLocation: the listener's region, us-east-1 written as S3 writes it (an empty constraint). */
export async function getBucketLocation(context: BucketContext): Promise<void> {
  await requireBucket(context);
  const region = context.setup.region;
  const xml = new XmlWriter().open('LocationConstraint', { xmlns: S3_NAMESPACE });
  if (region !== 'us-east-1') xml.text(region);
  sendXml(context.response, 200, xml.close());
}

/** GetBucketVersioning: Pail keeps no versions, which S3 says with an empty configuration. */
export async function getBucketVersioning(context: BucketContext): Promise<void> {
  await requireBucket(context);
  sendXml(context.response, 200, new XmlWriter().open('VersioningConfiguration', { xmlns: S3_NAMESPACE }).close());
}

/** GetBucketAcl and GetObjectAcl: the one owner has full control; nothing else is granted. */
export async function getAcl(context: BucketContext & { readonly key?: string }): Promise<void> {
  if (context.key === undefined) await requireBucket(context);
  else await context.setup.lanes.command(context.signal, (c) => c.stat(context.bucket, context.key!));
  const xml = new XmlWriter().open('AccessControlPolicy', { xmlns: S3_NAMESPACE });
  xml.open('Owner').leaf('ID', OWNER.id).leaf('DisplayName', OWNER.displayName).close();
  xml.open('AccessControlList').open('Grant');
  xml.open('Grantee', { 'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance', 'xsi:type': 'CanonicalUser' });
  xml.leaf('ID', OWNER.id).leaf('DisplayName', OWNER.displayName).close();
  xml.leaf('Permission', 'FULL_CONTROL').close().close().close();
  sendXml(context.response, 200, xml);
}

/** Fails with NoSuchBucket unless the bucket exists: one row of its listing, on the commands lane. */
export async function requireBucket(context: BucketContext): Promise<void> {
  await context.setup.lanes.command(context.signal, (c) => c.listPage(context.bucket, { limit: 1 }));
}
