import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { ListingCache, type ListingSource } from '../../server/storage/listing-cache.ts';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

/** A source that counts its scans and lists the folders it is told of. */
function countingSource(names: () => string[]): ListingSource & { scans: number } {
  const source = {
    scans: 0,
    async bucketNames() {
      source.scans++;
      return names();
    },
    async scanBucket() {
      return { created: new Date(0).toISOString(), files: [], bytes: 0 };
    },
  };
  return source;
}

it('serves bucket names from memory once the root exists, even when it did not at first, and rescans after a change', async () => {
  const parent = await mkdtemp(join(tmpdir(), 'pail-cache-'));
  cleanup.push(() => rm(parent, { recursive: true, force: true }));
  const root = join(parent, 'data');
  const buckets: string[] = [];
  const source = countingSource(() => [...buckets]);
  const cache = new ListingCache(root, source);
  cleanup.push(async () => cache.close());

  await mkdir(root);
  expect(await cache.bucketNames()).toEqual([]);
  expect(await cache.bucketNames()).toEqual([]);
  expect(source.scans).toBe(1);

  buckets.push('photos');
  await mkdir(join(root, 'photos'));
  await expect.poll(() => cache.bucketNames(), { timeout: 2_000, interval: 10 }).toContain('photos');
  const scans = source.scans;
  await cache.bucketNames();
  expect(source.scans).toBe(scans);
});

it('never keeps a scan that raced with an invalidation', async () => {
  const root = await mkdtemp(join(tmpdir(), 'pail-cache-'));
  cleanup.push(() => rm(root, { recursive: true, force: true }));
  let names = ['old'];
  const source = countingSource(() => names);
  const cache = new ListingCache(root, source);
  cleanup.push(async () => cache.close());
  const racing = cache.bucketNames();
  names = ['new'];
  cache.invalidateBuckets();
  await racing;
  expect(await cache.bucketNames()).toEqual(['new']);
});
