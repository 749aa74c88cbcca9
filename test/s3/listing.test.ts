import { ListObjectsCommand, ListObjectsV2Command, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl, errorCode, startS3Harness, type S3Harness } from './harness.ts';

let h: S3Harness;
const BUCKET = 'listed';

/** The tree: a few hundred keys over folders of several depths, some with - in their names, one with characters to escape. */
const KEYS: string[] = [];
for (let i = 0; i < 240; i++) KEYS.push(`photos/2024/m${String(i % 12).padStart(2, '0')}/img-${String(i).padStart(3, '0')}.jpg`);
for (let i = 0; i < 60; i++) KEYS.push(`notes/n-${i}.txt`);
for (let i = 0; i < 45; i++) KEYS.push(`top-${String(i).padStart(2, '0')}.txt`);
for (let i = 0; i < 20; i++) KEYS.push(`a-b-c/${i}`);
KEYS.push('odd & <odd> "quoted" key.txt', 'photos/2024/readme.txt', 'zz/last');

const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** What S3 lists for a prefix and delimiter: the keys, and the common prefixes they roll up into, in key order. */
function expected(prefix: string, delimiter?: string): { keys: string[]; prefixes: string[]; entries: string[] } {
  const keys: string[] = [];
  const prefixes = new Set<string>();
  for (const key of [...KEYS].sort(byBytes)) {
    if (!key.startsWith(prefix)) continue;
    const at = delimiter === undefined ? -1 : key.indexOf(delimiter, prefix.length);
    if (at >= 0) prefixes.add(key.slice(0, at + delimiter!.length));
    else keys.push(key);
  }
  return { keys, prefixes: [...prefixes], entries: [...keys, ...prefixes].sort(byBytes) };
}

beforeAll(async () => {
  h = await startS3Harness();
  const protocol = await h.protocol();
  await protocol.createBucket(BUCKET);
  for (const key of KEYS) await protocol.upload(BUCKET, key, Buffer.from(key));
});
afterAll(async () => h.close());

/** Every page of a ListObjectsV2, continued by its tokens; at most `limit` pages. */
async function pagesV2(s3: S3Client, query: { Prefix?: string; Delimiter?: string; MaxKeys: number; StartAfter?: string }, limit = 500) {
  const pages: { keys: string[]; prefixes: string[]; count: number; truncated: boolean }[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, ...query, ContinuationToken: token }));
    const keys = (page.Contents ?? []).map((c) => c.Key!);
    const prefixes = (page.CommonPrefixes ?? []).map((p) => p.Prefix!);
    expect(page.KeyCount).toBe(keys.length + prefixes.length);
    pages.push({ keys, prefixes, count: keys.length + prefixes.length, truncated: page.IsTruncated! });
    token = page.NextContinuationToken;
    if (page.IsTruncated) expect(token).toBeTruthy();
  } while (token !== undefined && pages.length < limit);
  return pages;
}

function entriesOf(pages: { keys: string[]; prefixes: string[] }[]): string[] {
  return pages.flatMap((p) => [...p.keys, ...p.prefixes].sort(byBytes));
}

describe('S3 listings', () => {
  it.each([
    ['the whole bucket', '', undefined, 50],
    ['the top level with /', '', '/', 7],
    ['one folder with /', 'photos/2024/', '/', 5],
    ['a folder without a delimiter', 'notes/', undefined, 13],
    ['the whole bucket with - as delimiter', '', '-', 3],
    ['under a prefix with - as delimiter', 'photos/2024/m01/', '-', 1],
  ] as const)('ListObjectsV2 pages through %s exactly as expected', async (_what, prefix, delimiter, maxKeys) => {
    const want = expected(prefix, delimiter);
    const pages = await pagesV2(h.client(), { Prefix: prefix || undefined, Delimiter: delimiter, MaxKeys: maxKeys });
    expect(entriesOf(pages)).toEqual(want.entries);
    expect(pages.length).toBe(Math.max(1, Math.ceil(want.entries.length / maxKeys)));
    expect(pages.slice(0, -1).every((p) => p.count === maxKeys && p.truncated)).toBe(true);
    expect(pages.at(-1)!.truncated).toBe(false);
  });

  it('ListObjectsV2 with the default max-keys lists up to 1000 in one page, and max-keys above 1000 is held to 1000', async () => {
    const want = expected('');
    const one = await h.client().send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect(one.MaxKeys).toBe(1000);
    expect(one.Contents!.map((c) => c.Key)).toEqual(want.keys);
    expect(one.IsTruncated).toBe(false);
    const capped = await curl(`${h.endpoint}/${BUCKET}?list-type=2&max-keys=5000`);
    expect(capped.body).toContain('<MaxKeys>1000</MaxKeys>');
  });

  it('ListObjectsV2 with max-keys=0 lists nothing and is not truncated', async () => {
    const page = await h.client().send(new ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: 0 }));
    expect(page.KeyCount).toBe(0);
    expect(page.IsTruncated).toBe(false);
  });

  it('ListObjectsV2 start-after starts after the key, and an unknown continuation token is InvalidArgument', async () => {
    const want = expected('notes/');
    const pages = await pagesV2(h.client(), { Prefix: 'notes/', MaxKeys: 1000, StartAfter: want.keys[9] });
    expect(entriesOf(pages)).toEqual(want.keys.slice(10));
    const bad = await curl(`${h.endpoint}/${BUCKET}?list-type=2&continuation-token=%%%`);
    expect(bad.status).toBe(400);
    expect(errorCode(bad.body)).toBe('InvalidArgument');
  });

  it('each Contents has the size, time, SHA-256 ETag and storage class; the owner only with fetch-owner', async () => {
    const plain = await curl(`${h.endpoint}/${BUCKET}?list-type=2&prefix=zz/`);
    expect(plain.body).toMatch(/<Contents><Key>zz\/last<\/Key><LastModified>\d{4}-\d\d-\d\dT[\d:.]+Z<\/LastModified><ETag>&quot;[0-9a-f]{64}&quot;<\/ETag><Size>7<\/Size><StorageClass>STANDARD<\/StorageClass><\/Contents>/);
    expect(plain.body).not.toContain('<Owner>');
    const owned = await h.client().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'zz/', FetchOwner: true }));
    expect(owned.Contents![0].Owner).toEqual({ ID: 'pail', DisplayName: 'pail' });
  });

  it('keys are escaped in XML, and with encoding-type=url percent-encoded', async () => {
    const key = 'odd & <odd> "quoted" key.txt';
    const listed = await h.client().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'odd' }));
    expect(listed.Contents!.map((c) => c.Key)).toEqual([key]);
    const encoded = await curl(`${h.endpoint}/${BUCKET}?list-type=2&prefix=odd&encoding-type=url`);
    expect(encoded.body).toContain(`<Key>${encodeURIComponent(key)}</Key>`);
    expect(encoded.body).toContain('<EncodingType>url</EncodingType>');
    const folders = await curl(`${h.endpoint}/${BUCKET}?list-type=2&prefix=photos/&delimiter=/&encoding-type=url`);
    expect(folders.body).toContain('<CommonPrefixes><Prefix>photos/2024/</Prefix></CommonPrefixes>');
  });

  it('ListObjects (v1) pages by marker: NextMarker with a delimiter, the last key without one', async () => {
    const s3 = h.client();
    for (const delimiter of ['/', undefined]) {
      const want = expected('', delimiter);
      const seen: string[] = [];
      let marker: string | undefined;
      for (let pages = 0; pages < 500; pages++) {
        const page = await s3.send(new ListObjectsCommand({ Bucket: BUCKET, Delimiter: delimiter, MaxKeys: 9, Marker: marker }));
        const entries = [...(page.Contents ?? []).map((c) => c.Key!), ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!)].sort(byBytes);
        seen.push(...entries);
        expect(page.Contents?.every((c) => c.Owner?.ID === 'pail') ?? true).toBe(true);
        if (!page.IsTruncated) break;
        if (delimiter === undefined) expect(page.NextMarker).toBeUndefined();
        else expect(page.NextMarker).toBe(entries.at(-1));
        marker = page.NextMarker ?? entries.at(-1);
      }
      expect(seen).toEqual(want.entries);
    }
  });

  it('ListObjectVersions lists each key once with the version id null, as an unversioned bucket', async () => {
    const want = expected('notes/');
    const versions = await h.client().send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: 'notes/' }));
    expect(versions.Versions!.map((v) => v.Key)).toEqual(want.keys);
    expect(versions.Versions!.every((v) => v.VersionId === 'null' && v.IsLatest === true)).toBe(true);
    const paged = await h.client().send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: 'notes/', MaxKeys: 10 }));
    expect(paged.IsTruncated).toBe(true);
    expect(paged.NextKeyMarker).toBe(want.keys[9]);
    const rest = await h.client().send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: 'notes/', KeyMarker: paged.NextKeyMarker }));
    expect(rest.Versions!.map((v) => v.Key)).toEqual(want.keys.slice(10));
  });

  it('an empty continuation token or start-after is none, and is echoed as given', async () => {
    const want = expected('notes/');
    const page = await h.client().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'notes/', ContinuationToken: '' }));
    expect(page.ContinuationToken).toBe('');
    expect(page.Contents!.map((c) => c.Key)).toEqual(want.keys);
    const raw = await curl(`${h.endpoint}/${BUCKET}?list-type=2&prefix=notes/&start-after=`);
    expect(raw.status).toBe(200);
    expect(raw.body.match(/<Key>/g)).toHaveLength(want.keys.length);
  });

  it('a prefix no key of Pail\'s can start with lists nothing; one whose last name is . lists the keys that go on from it', async () => {
    for (const prefix of ['\n', '/', 'photos//']) {
      const page = await h.client().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, Delimiter: '/' }));
      expect(page.KeyCount).toBe(0);
    }
    // Echoed as given (a newline as a character reference, which survives parsers that trim text).
    const raw = await curl(`${h.endpoint}/${BUCKET}?list-type=2&prefix=%0A`);
    expect(raw.body).toContain('<Prefix>&#10;</Prefix>');
    const protocol = await h.protocol();
    await protocol.upload(BUCKET, 'dots/.hidden', Buffer.from('h'));
    await protocol.upload(BUCKET, 'dots/visible', Buffer.from('v'));
    try {
      const dotted = await h.client().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'dots/.' }));
      expect(dotted.Contents!.map((c) => c.Key)).toEqual(['dots/.hidden']);
    } finally {
      await protocol.deleteFile(BUCKET, 'dots/.hidden');
      await protocol.deleteFile(BUCKET, 'dots/visible');
    }
  });

  it('a marker no key of Pail\'s could be is passed over key by key: \\n lists from the start, a marker past every key lists nothing', async () => {
    const want = expected('', '/');
    const fromStart = await h.client().send(new ListObjectsCommand({ Bucket: BUCKET, Delimiter: '/', Marker: '\n' }));
    const entries = [...(fromStart.Contents ?? []).map((c) => c.Key!), ...(fromStart.CommonPrefixes ?? []).map((p) => p.Prefix!)].sort(byBytes);
    expect(entries).toEqual(want.entries);
    const pastAll = await h.client().send(new ListObjectsV2Command({ Bucket: BUCKET, StartAfter: 'zzz//' }));
    expect(pastAll.KeyCount).toBe(0);
    const pastSome = await h.client().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'notes/', StartAfter: 'notes//' }));
    expect(pastSome.Contents!.map((c) => c.Key)).toEqual(expected('notes/').keys);
  });

  it('listing a missing bucket is NoSuchBucket', async () => {
    for (const query of ['list-type=2', 'list-type=2&max-keys=0', 'list-type=2&prefix=%2F']) {
      const answer = await curl(`${h.endpoint}/not-a-bucket?${query}`);
      expect(answer.status).toBe(404);
      expect(errorCode(answer.body)).toBe('NoSuchBucket');
    }
  });
});
