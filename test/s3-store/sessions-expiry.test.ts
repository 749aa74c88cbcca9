import { describe, expect, it } from 'vitest';
import { S3Storage } from '../../server/storage/s3/s3-storage.ts';
import { inPieces, NEEDS_ENGINE, ownStore, TEST_STORE } from './engine.ts';

describe.skipIf(!TEST_STORE)(`S3Storage upload sessions past their time to live (${NEEDS_ENGINE})`, () => {
  const url = ownStore();

  it('are gone as soon as a bucket server opens with a time to live they are past, as on the data folder', async () => {
    const first = await S3Storage.open(url, { maxFileSize: 1024 ** 2, uploadTtlMs: 3_600_000 });
    let id: string;
    try {
      await first.createBucket('idle');
      id = (await first.beginUpload('idle', 'idle.bin', { size: 800 })).id;
      await first.writePart(id, 0, inPieces(Buffer.alloc(100)), { size: 100 });
    } finally {
      await first.close();
    }
    // Touched at least 1 ms ago: past a time to live of 1 ms. No sweep is asked for: opening is enough.
    const again = await S3Storage.open(url, { maxFileSize: 1024 ** 2, uploadTtlMs: 1 });
    try {
      await expect(again.uploadStatus(id)).rejects.toMatchObject({ reason: 'no-such-upload' });
    } finally {
      await again.close();
    }
  });
});
