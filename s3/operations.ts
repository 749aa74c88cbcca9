import type { IncomingHttpHeaders } from 'node:http';
import type { BucketContext, ObjectContext, S3Context } from './context.ts';
import { S3Error } from './errors.ts';
import { createBucket, deleteBucket, getAcl, getBucketLocation, getBucketVersioning, headBucket, listBuckets } from './handlers/buckets.ts';
import { copyObject } from './handlers/copy-object.ts';
import { completeMultipartUpload } from './handlers/complete-multipart.ts';
import { deleteObjects } from './handlers/delete-objects.ts';
import { listMultipartUploads, listParts } from './handlers/list-multipart.ts';
import { abortMultipartUpload, createMultipartUpload } from './handlers/multipart-uploads.ts';
import { uploadPart, uploadPartCopy } from './handlers/upload-part.ts';
import { listObjects, listObjectsV2, listObjectVersions } from './handlers/list-objects.ts';
import { deleteObject, getObject, headObject, putObject } from './handlers/objects.ts';

/** What a request names: the service itself, a bucket, or an object. */
export type Target = 'service' | 'bucket' | 'object';

/**
 * An S3 operation: the method and target it answers, the selector that
 * tells it from the others of that method and target, whether it changes
 * anything (a read-only key is refused it), and what does it. Selectors:
 * `?name` a query parameter present, `?name=value` with that value,
 * `?name!=value` present with another value,
 * `header:name` a request header present; several, space-separated, all
 * hold. No handler: NotImplemented.
 */
export interface S3Operation {
  readonly name: string;
  /** `*` for every method (the unsupported families). */
  readonly method: string;
  readonly target: Target;
  readonly selector?: string;
  readonly writes: boolean;
  readonly handler?: (context: never) => Promise<void>;
}

type Handler<C> = (context: C) => Promise<void>;

function service(name: string, method: string, handler: Handler<S3Context>): S3Operation {
  return { name, method, target: 'service', writes: false, handler };
}

function bucket(name: string, method: string, selector: string | undefined, writes: boolean, handler: Handler<BucketContext>): S3Operation {
  return { name, method, target: 'bucket', selector, writes, handler };
}

function object(name: string, method: string, selector: string | undefined, writes: boolean, handler: Handler<ObjectContext>): S3Operation {
  return { name, method, target: 'object', selector, writes, handler };
}

/** What S3 has and Pail does not: answered NotImplemented on any method (docs/s3.md lists them). */
function unsupported(name: string, target: Target, selector: string): S3Operation {
  return { name, method: '*', target, selector, writes: false };
}

const BUCKET_SUBRESOURCES_NOT_IMPLEMENTED = [
  ['versioning', 'PutBucketVersioning'],
  ['acl', 'PutBucketAcl'],
  ['policy', 'Bucket policies'],
  ['policyStatus', 'GetBucketPolicyStatus'],
  ['lifecycle', 'Bucket lifecycle'],
  ['object-lock', 'Object lock'],
  ['encryption', 'Default encryption'],
  ['tagging', 'Bucket tagging'],
  ['cors', 'CORS configuration'],
  ['website', 'Static website hosting'],
  ['logging', 'Access logging'],
  ['notification', 'Event notifications'],
  ['replication', 'Replication'],
  ['accelerate', 'Transfer acceleration'],
  ['requestPayment', 'Requester pays'],
  ['analytics', 'Analytics configuration'],
  ['metrics', 'Metrics configuration'],
  ['inventory', 'Inventory configuration'],
  ['intelligent-tiering', 'Intelligent tiering'],
  ['ownershipControls', 'Ownership controls'],
  ['publicAccessBlock', 'Public access block'],
] as const;

const OBJECT_SUBRESOURCES_NOT_IMPLEMENTED = [
  ['acl', 'PutObjectAcl'],
  ['tagging', 'Object tagging'],
  ['retention', 'Object retention'],
  ['legal-hold', 'Legal hold'],
  ['torrent', 'GetObjectTorrent'],
  ['restore', 'RestoreObject'],
  ['select', 'SelectObjectContent'],
  ['attributes', 'GetObjectAttributes'],
] as const;

/** Every operation the router knows, read in order: the first that fits a request serves it. */
export const OPERATIONS: readonly S3Operation[] = [
  service('ListBuckets', 'GET', listBuckets),

  bucket('GetBucketLocation', 'GET', '?location', false, getBucketLocation),
  bucket('GetBucketVersioning', 'GET', '?versioning', false, getBucketVersioning),
  bucket('GetBucketAcl', 'GET', '?acl', false, getAcl),
  bucket('ListObjectVersions', 'GET', '?versions', false, listObjectVersions),
  bucket('DeleteObjects', 'POST', '?delete', true, deleteObjects),
  bucket('ListMultipartUploads', 'GET', '?uploads', false, listMultipartUploads),
  ...BUCKET_SUBRESOURCES_NOT_IMPLEMENTED.map(([selector, name]) => unsupported(name, 'bucket', `?${selector}`)),
  bucket('ListObjectsV2', 'GET', '?list-type=2', false, listObjectsV2),
  bucket('ListObjects', 'GET', undefined, false, listObjects),
  bucket('HeadBucket', 'HEAD', undefined, false, headBucket),
  bucket('CreateBucket', 'PUT', undefined, true, createBucket),
  bucket('DeleteBucket', 'DELETE', undefined, true, deleteBucket),

  object('GetObjectAcl', 'GET', '?acl', false, getAcl),
  object('CreateMultipartUpload', 'POST', '?uploads', true, createMultipartUpload),
  object('CompleteMultipartUpload', 'POST', '?uploadId', true, completeMultipartUpload),
  object('UploadPartCopy', 'PUT', '?uploadId header:x-amz-copy-source', true, uploadPartCopy),
  object('UploadPart', 'PUT', '?uploadId', true, uploadPart),
  object('ListParts', 'GET', '?uploadId', false, listParts),
  object('AbortMultipartUpload', 'DELETE', '?uploadId', true, abortMultipartUpload),
  ...OBJECT_SUBRESOURCES_NOT_IMPLEMENTED.map(([selector, name]) => unsupported(name, 'object', `?${selector}`)),
  object('CopyObject', 'PUT', 'header:x-amz-copy-source', true, copyObject),
  // Pail keeps one version of each key, whose id S3 writes as null: any other id names a version that cannot exist.
  unsupported('Object versions', 'object', '?versionId!=null'),
  object('GetObject', 'GET', undefined, false, getObject),
  object('HeadObject', 'HEAD', undefined, false, headObject),
  object('PutObject', 'PUT', undefined, true, putObject),
  object('DeleteObject', 'DELETE', undefined, true, deleteObject),
];

/** Whether a request has what a selector asks for. */
export function selectorHolds(selector: string | undefined, query: URLSearchParams, headers: IncomingHttpHeaders): boolean {
  if (selector === undefined) return true;
  if (selector.includes(' ')) return selector.split(' ').every((one) => selectorHolds(one, query, headers));
  if (selector.startsWith('header:')) return headers[selector.slice('header:'.length)] !== undefined;
  const unequal = /^\?([^!=]+)!=(.*)$/.exec(selector);
  if (unequal) return query.has(unequal[1]) && query.get(unequal[1]) !== unequal[2];
  const [name, value] = selector.slice(1).split('=');
  return value === undefined ? query.has(name) : query.get(name) === value;
}

/**
 * The operation a request asks for. A method no operation of the target
 * takes is MethodNotAllowed; a query subresource S3 has and Pail does not
 * is NotImplemented (the table's rows without a handler).
 */
export function findOperation(method: string, target: Target, query: URLSearchParams, headers: IncomingHttpHeaders): S3Operation {
  const fits = (op: S3Operation) => op.target === target && (op.method === method || op.method === '*') && selectorHolds(op.selector, query, headers);
  const found = OPERATIONS.find(fits);
  if (found) return found;
  if (method === 'POST' && target === 'object') throw new S3Error('NotImplemented', 'POST to an object (a browser form upload, say) is not implemented');
  throw new S3Error('MethodNotAllowed', `${method} is not allowed on a ${target === 'service' ? 'service' : target}`);
}
