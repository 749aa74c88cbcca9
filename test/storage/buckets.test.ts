import { expect, it } from 'vitest';
import { forEachBackend } from './backends.ts';
import { body, bytes, rowsOf } from './bytes.ts';

/**
 * Buckets: create, list with their totals, delete (refused when not empty, unless forced); on every backend.
 * Names are the codec's to check (shared/protocol/request.ts): storage is given valid ones.
 */
forEachBackend((backend) => {
  it('creates a bucket once: a second create is exists', async () => {
    const storage = await backend.open();
    await storage.createBucket('photos');
    await expect(storage.createBucket('photos')).rejects.toMatchObject({ reason: 'exists' });
    expect(await rowsOf(storage.list('photos'))).toEqual([]);
  });

  it('lists the buckets by name with their files, bytes and creation time', async () => {
    const storage = await backend.open();
    expect(await storage.listBuckets()).toEqual([]);
    await storage.createBucket('beta');
    await storage.createBucket('alpha');
    await storage.put('beta', 'one', body(bytes(1000)), {});
    await storage.put('beta', 'dir/two', body(bytes(234)), {});
    const buckets = await storage.listBuckets();
    expect(buckets.map((b) => b.name)).toEqual(['alpha', 'beta']);
    expect(buckets[0]).toMatchObject({ files: 0, bytes: 0 });
    expect(buckets[1]).toMatchObject({ files: 2, bytes: 1234 });
    for (const b of buckets) expect(Number.isNaN(Date.parse(b.created))).toBe(false);
  });

  it('deletes an empty bucket; a bucket holding files only with force, and its files with it', async () => {
    const storage = await backend.open();
    await storage.createBucket('empty');
    await storage.deleteBucket('empty');
    expect(await storage.listBuckets()).toEqual([]);
    await expect(storage.deleteBucket('empty')).rejects.toMatchObject({ reason: 'no-such-bucket' });

    await storage.createBucket('full');
    await storage.put('full', 'a/b/c.txt', body(Buffer.from('c')), {});
    await expect(storage.deleteBucket('full')).rejects.toMatchObject({ reason: 'not-empty' });
    expect(await rowsOf(storage.list('full'))).toEqual(['file a/b/c.txt']);
    await storage.deleteBucket('full', { force: true });
    await expect(storage.stat('full', 'a/b/c.txt')).rejects.toMatchObject({ reason: 'no-such-bucket' });
    await expect(rowsOf(storage.list('full'))).rejects.toMatchObject({ reason: 'no-such-bucket' });
    // The name is free again, and the new bucket holds nothing of the old one.
    await storage.createBucket('full');
    expect(await rowsOf(storage.list('full'))).toEqual([]);
  });

  it('deletes with force a bucket holding keys an XML body cannot name (U+FFFF), with the rest', async () => {
    const storage = await backend.open();
    await storage.createBucket('odd');
    for (const key of ['\uffff', 'x\ufffe', 'plain.txt']) await storage.put('odd', key, body(Buffer.from(key)), {});
    await storage.deleteBucket('odd', { force: true });
    expect(await storage.listBuckets()).toEqual([]);
  });

  it("drops a bucket's upload sessions with it when forced", async () => {
    const storage = await backend.open();
    await storage.createBucket('sessions');
    const session = await storage.beginUpload('sessions', 'big.bin', { size: 10 });
    await storage.writePart(session.id, 0, body(Buffer.from('01234')), { size: 5 });
    await storage.deleteBucket('sessions', { force: true });
    await expect(storage.uploadStatus(session.id)).rejects.toMatchObject({ reason: 'no-such-upload' });
  });
});
