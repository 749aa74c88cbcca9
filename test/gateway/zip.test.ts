import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PailConnection } from '../../shared/client/connection.ts';
import { Code } from '../../shared/protocol/codes.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { extractedTree, testArchive, entryNames } from '../helpers/unzip.ts';
import { jsonOf, postJson, startHarness, type Harness } from './harness.ts';
import { generated } from './streams.ts';

const MiB = 1 << 20;
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** The bucket's files: keys with folders, an explicit empty folder, and a few at the top. */
const FILES: Record<string, Buffer> = {
  'top.txt': Buffer.from('at the top'),
  'other.txt': Buffer.from('another one at the top'),
  'photos/2023/c.jpg': randomBytes(70_000),
  'photos/2024/a.jpg': randomBytes(3 * MiB + 5),
  'photos/2024/b.jpg': randomBytes(1),
  'photos/2024/deep/d.txt': Buffer.from('deep down'),
  'photos/2024/empty.bin': Buffer.alloc(0),
  'photos/top.txt': Buffer.from('top of photos'),
  'docs/readme.txt': Buffer.from('read me'),
  'docs/back\\slash.txt': Buffer.from('a backslash in its name'),
};
const EXPLICIT_FOLDERS = ['photos/2024/kept-empty/'];

describe('zip downloads', () => {
  let h: Harness;
  let dir: string;
  const zipUrl = (query = '') => `${h.base}/api/buckets/zips/zip${query}`;

  beforeAll(async () => {
    h = await startHarness();
    dir = await mkdtemp(join(tmpdir(), 'pail-zip-route-'));
    const owner = await PailConnection.connect({ host: '127.0.0.1', port: h.serverPort });
    await owner.createBucket('zips');
    for (const [key, content] of Object.entries(FILES)) await owner.upload('zips', key, content);
    for (const key of EXPLICIT_FOLDERS) await owner.upload('zips', key, Buffer.alloc(0), { size: 0 });
    await owner.upload('zips', 'shrinking.bin', generated(64, MiB));
    await owner.quit();
  });
  afterAll(async () => {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Saves a zip response to a file, checks it is one, and returns the file's path. */
  async function saved(response: Response, name: string): Promise<string> {
    expect(response.status, await peekError(response)).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    const path = join(dir, name);
    await writeFile(path, Buffer.from(await response.arrayBuffer()));
    await testArchive(path);
    return path;
  }

  async function peekError(response: Response): Promise<string> {
    return response.status === 200 ? '' : await response.clone().text();
  }

  it('streams the keys given and every key under the folders given, named relative to the base, folders kept', async () => {
    const response = await postJson(zipUrl('?base=photos/'), { keys: ['photos/top.txt'], prefixes: ['photos/2024/'] });
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="zips.zip"; filename*=UTF-8''zips.zip`);
    expect(response.headers.get('content-length')).toBeNull();
    const path = await saved(response, 'photos.zip');
    expect(await entryNames(path)).toEqual([
      '2024/a.jpg',
      '2024/b.jpg',
      '2024/deep/d.txt',
      '2024/empty.bin',
      '2024/kept-empty/',
      'top.txt',
    ]);
    expect(await extractedTree(path)).toEqual({
      '2024/': 'folder',
      '2024/a.jpg': sha256(FILES['photos/2024/a.jpg']),
      '2024/b.jpg': sha256(FILES['photos/2024/b.jpg']),
      '2024/deep/': 'folder',
      '2024/deep/d.txt': sha256(FILES['photos/2024/deep/d.txt']),
      '2024/empty.bin': sha256(''),
      '2024/kept-empty/': 'folder',
      'top.txt': sha256(FILES['photos/top.txt']),
    });
  });

  it('takes the whole bucket as the prefix \'\', each key once however often it is selected, a backslash made _', async () => {
    const response = await postJson(zipUrl(), { keys: ['top.txt', 'top.txt', 'photos/2023/c.jpg'], prefixes: ['', 'docs/', 'photos/'] });
    const path = await saved(response, 'all.zip');
    const names = await entryNames(path);
    expect(names).toEqual([
      'docs/back_slash.txt',
      'docs/readme.txt',
      'other.txt',
      'photos/2023/c.jpg',
      'photos/2024/a.jpg',
      'photos/2024/b.jpg',
      'photos/2024/deep/d.txt',
      'photos/2024/empty.bin',
      'photos/2024/kept-empty/',
      'photos/top.txt',
      'shrinking.bin',
      'top.txt',
    ]);
    const tree = await extractedTree(path);
    expect(tree['docs/back_slash.txt']).toBe(sha256(FILES['docs/back\\slash.txt']));
    expect(tree['photos/2024/a.jpg']).toBe(sha256(FILES['photos/2024/a.jpg']));
    expect(tree['shrinking.bin']).toBe(sha256(Buffer.concat([...generated(64, MiB)])));
  });

  it('takes the selection as a plain form field, as a page submits it for a native download', async () => {
    const form = new URLSearchParams({ selection: JSON.stringify({ keys: ['top.txt', 'other.txt'] }) });
    const response = await fetch(zipUrl(), { method: 'POST', body: form });
    const path = await saved(response, 'form.zip');
    expect(await extractedTree(path)).toEqual({ 'other.txt': sha256(FILES['other.txt']), 'top.txt': sha256(FILES['top.txt']) });
  });

  it('answers a missing bucket or a missing first key with an ordinary 404 before any byte', async () => {
    const noBucket = await postJson(`${h.base}/api/buckets/nowhere/zip`, { prefixes: [''] });
    expect(noBucket.status).toBe(404);
    expect((await jsonOf(noBucket)).error).toMatchObject({ reason: Reason.noSuchBucket });
    const noKey = await postJson(zipUrl(), { keys: ['missing.txt', 'top.txt'] });
    expect(noKey.status).toBe(404);
    expect(noKey.headers.get('content-disposition')).toBeNull();
    expect((await jsonOf(noKey)).error).toMatchObject({ code: Code.FDFBF, reason: Reason.noSuchFile });
  });

  it('cuts the response, never ends it cleanly short, when a key after the first fails', async () => {
    const response = await postJson(zipUrl(), { keys: ['other.txt', 'zz-missing.txt'] });
    expect(response.status).toBe(200);
    await expect(response.arrayBuffer()).rejects.toThrow();
  });

  it('cuts the response when the bucket server cuts a file short mid-way', async () => {
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(zipUrl(), { method: 'POST', headers: { 'content-type': 'application/json' } }, resolve);
      req.once('error', reject);
      req.end(JSON.stringify({ keys: ['shrinking.bin', 'top.txt'] }));
    });
    // Its download started before the answer did: the first entry is found before anything is sent.
    expect(response.statusCode).toBe(200);
    response.pause();
    // The bucket server has the file open; once it shrinks, its read fails and it cuts the download.
    await truncate(join(h.data, 'zips', 'shrinking.bin'), MiB);
    let received = 0;
    const outcome = await new Promise<string>((resolve) => {
      response.on('data', (chunk: Buffer) => (received += chunk.length));
      response.once('end', () => resolve('ended'));
      response.once('error', () => resolve('aborted'));
      response.resume();
    });
    expect(outcome).toBe('aborted');
    expect(response.complete).toBe(false);
    expect(received).toBeLessThan(64 * MiB);
  });

  it.each([
    ['an empty selection', '', {}],
    ['a key that breaks the key rules', '', { keys: ['a/../b'] }],
    ['a prefix that is not a folder', '', { prefixes: ['photos'] }],
    ['a key outside the base', '?base=photos/', { keys: ['top.txt'] }],
    ['a prefix outside the base', '?base=photos/', { prefixes: ['docs/'] }],
    ['a base that is not a folder', '?base=photos', { keys: ['photos/top.txt'] }],
    ['keys that are not strings', '', { keys: [{ key: 'top.txt' }] }],
  ])('refuses %s with 400 before any byte', async (_what, query, body) => {
    const response = await postJson(zipUrl(query), body);
    expect(response.status).toBe(400);
    expect([Reason.badArgs, Reason.badName]).toContain((await jsonOf(response)).error.reason);
  });

  it('refuses a form without a selection field, or with one that is not JSON, with 400', async () => {
    for (const form of [new URLSearchParams({ other: '1' }), new URLSearchParams({ selection: '{not json' })]) {
      const response = await fetch(zipUrl(), { method: 'POST', body: form });
      expect(response.status).toBe(400);
      expect((await jsonOf(response)).error).toMatchObject({ code: Code.FDFBF, reason: Reason.badArgs });
    }
  });

  it('refuses a cross-origin request before reading anything', async () => {
    const response = await postJson(zipUrl(), { keys: ['top.txt'] }, { origin: 'http://evil.example' });
    expect(response.status).toBe(403);
    expect((await jsonOf(response)).error.reason).toBe(Reason.forbidden);
  });
});

describe('a zip of a folder of more keys than one page lists', () => {
  const COUNT = 1_050;
  const keyOf = (i: number) => `many/${String(i).padStart(5, '0')}.txt`;
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    h = await startHarness();
    dir = await mkdtemp(join(tmpdir(), 'pail-zip-many-'));
    const owner = await PailConnection.connect({ host: '127.0.0.1', port: h.serverPort });
    await owner.createBucket('many');
    for (let i = 0; i < COUNT; i++) await owner.upload('many', keyOf(i), Buffer.from(String(i)));
    await owner.quit();
  });
  afterAll(async () => {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('walks every page of the folder, each key once and in order', async () => {
    const response = await postJson(`${h.base}/api/buckets/many/zip?base=many/`, { prefixes: ['many/'] });
    expect(response.status).toBe(200);
    const path = join(dir, 'many.zip');
    await writeFile(path, Buffer.from(await response.arrayBuffer()));
    await testArchive(path);
    expect(await entryNames(path)).toEqual(Array.from({ length: COUNT }, (_, i) => keyOf(i).slice('many/'.length)));
  });
});
