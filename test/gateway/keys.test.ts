import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code } from '../../shared/protocol/codes.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { jsonOf, postJson, startHarness, type Harness } from './harness.ts';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
/** A key in a URL: raw `/` between its folders, every other character percent-encoded. */
const pathOf = (key: string) => key.split('/').map(encodeURIComponent).join('/');

describe('file routes with keys that hold folders', () => {
  let h: Harness;
  const url = (key: string, query = '') => `${h.base}/api/buckets/tree/files/${pathOf(key)}${query}`;
  const listing = async (query: string) => jsonOf(await fetch(`${h.base}/api/buckets/tree/files?${query}`));

  beforeAll(async () => {
    h = await startHarness();
    expect((await postJson(`${h.base}/api/buckets`, { name: 'tree' })).status).toBe(201);
  });
  afterAll(() => h.close());

  it('PUT, GET, HEAD and DELETE a key with slashes, stored as a plain tree on disk', async () => {
    const key = 'photos/2024/réunion #1?.txt';
    const put = await fetch(url(key), { method: 'PUT', body: 'from the meeting' });
    expect(put.status).toBe(201);
    expect(await jsonOf(put)).toMatchObject({ bucket: 'tree', name: key, size: 16, sha256: sha256('from the meeting') });
    expect(await readFile(join(h.data, 'tree', 'photos', '2024', 'réunion #1?.txt'), 'utf8')).toBe('from the meeting');

    const got = await fetch(url(key));
    expect(got.status).toBe(200);
    // Saved under its last name: the folders are the key's, not the download's.
    expect(got.headers.get('content-disposition')).toBe(`attachment; filename="r_union #1?.txt"; filename*=UTF-8''r%C3%A9union%20%231%3F.txt`);
    expect(await got.text()).toBe('from the meeting');

    const ranged = await fetch(url(key), { headers: { range: 'bytes=5-6' } });
    expect(ranged.status).toBe(206);
    expect(await ranged.text()).toBe('th');

    const head = await fetch(url(key), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('16');
    expect(head.headers.get('etag')).toBe(`"${sha256('from the meeting')}"`);

    expect((await fetch(url(key), { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(url(key))).status).toBe(404);
    // The folders it left empty go with it.
    await expect(stat(join(h.data, 'tree', 'photos'))).rejects.toThrow();
  });

  it('takes a key of 1,024 bytes, the longest, on every route, and refuses one of 1,025 with 400 bad-name', async () => {
    const longest = [255, 255, 255, 250, 5].map((n, i) => String(i).repeat(n)).join('/');
    expect(Buffer.byteLength(longest)).toBe(1024);
    expect((await fetch(url(longest), { method: 'PUT', body: 'longest' })).status).toBe(201);
    expect(await (await fetch(url(longest))).text()).toBe('longest');
    expect((await fetch(url(longest), { method: 'HEAD' })).headers.get('content-length')).toBe('7');
    expect((await fetch(url(longest), { method: 'DELETE' })).status).toBe(204);
    const tooLong = await fetch(url(`${longest}x`), { method: 'PUT', body: 'x' });
    expect(tooLong.status).toBe(400);
    expect((await jsonOf(tooLong)).error).toMatchObject({ code: Code.FUTF, reason: Reason.badName });
  });

  it('takes %2F as the same / of the key: decoded once, so %252F is the three characters %2F', async () => {
    expect((await fetch(url('enc/a/b.txt'), { method: 'PUT', body: 'slashes' })).status).toBe(201);
    const encoded = await fetch(`${h.base}/api/buckets/tree/files/enc%2Fa%2Fb.txt`);
    expect(encoded.status).toBe(200);
    expect(await encoded.text()).toBe('slashes');
    const doubled = await fetch(`${h.base}/api/buckets/tree/files/enc%252Fa%252Fb.txt`, { method: 'PUT', body: 'one name' });
    expect(doubled.status).toBe(201);
    expect((await jsonOf(doubled)).name).toBe('enc%2Fa%2Fb.txt');
  });

  it('makes an explicit folder from PUT KEY/ with an empty body, which stays when its last file goes', async () => {
    const made = await fetch(url('albums/empty/'), { method: 'PUT' });
    expect(made.status).toBe(201);
    expect(await jsonOf(made)).toMatchObject({ name: 'albums/empty/', size: 0 });
    expect((await stat(join(h.data, 'tree', 'albums', 'empty'))).isDirectory()).toBe(true);
    expect((await listing('prefix=albums/&delimiter=/')).folders).toEqual([{ prefix: 'albums/empty/' }]);

    expect((await fetch(url('albums/empty/only.txt'), { method: 'PUT', body: 'x' })).status).toBe(201);
    expect((await fetch(url('albums/empty/only.txt'), { method: 'DELETE' })).status).toBe(204);
    expect((await listing('prefix=albums/&delimiter=/')).folders).toEqual([{ prefix: 'albums/empty/' }]);

    expect((await fetch(url('albums/empty/'), { method: 'DELETE' })).status).toBe(204);
    expect((await listing('prefix=albums/&delimiter=/')).folders).toEqual([]);
  });

  it('refuses PUT KEY/ with bytes in its body: a folder has none', async () => {
    const response = await fetch(url('albums/full/'), { method: 'PUT', body: 'bytes' });
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error).toMatchObject({ code: Code.FUTF, reason: Reason.badSize });
    expect((await listing('prefix=albums/full/')).files).toEqual([]);
  });

  it('refuses a key that would be both a file and a folder with 409 folder-conflict', async () => {
    expect((await fetch(url('clash'), { method: 'PUT', body: 'a file' })).status).toBe(201);
    const below = await fetch(url('clash/inside.txt'), { method: 'PUT', body: 'under a file' });
    expect(below.status).toBe(409);
    expect((await jsonOf(below)).error).toMatchObject({ code: Code.FUTF, reason: Reason.folderConflict });
    expect(await readFile(join(h.data, 'tree', 'clash'), 'utf8')).toBe('a file');
  });

  it('stores a multipart form of a dropped folder with its structure, under ?prefix=', async () => {
    const form = new FormData();
    form.append('file', new Blob(['one']), 'trip/one.txt');
    form.append('file', new Blob(['two']), 'trip/day 2/two.txt');
    form.append('file', new Blob(['beside']), 'beside.txt');
    const response = await fetch(`${h.base}/api/buckets/tree/files?prefix=${encodeURIComponent('uploads/')}`, { method: 'POST', body: form });
    expect(response.status).toBe(201);
    expect((await jsonOf(response)).files.map((o: { name: string; stored: boolean }) => [o.name, o.stored])).toEqual([
      ['uploads/trip/one.txt', true],
      ['uploads/trip/day 2/two.txt', true],
      ['uploads/beside.txt', true],
    ]);
    expect(await (await fetch(url('uploads/trip/day 2/two.txt'))).text()).toBe('two');
    expect(await readFile(join(h.data, 'tree', 'uploads', 'trip', 'one.txt'), 'utf8')).toBe('one');
  });

  it('reports a form file whose path breaks the key rules as refused, and stores the others', async () => {
    const form = new FormData();
    form.append('file', new Blob(['escape']), '../escape.txt');
    form.append('file', new Blob(['fine']), 'ok/fine.txt');
    const response = await fetch(`${h.base}/api/buckets/tree/files`, { method: 'POST', body: form });
    expect(response.status).toBe(207);
    const outcomes = (await jsonOf(response)).files;
    expect(outcomes[0]).toMatchObject({ name: '../escape.txt', stored: false, error: { reason: Reason.badName } });
    expect(outcomes[1]).toMatchObject({ name: 'ok/fine.txt', stored: true });
  });

  it('refuses a multipart ?prefix= that is not a folder before reading the form', async () => {
    const form = new FormData();
    form.append('file', new Blob(['x']), 'x.txt');
    for (const prefix of ['uploads', '../', 'a//']) {
      const response = await fetch(`${h.base}/api/buckets/tree/files?prefix=${encodeURIComponent(prefix)}`, { method: 'POST', body: form });
      expect(response.status, prefix).toBe(400);
      expect((await jsonOf(response)).error, prefix).toMatchObject({ code: Code.FUTF, reason: Reason.badName });
    }
  });
});
