import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HashQueue } from '../../server/storage/hash-queue.ts';

describe('the background hash queue', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hashes one file per busyGapMs and worker while listings keep reporting files, and the rest once they have been quiet for quietMs', async () => {
    const hashed: string[] = [];
    const queue = new HashQueue(
      (bucket, key) => {
        hashed.push(`${bucket}/${key}`);
        return Promise.resolve();
      },
      { max: 1_000, concurrency: 2, quietMs: 100, busyGapMs: 400 },
    );
    // A listing reports a file every 50 ms for a second: never 100 ms of quiet, so each worker hashes one file per 400 ms.
    for (let i = 0; i < 20; i++) {
      queue.add('b', `f${i}`);
      await vi.advanceTimersByTimeAsync(50);
    }
    expect(hashed.length).toBeGreaterThan(0);
    expect(hashed.length).toBeLessThanOrEqual(2 * Math.ceil(1_000 / 400));
    await vi.advanceTimersByTimeAsync(100);
    expect(hashed.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `b/f${i}`).sort());
    queue.close();
  });

  it('takes each file once however often it is reported, and no more than max waiting', async () => {
    const hashed: string[] = [];
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const queue = new HashQueue(
      async (bucket, key) => {
        hashed.push(`${bucket}/${key}`);
        await gate;
      },
      { max: 3, concurrency: 1, quietMs: 10, busyGapMs: 10 },
    );
    // a is taken at once and held at the gate; b, c and d wait; e is one too many; repeats count once.
    for (const key of ['a', 'a', 'b', 'c', 'b', 'd', 'e', 'c']) queue.add('x', key);
    release();
    await vi.advanceTimersByTimeAsync(100);
    expect(hashed).toEqual(['x/a', 'x/b', 'x/c', 'x/d']);
    queue.close();
  });
});
