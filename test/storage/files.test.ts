import { describe, expect, it } from 'vitest';
import { forEachBackend } from './backends.ts';
import { body, bytes, heldBody, md5, MiB, readOpened, sha256 } from './bytes.ts';

/**
 * Files: put, stat, get, deleteFile, on every backend. Two sizes where the
 * size may choose the path (the s3 backend puts small bodies in one request
 * and stages large ones): 1 KiB and 9 MiB.
 */
const SIZES = [1024, 9 * MiB];

forEachBackend((backend) => {
  describe('put', () => {
    it.each(SIZES)('is atomic: during an overwrite of %i bytes a reader sees the old file whole, then the new one whole', async (size) => {
      const storage = await backend.open();
      await storage.createBucket('atomic');
      const old = bytes(size, 1);
      const next = bytes(size, 2);
      await storage.put('atomic', 'f.bin', body(old), { size });
      const held = heldBody(next, size >> 1);
      const writing = storage.put('atomic', 'f.bin', held.body, { size, overwrite: true });
      try {
        await held.started;
        // Half of the new body is taken: stat and a whole read still give the old file.
        expect(await storage.stat('atomic', 'f.bin')).toMatchObject({ size, sha256: sha256(old) });
        expect(sha256(await readOpened(await storage.get('atomic', 'f.bin')))).toBe(sha256(old));
      } finally {
        // Never left hanging, even when an expectation failed.
        held.release();
      }
      expect(await writing).toMatchObject({ size, sha256: sha256(next) });
      expect(sha256(await readOpened(await storage.get('atomic', 'f.bin')))).toBe(sha256(next));
    });

    it.each(SIZES)('answers for %i bytes the time stat then gives, a create and an overwrite alike', async (size) => {
      const storage = await backend.open();
      await storage.createBucket('times');
      const created = await storage.put('times', 'f.bin', body(bytes(size, 4)), { size });
      expect((await storage.stat('times', 'f.bin')).modified).toBe(created.modified);
      const replaced = await storage.put('times', 'f.bin', body(bytes(size, 5)), { size, overwrite: true });
      expect((await storage.stat('times', 'f.bin')).modified).toBe(replaced.modified);
    });

    it('lets a file opened before an overwrite be read to its end as the version opened', async () => {
      const storage = await backend.open();
      await storage.createBucket('opened');
      const old = bytes(2 * MiB, 3);
      await storage.put('opened', 'f.bin', body(old), {});
      const opened = await storage.get('opened', 'f.bin');
      await storage.put('opened', 'f.bin', body(bytes(2 * MiB, 4)), { overwrite: true });
      expect(opened.info.sha256).toBe(sha256(old));
      expect(sha256(await readOpened(opened))).toBe(sha256(old));
    });

    it.each(SIZES)('refuses a body of %i bytes whose SHA-256 is not the one announced, and leaves nothing visible', async (size) => {
      const storage = await backend.open();
      await storage.createBucket('digest');
      const data = bytes(size, 5);
      await expect(storage.put('digest', 'new.bin', body(data), { size, sha256: sha256(bytes(size, 6)) })).rejects.toMatchObject({ reason: 'checksum-mismatch' });
      await expect(storage.stat('digest', 'new.bin')).rejects.toMatchObject({ reason: 'no-such-file' });
      await expect(storage.get('digest', 'new.bin')).rejects.toMatchObject({ reason: 'no-such-file' });
      const rows = [];
      for await (const row of storage.list('digest')) rows.push(row);
      expect(rows).toEqual([]);
    });

    it.each(SIZES)('keeps the old file intact when an overwrite of %i bytes has the wrong SHA-256', async (size) => {
      const storage = await backend.open();
      await storage.createBucket('digest');
      const old = bytes(size, 7);
      await storage.put('digest', 'f.bin', body(old), {});
      await expect(storage.put('digest', 'f.bin', body(bytes(size, 8)), { overwrite: true, sha256: sha256(bytes(size, 9)) })).rejects.toMatchObject({
        reason: 'checksum-mismatch',
      });
      expect(await storage.stat('digest', 'f.bin')).toMatchObject({ size, sha256: sha256(old) });
      expect((await readOpened(await storage.get('digest', 'f.bin'))).equals(old)).toBe(true);
    });

    it('refuses a body whose MD5 is not the one announced, and leaves nothing visible', async () => {
      const storage = await backend.open();
      await storage.createBucket('digest');
      await expect(storage.put('digest', 'f.bin', body(bytes(1000)), { md5: md5(bytes(1000, 2)) })).rejects.toMatchObject({ reason: 'checksum-mismatch' });
      await expect(storage.stat('digest', 'f.bin')).rejects.toMatchObject({ reason: 'no-such-file' });
    });

    it('refuses a body longer or shorter than the size announced, and leaves nothing visible', async () => {
      const storage = await backend.open();
      await storage.createBucket('sizes');
      await expect(storage.put('sizes', 'long.bin', body(bytes(1001)), { size: 1000 })).rejects.toMatchObject({ reason: 'bad-size' });
      await expect(storage.put('sizes', 'short.bin', body(bytes(999)), { size: 1000 })).rejects.toMatchObject({ reason: 'bad-size' });
      await expect(storage.stat('sizes', 'long.bin')).rejects.toMatchObject({ reason: 'no-such-file' });
      await expect(storage.stat('sizes', 'short.bin')).rejects.toMatchObject({ reason: 'no-such-file' });
    });

    it('refuses a file larger than the largest file, before and after its body', async () => {
      const storage = await backend.open({ maxFileSize: 1000 });
      await storage.createBucket('limits');
      await expect(storage.checkPut('limits', 'big.bin', { size: 1001 })).rejects.toMatchObject({ reason: 'too-large' });
      // A body of unknown size is refused once it passes the limit.
      await expect(storage.put('limits', 'big.bin', body(bytes(1001), 100), {})).rejects.toMatchObject({ reason: 'too-large' });
      await expect(storage.stat('limits', 'big.bin')).rejects.toMatchObject({ reason: 'no-such-file' });
    });

    it('creates with exactly one winner: of 8 concurrent creates of one key, one stores its file and the others are refused as existing', async () => {
      const storage = await backend.open();
      await storage.createBucket('race');
      const bodies = Array.from({ length: 8 }, (_, i) => bytes(64 * 1024, 10 + i));
      const results = await Promise.allSettled(bodies.map((data) => storage.put('race', 'one.bin', body(data, 16 * 1024), { size: data.length })));
      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      expect(won).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ reason: 'exists' });
      expect((await storage.stat('race', 'one.bin')).sha256).toBe(sha256(bodies[won[0]]));
    });

    it('refuses to create a key that exists (checkPut and put), and replaces it with overwrite', async () => {
      const storage = await backend.open();
      await storage.createBucket('over');
      await storage.put('over', 'f.txt', body(Buffer.from('first')), {});
      await expect(storage.checkPut('over', 'f.txt', { size: 6 })).rejects.toMatchObject({ reason: 'exists' });
      await expect(storage.put('over', 'f.txt', body(Buffer.from('second')), {})).rejects.toMatchObject({ reason: 'exists' });
      await storage.checkPut('over', 'f.txt', { size: 6, overwrite: true });
      const info = await storage.put('over', 'f.txt', body(Buffer.from('second')), { overwrite: true });
      expect(info).toMatchObject({ bucket: 'over', name: 'f.txt', size: 6, sha256: sha256(Buffer.from('second')) });
      expect((await readOpened(await storage.get('over', 'f.txt'))).toString()).toBe('second');
    });

    it('refuses a file in a bucket that does not exist', async () => {
      const storage = await backend.open();
      await expect(storage.put('nowhere', 'f.txt', body(Buffer.from('x')), {})).rejects.toMatchObject({ reason: 'no-such-bucket' });
      await expect(storage.stat('nowhere', 'f.txt')).rejects.toMatchObject({ reason: 'no-such-bucket' });
    });
  });

  describe('stat and get', () => {
    it('give the size, SHA-256, MD5 etag (when asked for) and attributes the file was stored with', async () => {
      const storage = await backend.open();
      await storage.createBucket('meta');
      const data = bytes(5000, 20);
      const attrs = 'content-type=text%2Fplain&x-amz-meta-colour=blue';
      const put = await storage.put('meta', 'dir/f.txt', body(data), { md5: true, attrs });
      const expected = { bucket: 'meta', name: 'dir/f.txt', size: 5000, sha256: sha256(data), etag: md5(data), attrs };
      expect(put).toMatchObject(expected);
      expect(Number.isNaN(Date.parse(put.modified))).toBe(false);
      expect(await storage.stat('meta', 'dir/f.txt')).toMatchObject(expected);
      const opened = await storage.get('meta', 'dir/f.txt');
      expect(opened.info).toMatchObject(expected);
      expect((await readOpened(opened)).equals(data)).toBe(true);
      // Without md5 and attrs: neither is invented.
      const plain = await storage.put('meta', 'plain.bin', body(data), { md5: md5(data) });
      expect(plain.etag).toBe(md5(data));
      const bare = await storage.put('meta', 'bare.bin', body(data), {});
      expect((await storage.stat('meta', 'bare.bin')).attrs).toBeUndefined();
      expect(bare.attrs).toBeUndefined();
    });

    it('store and give back an empty file', async () => {
      const storage = await backend.open();
      await storage.createBucket('empty');
      expect(await storage.put('empty', 'zero', body(Buffer.alloc(0)), { size: 0 })).toMatchObject({ size: 0, sha256: sha256(Buffer.alloc(0)) });
      const opened = await storage.get('empty', 'zero');
      expect(opened.length).toBe(0);
      expect((await readOpened(opened)).length).toBe(0);
    });

    it('read a byte range: from an offset to the end, or a length; a range outside the file is bad-range', async () => {
      const storage = await backend.open();
      await storage.createBucket('ranges');
      const data = bytes(3 * MiB + 17, 21);
      await storage.put('ranges', 'f.bin', body(data), {});
      const middle = await storage.get('ranges', 'f.bin', { offset: MiB + 5, length: MiB });
      expect(middle).toMatchObject({ offset: MiB + 5, length: MiB });
      expect(middle.info.size).toBe(data.length);
      expect((await readOpened(middle)).equals(data.subarray(MiB + 5, 2 * MiB + 5))).toBe(true);
      const tail = await storage.get('ranges', 'f.bin', { offset: 3 * MiB });
      expect((await readOpened(tail)).equals(data.subarray(3 * MiB))).toBe(true);
      const none = await storage.get('ranges', 'f.bin', { offset: data.length });
      expect(none.length).toBe(0);
      await none.close();
      await expect(storage.get('ranges', 'f.bin', { offset: data.length + 1 })).rejects.toMatchObject({ reason: 'bad-range' });
      await expect(storage.get('ranges', 'f.bin', { offset: 10, length: data.length })).rejects.toMatchObject({ reason: 'bad-range' });
    });

    it('read a range in jumps, not only in one ascending pass', async () => {
      const storage = await backend.open();
      await storage.createBucket('jumps');
      const data = bytes(2 * MiB, 22);
      await storage.put('jumps', 'f.bin', body(data), {});
      const opened = await storage.get('jumps', 'f.bin');
      try {
        const buffer = Buffer.alloc(1000);
        // Forward past a gap, then back: a resumed download reads where it left off.
        for (const position of [MiB, 10, 2 * MiB - 1000]) {
          const n = await opened.read(buffer, 1000, position);
          expect(n).toBe(1000);
          expect(buffer.equals(data.subarray(position, position + 1000))).toBe(true);
        }
      } finally {
        await opened.close();
      }
    });

    it('open only the version of the SHA-256 asked for: another is refused with changed, before its range is judged', async () => {
      const storage = await backend.open();
      await storage.createBucket('pinned');
      const first = bytes(4000, 23);
      const second = bytes(100, 24);
      await storage.put('pinned', 'f.bin', body(first), {});
      const pinned = await storage.get('pinned', 'f.bin', { offset: 1000 }, { sha256: sha256(first) });
      expect((await readOpened(pinned)).equals(first.subarray(1000))).toBe(true);
      await storage.put('pinned', 'f.bin', body(second), { overwrite: true });
      // The range 1000+ lies outside the new 100 bytes: the answer is still changed, not bad-range.
      await expect(storage.get('pinned', 'f.bin', { offset: 1000 }, { sha256: sha256(first) })).rejects.toMatchObject({ reason: 'changed' });
      const current = await storage.get('pinned', 'f.bin', undefined, { sha256: sha256(second) });
      expect((await readOpened(current)).equals(second)).toBe(true);
    });

    it('refuse a file that is not there with no-such-file', async () => {
      const storage = await backend.open();
      await storage.createBucket('absent');
      await expect(storage.stat('absent', 'nope')).rejects.toMatchObject({ reason: 'no-such-file' });
      await expect(storage.get('absent', 'nope')).rejects.toMatchObject({ reason: 'no-such-file' });
      await expect(storage.get('nowhere', 'nope')).rejects.toMatchObject({ reason: 'no-such-bucket' });
    });
  });

  describe('deleteFile', () => {
    it('removes a file: stat, get and the listing no longer find it, and a second delete is no-such-file', async () => {
      const storage = await backend.open();
      await storage.createBucket('del');
      await storage.put('del', 'a/b.txt', body(Buffer.from('bye')), {});
      await storage.put('del', 'keep.txt', body(Buffer.from('stay')), {});
      await storage.deleteFile('del', 'a/b.txt');
      await expect(storage.stat('del', 'a/b.txt')).rejects.toMatchObject({ reason: 'no-such-file' });
      await expect(storage.get('del', 'a/b.txt')).rejects.toMatchObject({ reason: 'no-such-file' });
      const names = [];
      for await (const row of storage.list('del')) names.push(row.kind === 'file' ? row.file.name : row.prefix);
      expect(names).toEqual(['keep.txt']);
      await expect(storage.deleteFile('del', 'a/b.txt')).rejects.toMatchObject({ reason: 'no-such-file' });
      await expect(storage.deleteFile('nowhere', 'a')).rejects.toMatchObject({ reason: 'no-such-bucket' });
    });

    it('lets the key be created again after a delete', async () => {
      const storage = await backend.open();
      await storage.createBucket('again');
      await storage.put('again', 'f', body(Buffer.from('1')), {});
      await storage.deleteFile('again', 'f');
      expect(await storage.put('again', 'f', body(Buffer.from('2')), {})).toMatchObject({ size: 1, sha256: sha256(Buffer.from('2')) });
    });
  });
});
