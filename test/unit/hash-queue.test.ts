import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HashQueue } from '../../server/storage/hash-queue.ts';

/** A folder hasher over made-up folders of `files` files each, recording each file hashed. */
function recorder(files: number) {
  const hashed: string[] = [];
  const hashFolder = async (bucket: string, folder: string, pace: () => Promise<boolean>) => {
    for (let i = 0; i < files; i++) {
      if (!(await pace())) return;
      hashed.push(`${bucket}/${folder}f${i}`);
    }
  };
  return { hashed, hashFolder };
}

describe('the background hash queue', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hashes one file per busyGapMs while listings keep reporting, and the rest once they have been quiet for quietMs', async () => {
    const { hashed, hashFolder } = recorder(20);
    const queue = new HashQueue(hashFolder, { max: 1_000, concurrency: 1, quietMs: 100, busyGapMs: 400 });
    // A listing reports the folder every 50 ms for a second: never 100 ms of quiet, so one file per 400 ms.
    for (let i = 0; i < 20; i++) {
      queue.add('b', 'dir/');
      await vi.advanceTimersByTimeAsync(50);
    }
    expect(hashed.length).toBeGreaterThan(0);
    expect(hashed.length).toBeLessThanOrEqual(Math.ceil(1_000 / 400));
    await vi.advanceTimersByTimeAsync(100);
    expect(hashed).toEqual(Array.from({ length: 20 }, (_, i) => `b/dir/f${i}`));
    queue.close();
  });

  it('takes each folder once however often it is reported, no more than max waiting, and stops when closed', async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const folders: string[] = [];
    const queue = new HashQueue(
      async (bucket, folder, pace) => {
        folders.push(`${bucket}/${folder}`);
        await gate;
        await pace();
      },
      { max: 3, concurrency: 1, quietMs: 10, busyGapMs: 10 },
    );
    // a/ is taken at once and held at the gate; b/, c/ and d/ wait; e/ is one too many; repeats count once.
    for (const folder of ['a/', 'a/', 'b/', 'c/', 'b/', 'd/', 'e/', 'c/']) queue.add('x', folder);
    release();
    await vi.advanceTimersByTimeAsync(100);
    expect(folders).toEqual(['x/a/', 'x/b/', 'x/c/', 'x/d/']);

    const { hashed, hashFolder } = recorder(5);
    const closing = new HashQueue(hashFolder, { max: 10, concurrency: 1, quietMs: 1_000, busyGapMs: 100 });
    closing.add('y', '');
    await vi.advanceTimersByTimeAsync(150);
    closing.close();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(hashed.length).toBeLessThan(5);
  });
});
