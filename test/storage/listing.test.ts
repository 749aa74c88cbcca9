import { expect, it } from 'vitest';
import type { Storage } from '../../server/storage/storage.ts';
import { forEachBackend } from './backends.ts';
import { body, filesOf, rowsOf, sha256 } from './bytes.ts';

/** Listings: the byte order of keys' UTF-8, prefix, delimiter folder rows, after; on every backend. */

/**
 * Keys whose byte order is neither a locale's nor JavaScript's order of code
 * units: `-` < `/` < `0`, upper case first, and the fullwidth ｚ (U+FF5A,
 * EF BD 9A) before 😀 (U+1F600, F0 9F 98 80), though its code unit FF5A sorts
 * after 😀's first surrogate D83D.
 */
const KEYS = ['A.txt', 'a-b.txt', 'a/b.txt', 'a/c/d.txt', 'a0.txt', 'docs/', 'docs/readme', 'z.txt', '\u{1F600}.txt', 'é.txt', '\u{FF5A}.txt'];
const IN_BYTE_ORDER = ['A.txt', 'a-b.txt', 'a/b.txt', 'a/c/d.txt', 'a0.txt', 'docs/', 'docs/readme', 'z.txt', 'é.txt', '\u{FF5A}.txt', '\u{1F600}.txt'];

async function filled(open: () => Promise<Storage>): Promise<Storage> {
  const storage = await open();
  await storage.createBucket('list');
  // Stored in an order of their own, so no backend can pass by keeping the order of writes.
  for (const key of [...KEYS].reverse()) await storage.put('list', key, body(Buffer.from(key.endsWith('/') ? '' : key)), { size: key.endsWith('/') ? 0 : undefined });
  return storage;
}

forEachBackend((backend) => {
  it('lists every key in the byte order of its UTF-8, an explicit folder as a file of 0 bytes before the keys under it', async () => {
    const storage = await filled(() => backend.open());
    const files = await filesOf(storage.list('list'));
    expect(files.map((f) => f.name)).toEqual(IN_BYTE_ORDER);
    for (const file of files) {
      const content = Buffer.from(file.name.endsWith('/') ? '' : file.name);
      expect(file).toMatchObject({ bucket: 'list', size: content.length });
      // A listing may not know a file's SHA-256 (an S3 listing carries no metadata), but never gives a wrong one.
      if (file.sha256 !== null) expect(file.sha256).toBe(sha256(content));
      expect(Number.isNaN(Date.parse(file.modified))).toBe(false);
    }
  });

  it('lists only the keys under a prefix', async () => {
    const storage = await filled(() => backend.open());
    expect(await rowsOf(storage.list('list', { prefix: 'a/' }))).toEqual(['file a/b.txt', 'file a/c/d.txt']);
    expect(await rowsOf(storage.list('list', { prefix: 'a' }))).toEqual(['file a-b.txt', 'file a/b.txt', 'file a/c/d.txt', 'file a0.txt']);
    expect(await rowsOf(storage.list('list', { prefix: 'nothing' }))).toEqual([]);
  });

  it('rolls the keys below a / into one folder row each with delimiter=/, in byte order among the files', async () => {
    const storage = await filled(() => backend.open());
    expect(await rowsOf(storage.list('list', { delimiter: '/' }))).toEqual([
      'file A.txt',
      'file a-b.txt',
      'folder a/',
      'file a0.txt',
      'folder docs/',
      'file z.txt',
      'file é.txt',
      'file \u{FF5A}.txt',
      'file \u{1F600}.txt',
    ]);
    expect(await rowsOf(storage.list('list', { prefix: 'a/', delimiter: '/' }))).toEqual(['file a/b.txt', 'folder a/c/']);
    // The explicit folder is a key under its own prefix.
    expect(await rowsOf(storage.list('list', { prefix: 'docs/', delimiter: '/' }))).toEqual(['file docs/', 'file docs/readme']);
  });

  it('starts after a key, and after a folder row skips every key under it', async () => {
    const storage = await filled(() => backend.open());
    expect(await rowsOf(storage.list('list', { after: 'a/b.txt' }))).toEqual(IN_BYTE_ORDER.slice(3).map((k) => `file ${k}`));
    // A key that is not stored works as a position too.
    expect(await rowsOf(storage.list('list', { after: 'b' }))).toEqual(IN_BYTE_ORDER.slice(5).map((k) => `file ${k}`));
    expect(await rowsOf(storage.list('list', { delimiter: '/', after: 'a/' }))).toEqual([
      'file a0.txt',
      'folder docs/',
      ...IN_BYTE_ORDER.slice(7).map((k) => `file ${k}`),
    ]);
    expect(await rowsOf(storage.list('list', { after: 'é.txt' }))).toEqual(['file \u{FF5A}.txt', 'file \u{1F600}.txt']);
    expect(await rowsOf(storage.list('list', { prefix: 'a/', delimiter: '/', after: 'a/b.txt' }))).toEqual(['folder a/c/']);
    expect(await rowsOf(storage.list('list', { after: '\u{1F600}.txt' }))).toEqual([]);
  });

  it('pages a listing of more rows than an engine returns at once (1,500 keys), with no row twice and none missed', async () => {
    const storage = await backend.open();
    await storage.createBucket('many');
    const keys = Array.from({ length: 1500 }, (_, i) => `k/${String(i).padStart(5, '0')}`);
    // A few at a time (a backend over a network is not made to take 1,500 writes at once); overwrite, as a create's exactly-one-winner check is not what this tests.
    for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((key) => storage.put('many', key, body(Buffer.from('x')), { size: 1, overwrite: true })));
    expect((await filesOf(storage.list('many'))).map((f) => f.name)).toEqual(keys);
    expect((await filesOf(storage.list('many', { after: keys[1099] }))).map((f) => f.name)).toEqual(keys.slice(1100));
  });

  it('fails with no-such-bucket on the first row taken when the bucket does not exist', async () => {
    const storage = await backend.open();
    await expect(rowsOf(storage.list('nowhere'))).rejects.toMatchObject({ reason: 'no-such-bucket' });
  });
});
