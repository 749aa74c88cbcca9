import { expect } from 'vitest';
import { forEachBackend, itOnlyOn } from './backends.ts';
import { body, rowsOf } from './bytes.ts';

/**
 * Promises that hold only on a plain tree of folders: declared for every
 * backend, run on fs, and shown skipped with their reason on the others.
 */
const PLAIN_TREE = 'a plain tree of folders cannot hold a file and a folder of one name; an S3 engine holds `a` and `a/b` side by side';

forEachBackend((backend) => {
  itOnlyOn(backend, ['fs'], PLAIN_TREE, 'refuses a key under a file (a/b beside a file a) with folder-conflict', async () => {
    const storage = await backend.open();
    await storage.createBucket('tree');
    await storage.put('tree', 'a', body(Buffer.from('file')), {});
    await expect(storage.checkPut('tree', 'a/b', { size: 1 })).rejects.toMatchObject({ reason: 'folder-conflict' });
    await expect(storage.put('tree', 'a/b', body(Buffer.from('x')), {})).rejects.toMatchObject({ reason: 'folder-conflict' });
    expect(await rowsOf(storage.list('tree'))).toEqual(['file a']);
  });

  itOnlyOn(backend, ['fs'], PLAIN_TREE, 'refuses a file where a folder is (a beside a/b) with folder-conflict, even with overwrite', async () => {
    const storage = await backend.open();
    await storage.createBucket('tree');
    await storage.put('tree', 'c/d', body(Buffer.from('file')), {});
    await expect(storage.put('tree', 'c', body(Buffer.from('x')), {})).rejects.toMatchObject({ reason: 'folder-conflict' });
    await expect(storage.put('tree', 'c', body(Buffer.from('x')), { overwrite: true })).rejects.toMatchObject({ reason: 'folder-conflict' });
    expect(await rowsOf(storage.list('tree'))).toEqual(['file c/d']);
  });
});
