import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FolderSyncs } from '../../server/storage/folder-syncs.ts';
import { HashLog } from '../../server/storage/hash-log.ts';

const dir = await mkdtemp(join(tmpdir(), 'pail-group-commit-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('FolderSyncs', () => {
  it('lets entries made together share one fsync of their folder, each caller answered after a sync that began after its call', async () => {
    const folder = join(dir, 'shared');
    await mkdir(folder);
    const syncs = new FolderSyncs();
    const order: string[] = [];
    // 64 uploads finishing together: each makes its entry, then asks for the folder's sync.
    await Promise.all(
      Array.from({ length: 64 }, async (_, i) => {
        await writeFile(join(folder, `f-${i}`), 'x');
        await syncs.sync(folder);
        order.push(`f-${i}`);
      }),
    );
    expect(order).toHaveLength(64);
    expect(syncs.counts.asked).toBe(64);
    // Far fewer syncs than entries: one running at a time, the callers meanwhile sharing the next.
    expect(syncs.counts.made).toBeLessThan(16);
  });

  it('makes a caller who arrives while a sync runs wait for the next one', async () => {
    const folder = join(dir, 'next');
    await mkdir(folder);
    const syncs = new FolderSyncs();
    const first = syncs.sync(folder);
    const second = syncs.sync(folder);
    const third = syncs.sync(folder);
    expect(second).toBe(third); // the two arrivals share the next sync
    expect(second).not.toBe(first);
    await Promise.all([first, second, third]);
    expect(syncs.counts.made).toBe(2);
    // Once all is done, the next caller starts a sync of its own at once.
    await syncs.sync(folder);
    expect(syncs.counts.made).toBe(3);
  });

  it('fails the callers of a sync that fails, and the folder can be synced again', async () => {
    const syncs = new FolderSyncs();
    const missing = join(dir, 'missing');
    await expect(syncs.sync(missing)).rejects.toMatchObject({ code: 'ENOENT' });
    await mkdir(missing);
    await expect(syncs.sync(missing)).resolves.toBeUndefined();
  });
});

describe('HashLog records', () => {
  it('appends records that arrive together in shared appends, every record kept', async () => {
    const log = new HashLog(join(dir, 'meta'), join(dir, 'tmp'));
    const sha = (i: number) => i.toString(16).padStart(64, '0');
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => log.record('bucket', '', `f-${i}`, { ino: i + 1, size: i, mtimeMs: 1000 + i, sha256: sha(i) })),
    );
    expect(log.counts.records).toBe(100);
    expect(log.counts.appends).toBeLessThan(10);
    const read = await log.read('bucket', '');
    expect(read.files.size).toBe(100);
    for (let i = 0; i < 100; i++) expect(read.files.get(`f-${i}`)).toEqual({ ino: i + 1, size: i, mtimeMs: 1000 + i, sha256: sha(i) });
    // One JSON line per record.
    expect((await readFile(log.path('bucket', ''), 'utf8')).trim().split('\n')).toHaveLength(100);
  });

  it('gathers records with an etag that arrive together into shared synced appends, plain ones beside them kept', async () => {
    const log = new HashLog(join(dir, 'meta-durable'), join(dir, 'tmp'));
    const sha = (i: number) => i.toString(16).padStart(64, '0');
    const recordOf = (i: number) => ({ ino: i + 1, size: i, mtimeMs: 1000 + i, sha256: sha(i), ...(i % 2 ? {} : { etag: sha(i).slice(32) }) });
    await Promise.all(Array.from({ length: 100 }, (_, i) => log.record('bucket', '', `f-${i}`, recordOf(i))));
    expect(log.counts.records).toBe(100);
    expect(log.counts.appends).toBeLessThan(10);
    // Synced appends are shared too: at most one per append, not one per record with an etag (50 here).
    expect(log.counts.syncs).toBeGreaterThan(0);
    expect(log.counts.syncs).toBeLessThanOrEqual(log.counts.appends);
    const read = await log.read('bucket', '');
    for (let i = 0; i < 100; i++) expect(read.files.get(`f-${i}`)).toEqual(recordOf(i));
  });
});

/** A body as the storage takes it: chunks as they arrive. */
async function* body(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

describe('uploads of one key finishing together', () => {
  it("keep the key's last SHA-256 record its file's, so a listing gives the hash at once", async () => {
    const { FsStorage } = await import('../../server/storage/fs-storage.ts');
    const { createHash } = await import('node:crypto');
    const storage = await FsStorage.open(join(dir, 'data'), { maxFileSize: 1 << 20 });
    try {
      await storage.createBucket('same');
      for (let round = 0; round < 5; round++) {
        // 40 overwrites of one name at once: their records are appended together, their commits race.
        await Promise.all(
          Array.from({ length: 40 }, (_, i) => storage.put('same', 'one.bin', body(Buffer.alloc(1024, round * 40 + i)), { overwrite: true })),
        );
        const stored = await readFile(join(dir, 'data', 'same', 'one.bin'));
        const rows = [];
        for await (const row of storage.list('same')) rows.push(row);
        expect(rows).toEqual([{ kind: 'file', file: expect.objectContaining({ name: 'one.bin', sha256: createHash('sha256').update(stored).digest('hex') }) }]);
      }
    } finally {
      await storage.close();
    }
  });
});

describe('deletes of the last files of a folder finishing together', () => {
  it('all succeed, though one of them removes the emptied folder while the others wait for its sync', async () => {
    const { FsStorage } = await import('../../server/storage/fs-storage.ts');
    const storage = await FsStorage.open(join(dir, 'deletes'), { maxFileSize: 1 << 20 });
    try {
      await storage.createBucket('emptied');
      // As `aws s3 rm --recursive` deletes: ten at a time, the last files of folders going together.
      // They arrive spread over a few milliseconds, as over a network, so that
      // some wait for a folder sync while an earlier one prunes the folder.
      for (let round = 0; round < 20; round++) {
        const names = Array.from({ length: 10 }, (_, i) => `round-${round}/deep/f-${i}`);
        for (const name of names) await storage.put('emptied', name, body(Buffer.from(name)), {});
        const spread = (i: number) => new Promise((resolve) => setTimeout(resolve, (i * (round + 1)) % 7));
        const results = await Promise.allSettled(names.map(async (name, i) => {
          await spread(i);
          await storage.deleteFile('emptied', name);
        }));
        expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
      }
      const rows = [];
      for await (const row of storage.list('emptied')) rows.push(row);
      expect(rows).toEqual([]);
    } finally {
      await storage.close();
    }
  });
});

describe('an overwrite and a delete of one key finishing together', () => {
  it('either order succeeds (or the delete finds nothing), though the delete may remove the folder the overwrite is syncing', async () => {
    const { FsStorage } = await import('../../server/storage/fs-storage.ts');
    const storage = await FsStorage.open(join(dir, 'overwrite-delete'), { maxFileSize: 1 << 20 });
    try {
      await storage.createBucket('race');
      const failures: string[] = [];
      for (let round = 0; round < 200; round++) {
        const name = `r${round}/deep/one`;
        await storage.put('race', name, body(Buffer.from('a')), {});
        // Spread over a few milliseconds so that every interleaving comes up; nothing is asserted on timing.
        const spread = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
        const results = await Promise.allSettled([
          (async () => {
            await spread(round % 3);
            await storage.put('race', name, body(Buffer.from('b')), { overwrite: true });
          })(),
          (async () => {
            await spread((round >> 2) % 3);
            await storage.deleteFile('race', name);
          })(),
        ]);
        for (const result of results) {
          // A delete that came after the overwrite's file went, or before it came, may find nothing: that is an answer, not a failure.
          if (result.status === 'rejected' && !/no file named/.test(String((result.reason as Error).message))) failures.push(String((result.reason as Error).message));
        }
      }
      expect(failures).toEqual([]);
    } finally {
      await storage.close();
    }
  }, 60_000);
});
