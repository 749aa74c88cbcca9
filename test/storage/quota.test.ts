import { expect, it } from 'vitest';
import { forEachBackend } from './backends.ts';
import { body, bytes } from './bytes.ts';

/** The quota: all buckets together hold at most its bytes; past it, writes are no-space; on every backend. */
const QUOTA = 100_000;

forEachBackend((backend) => {
  it('refuses a file that would go past the quota, before its body when its size is announced, and takes it once room is freed', async () => {
    const storage = await backend.open({ quota: QUOTA });
    await storage.createBucket('quota');
    await storage.put('quota', 'first', body(bytes(60_000)), { size: 60_000 });
    await expect(storage.checkPut('quota', 'second', { size: 50_000 })).rejects.toMatchObject({ reason: 'no-space' });
    await expect(storage.put('quota', 'second', body(bytes(50_000)), { size: 50_000 })).rejects.toMatchObject({ reason: 'no-space' });
    await expect(storage.stat('quota', 'second')).rejects.toMatchObject({ reason: 'no-such-file' });
    // What fits, fits: the limit is the sum, not each file.
    await storage.put('quota', 'small', body(bytes(40_000)), { size: 40_000 });
    await storage.deleteFile('quota', 'first');
    await storage.put('quota', 'second', body(bytes(50_000)), { size: 50_000 });
  });

  it('refuses a body of unknown size once it grows past the quota, and keeps none of it', async () => {
    const storage = await backend.open({ quota: QUOTA });
    await storage.createBucket('quota');
    await expect(storage.put('quota', 'chunked', body(bytes(QUOTA + 1), 10_000), {})).rejects.toMatchObject({ reason: 'no-space' });
    await expect(storage.stat('quota', 'chunked')).rejects.toMatchObject({ reason: 'no-such-file' });
    // Nothing of the refused body is counted.
    await storage.put('quota', 'whole', body(bytes(QUOTA)), { size: QUOTA });
  });

  it('counts an overwrite, once stored, as the difference it makes, and frees a deleted bucket', async () => {
    const storage = await backend.open({ quota: QUOTA });
    await storage.createBucket('quota');
    await storage.put('quota', 'f', body(bytes(90_000)), {});
    // While it is sent, an overwrite needs room for all its bytes (the old file stays until it is whole).
    await storage.put('quota', 'f', body(bytes(5_000)), { size: 5_000, overwrite: true });
    // Stored, it holds 5,000: 90,000 more fit, 5,001 more then do not.
    await storage.put('quota', 'g', body(bytes(90_000)), { size: 90_000 });
    await expect(storage.put('quota', 'h', body(bytes(5_001)), { size: 5_001 })).rejects.toMatchObject({ reason: 'no-space' });
    await storage.deleteBucket('quota', { force: true });
    await storage.createBucket('again');
    await storage.put('again', 'g', body(bytes(QUOTA)), { size: QUOTA });
  });

  it('holds room for an upload session begun with a size, and gives it back when aborted', async () => {
    const storage = await backend.open({ quota: QUOTA });
    await storage.createBucket('quota');
    const session = await storage.beginUpload('quota', 'big', { size: 70_000 });
    await expect(storage.put('quota', 'other', body(bytes(40_000)), { size: 40_000 })).rejects.toMatchObject({ reason: 'no-space' });
    await expect(storage.beginUpload('quota', 'second', { size: 40_000 })).rejects.toMatchObject({ reason: 'no-space' });
    await storage.abortUpload(session.id);
    await storage.put('quota', 'other', body(bytes(40_000)), { size: 40_000 });
  });
});
