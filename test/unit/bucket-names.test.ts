import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { BucketNames } from '../../server/storage/bucket-names.ts';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

/** A scan that counts its calls and gives the names it is told of. */
function countingSource(names: () => string[]): { scans: number; scan: () => Promise<string[]> } {
  const source = {
    scans: 0,
    scan: async () => {
      source.scans++;
      return names();
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
  const cache = new BucketNames(root, source.scan);
  cleanup.push(async () => cache.close());

  await mkdir(root);
  expect(await cache.get()).toEqual([]);
  expect(await cache.get()).toEqual([]);
  expect(source.scans).toBe(1);

  buckets.push('photos');
  await mkdir(join(root, 'photos'));
  await expect.poll(() => cache.get(), { timeout: 2_000, interval: 10 }).toContain('photos');
  const scans = source.scans;
  await cache.get();
  expect(source.scans).toBe(scans);
});

it('never keeps a scan that raced with an invalidation', async () => {
  const root = await mkdtemp(join(tmpdir(), 'pail-cache-'));
  cleanup.push(() => rm(root, { recursive: true, force: true }));
  let names = ['old'];
  const source = countingSource(() => names);
  const cache = new BucketNames(root, source.scan);
  cleanup.push(async () => cache.close());
  const racing = cache.get();
  names = ['new'];
  cache.invalidate();
  await racing;
  expect(await cache.get()).toEqual(['new']);
});
