import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FolderSnapshot } from '../../server/storage/folder-snapshot.ts';
import { listTree, type TreeSource } from '../../server/storage/tree-listing.ts';
import type { ListingQuery } from '../../server/storage/storage.ts';

const made: string[] = [];
afterEach(async () => {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A bucket folder of three folders of two files each, listed through real folder snapshots; read-aheads recorded. */
async function bucket() {
  const root = await mkdtemp(join(tmpdir(), 'pail-tree-'));
  made.push(root);
  for (const folder of ['a', 'b', 'c']) {
    await mkdir(join(root, folder));
    for (const file of ['1.txt', '2.txt']) await writeFile(join(root, folder, file), folder);
  }
  const prefetched: string[] = [];
  const source: TreeSource = {
    folder: (folder) => FolderSnapshot.load(join(root, folder), { files: new Map(), marks: new Map(), lines: 0 }),
    unhashed: () => {},
    prefetch: (folder) => prefetched.push(folder),
  };
  const list = async (query: ListingQuery) => {
    const keys: string[] = [];
    for await (const row of listTree('bkt', source, query)) keys.push(row.kind === 'file' ? row.file.name : row.prefix);
    return keys;
  };
  return { list, prefetched };
}

describe('a listing that walks into folders', () => {
  it('reads the next folder beside the one it enters ahead, and none past where it stops', async () => {
    const { list, prefetched } = await bucket();
    expect(await list({})).toEqual(['a/1.txt', 'a/2.txt', 'b/1.txt', 'b/2.txt', 'c/1.txt', 'c/2.txt']);
    expect(prefetched).toEqual(['b/', 'c/']);
    prefetched.length = 0;
    // Starting in b/, and with a prefix that ends in b/: c/ lies past it, so it is not read.
    expect(await list({ prefix: 'b/' })).toEqual(['b/1.txt', 'b/2.txt']);
    expect(prefetched).toEqual([]);
  });

  it('reads nothing ahead when folders roll up into folder rows', async () => {
    const { list, prefetched } = await bucket();
    expect(await list({ delimiter: '/' })).toEqual(['a/', 'b/', 'c/']);
    expect(prefetched).toEqual([]);
  });
});
