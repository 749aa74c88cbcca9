import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PailConnection } from '../../shared/client/connection.ts';
import { Code } from '../../shared/protocol/codes.ts';
import { compareKeys } from '../../shared/protocol/names.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { jsonOf, startHarness, type Harness } from './harness.ts';

/** More files at the top than a small listing holds, so pages past 1,000 rows are streamed. */
const TOP = 1_200;
const topKey = (i: number) => `top-${String(i).padStart(4, '0')}`;
const NESTED = [...Array.from({ length: 50 }, (_, i) => `dir-a/x-${String(i).padStart(3, '0')}`), 'dir-b/sub/y', 'dir-b/z', 'é/after-ascii'];
const EXPLICIT = 'dir-c/';
const ALL_KEYS = [...Array.from({ length: TOP }, (_, i) => topKey(i)), ...NESTED, EXPLICIT].sort(compareKeys);

describe('paged listings through the gateway', () => {
  let h: Harness;
  const list = (query = '') => fetch(`${h.base}/api/buckets/pages/files${query}`);
  const names = (page: { files: { name: string }[] }) => page.files.map((f) => f.name);
  const folders = (page: { folders: { prefix: string }[] }) => page.folders.map((f) => f.prefix);

  beforeAll(async () => {
    h = await startHarness();
    const owner = await PailConnection.connect({ host: '127.0.0.1', port: h.serverPort });
    await owner.createBucket('pages');
    for (const key of ALL_KEYS) await owner.upload('pages', key, Buffer.from(key.endsWith('/') ? '' : key), { size: key.endsWith('/') ? 0 : undefined });
    await owner.quit();
  });
  afterAll(() => h.close());

  it('answers a bare listing with every key in byte order, no folders and no next', async () => {
    const page = await jsonOf(await list());
    expect(Object.keys(page)).toEqual(['bucket', 'prefix', 'files', 'folders', 'next']);
    expect(page).toMatchObject({ bucket: 'pages', prefix: '', folders: [], next: null });
    expect(names(page)).toEqual(ALL_KEYS);
    expect(page.files[0]).toEqual({ bucket: 'pages', name: 'dir-a/x-000', size: 11, modified: expect.any(String), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('rolls keys below a / up into folders with delimiter=/, one level of one prefix', async () => {
    const top = await jsonOf(await list('?delimiter=/&limit=10'));
    expect(folders(top)).toEqual(['dir-a/', 'dir-b/', 'dir-c/']);
    expect(names(top)).toEqual(Array.from({ length: 7 }, (_, i) => topKey(i)));
    expect(top.next).toBe(topKey(6));

    const dirB = await jsonOf(await list(`?prefix=${encodeURIComponent('dir-b/')}&delimiter=/`));
    expect(dirB).toEqual({ bucket: 'pages', prefix: 'dir-b/', files: [expect.objectContaining({ name: 'dir-b/z' })], folders: [{ prefix: 'dir-b/sub/' }], next: null });

    const dirA = await jsonOf(await list(`?prefix=${encodeURIComponent('dir-a/x-04')}`));
    expect(names(dirA)).toEqual(Array.from({ length: 10 }, (_, i) => `dir-a/x-04${i}`));
  });

  it('pages through a folder level with after=next, never repeating or skipping a row, until next is null', async () => {
    const seen: string[] = [];
    let after: string | null = '';
    let pages = 0;
    for (; after !== null && pages < 100; pages++) {
      const page = await jsonOf(await list(`?delimiter=/&limit=250&after=${encodeURIComponent(after)}`));
      expect(page.files.length + page.folders.length).toBeLessThanOrEqual(250);
      seen.push(...folders(page), ...names(page));
      after = page.next;
    }
    expect(after).toBeNull();
    expect(pages).toBe(Math.ceil((TOP + 4) / 250));
    expect(seen.sort(compareKeys)).toEqual(['dir-a/', 'dir-b/', 'dir-c/', ...Array.from({ length: TOP }, (_, i) => topKey(i)), 'é/'].sort(compareKeys));
  });

  it('streams a page longer than a small listing, with the same rows and next as the bucket server gives', async () => {
    const owner = await PailConnection.connect({ host: '127.0.0.1', port: h.serverPort });
    const overTcp = await owner.listPage('pages', { limit: 1100 });
    await owner.quit();
    const response = await list('?limit=1100');
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const page = await jsonOf(response);
    expect(page.files).toEqual(overTcp.files);
    expect(page.files).toHaveLength(1100);
    expect(page.next).toBe(ALL_KEYS[1099]);
    const rest = await jsonOf(await list(`?limit=1100&after=${encodeURIComponent(page.next)}`));
    expect([...names(page), ...names(rest)]).toEqual(ALL_KEYS);
    expect(rest.next).toBeNull();
  });

  it('streams a long page of one folder level with its folders after its files', async () => {
    const page = await jsonOf(await list('?delimiter=/&limit=1100'));
    expect(Object.keys(page)).toEqual(['bucket', 'prefix', 'files', 'folders', 'next']);
    expect(folders(page)).toEqual(['dir-a/', 'dir-b/', 'dir-c/']);
    expect(names(page)).toEqual(Array.from({ length: 1097 }, (_, i) => topKey(i)));
    expect(page.next).toBe(topKey(1096));
  });

  it.each([
    ['limit=0', Code.FLF],
    ['limit=10001', Code.FLF],
    ['limit=abc', Code.FLF],
    ['limit=2.5', Code.FLF],
    ['delimiter=-', Code.FLF],
    ['delimiter=%2F%2F', Code.FLF],
  ])('refuses ?%s with 400 bad-args', async (query, code) => {
    const response = await list(`?${query}`);
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error).toMatchObject({ code, reason: Reason.badArgs });
  });

  it('answers 404 for a page of a missing bucket', async () => {
    const response = await fetch(`${h.base}/api/buckets/nowhere/files?limit=10`);
    expect(response.status).toBe(404);
    expect((await jsonOf(response)).error).toMatchObject({ code: Code.FLF, reason: Reason.noSuchBucket });
  });
});
