import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { addressOf } from '../../s3/address.ts';
import { loggable } from '../../s3/app.ts';
import { evaluateConditions } from '../../s3/conditions.ts';
import { S3_STATUS } from '../../s3/errors.ts';
import { findOperation, OPERATIONS } from '../../s3/operations.ts';
import { escapeXml, XmlWriter } from '../../s3/xml.ts';
import { REASON_TABLE } from '../../shared/protocol/reasons.ts';

describe('the S3 listener\'s pieces', () => {
  it('every reason word maps to an S3 code the listener knows the status of', () => {
    for (const { reason, s3 } of REASON_TABLE) expect([reason, S3_STATUS[s3]]).toEqual([reason, expect.any(Number)]);
  });

  it('docs/s3.md names every operation of the table', async () => {
    const doc = await readFile(new URL('../../docs/s3.md', import.meta.url), 'utf8');
    for (const operation of OPERATIONS) {
      const name = operation.name.replace(/ \(.*\)$/, '');
      expect([operation.name, doc.includes(name)]).toEqual([operation.name, true]);
    }
  });

  it('a read-only key is refused exactly the operations that change things', () => {
    const writes = OPERATIONS.filter((o) => o.writes).map((o) => o.name);
    expect(writes.sort()).toEqual([
      'AbortMultipartUpload',
      'CompleteMultipartUpload',
      'CopyObject',
      'CreateBucket',
      'CreateMultipartUpload',
      'DeleteBucket',
      'DeleteObject',
      'DeleteObjects',
      'PutObject',
      'UploadPart',
      'UploadPartCopy',
    ]);
  });

  it.each([
    ['GET', 'service', '', 'ListBuckets'],
    ['GET', 'bucket', 'list-type=2&prefix=a', 'ListObjectsV2'],
    ['GET', 'bucket', 'prefix=a', 'ListObjects'],
    ['GET', 'bucket', 'versions', 'ListObjectVersions'],
    ['GET', 'bucket', 'location', 'GetBucketLocation'],
    ['POST', 'bucket', 'delete', 'DeleteObjects'],
    ['PUT', 'bucket', 'versioning', 'PutBucketVersioning'],
    ['GET', 'bucket', 'versioning', 'GetBucketVersioning'],
    ['GET', 'object', 'x-id=GetObject', 'GetObject'],
    ['GET', 'object', 'versionId=null', 'GetObject'],
    ['GET', 'object', 'versionId=abc', 'Object versions'],
    ['PUT', 'object', '', 'PutObject'],
  ] as const)('%s on a %s with ?%s is %s', (method, target, query, name) => {
    expect(findOperation(method, target, new URLSearchParams(query), {}).name).toBe(name);
  });

  it('a PUT with x-amz-copy-source is CopyObject', () => {
    expect(findOperation('PUT', 'object', new URLSearchParams(), { 'x-amz-copy-source': '/b/k' }).name).toBe('CopyObject');
  });

  it('a PUT with uploadId is UploadPart, and with x-amz-copy-source too UploadPartCopy; the other multipart operations by method', () => {
    const query = new URLSearchParams('partNumber=1&uploadId=u');
    expect(findOperation('PUT', 'object', query, {}).name).toBe('UploadPart');
    expect(findOperation('PUT', 'object', query, { 'x-amz-copy-source': '/b/k' }).name).toBe('UploadPartCopy');
    expect(findOperation('POST', 'object', new URLSearchParams('uploads'), {}).name).toBe('CreateMultipartUpload');
    expect(findOperation('POST', 'object', new URLSearchParams('uploadId=u'), {}).name).toBe('CompleteMultipartUpload');
    expect(findOperation('GET', 'object', new URLSearchParams('uploadId=u'), {}).name).toBe('ListParts');
    expect(findOperation('DELETE', 'object', new URLSearchParams('uploadId=u'), {}).name).toBe('AbortMultipartUpload');
    expect(findOperation('GET', 'bucket', new URLSearchParams('uploads'), {}).name).toBe('ListMultipartUploads');
  });

  it('reads path-style and virtual-host addresses, the key decoded once', () => {
    expect(addressOf('/photos/2024/a%2Fb%20c.jpg?x=1', '127.0.0.1:9000', 's3.test')).toMatchObject({ bucket: 'photos', key: '2024/a/b c.jpg' });
    const named = (url: string, host: string, domain: string) => {
      const { bucket, key } = addressOf(url, host, domain);
      return [bucket, key];
    };
    expect(named('/photos', 'localhost', '')).toEqual(['photos', undefined]);
    expect(named('/photos/', 'localhost', '')).toEqual(['photos', undefined]);
    expect(named('/', 'localhost', '')).toEqual([undefined, undefined]);
    expect(named('/2024/a.jpg', 'photos.s3.test:9000', 's3.test')).toEqual(['photos', '2024/a.jpg']);
    expect(named('/?list-type=2', 'photos.S3.Test', 's3.test')).toEqual(['photos', undefined]);
    // The domain itself is path style.
    expect(named('/photos/a', 's3.test', 's3.test')).toEqual(['photos', 'a']);
    expect(() => addressOf('/photos/%E0%A4%A', 'localhost', '')).toThrow(/parse/);
  });

  it('logs a presigned URL without its signature', () => {
    expect(loggable('/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abcdef0123&X-Amz-Expires=60')).toBe('/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=…&X-Amz-Expires=60');
    expect(loggable('/b/k?list-type=2')).toBe('/b/k?list-type=2');
  });

  it('escapes text and attributes, and refuses to write a document left open', () => {
    expect(escapeXml(`a&b<c>"d"'e'\r\n\t`)).toBe('a&amp;b&lt;c&gt;&quot;d&quot;&apos;e&apos;&#13;&#10;&#9;');
    const xml = new XmlWriter().open('Root', { attr: 'x"y' }).leaf('Key', '<k>').optional('Skipped', undefined).close();
    expect(xml.toString()).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<Root attr="x&quot;y"><Key>&lt;k&gt;</Key></Root>');
    expect(() => new XmlWriter().open('Open').toString()).toThrow(/unclosed/);
  });

  it('reads conditions as S3 does, times in whole seconds', () => {
    const object = { etag: '"abc"', modified: '2026-01-01T00:00:00.900Z' };
    expect(evaluateConditions({ 'if-none-match': 'abc' }, object)).toBe('not-modified');
    expect(evaluateConditions({ 'if-match': 'W/"abc"' }, object)).toBe('proceed');
    // Modified at .900 of the second Last-Modified names: not modified since that second.
    expect(evaluateConditions({ 'if-modified-since': 'Thu, 01 Jan 2026 00:00:00 GMT' }, object)).toBe('not-modified');
    expect(evaluateConditions({ 'if-unmodified-since': 'not a date' }, object)).toBe('proceed');
    expect(evaluateConditions({ 'if-match': '"x"', 'if-none-match': '"abc"' }, object)).toBe('precondition-failed');
  });
});
