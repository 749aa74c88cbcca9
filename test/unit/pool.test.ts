import { describe, expect, it } from 'vitest';
import { PailPool, type PoolOptions } from '../../shared/client/pool.ts';
import { UnreachableError } from '../../shared/client/errors.ts';
import type { PailConnection } from '../../shared/client/connection.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';

const { cleanup, serve } = cleanupAfterEach();

/** A pool of a real bucket server, closed after the test. */
async function poolOf(options: Partial<PoolOptions> = {}): Promise<PailPool> {
  const server = await serve();
  const pool = new PailPool({ host: '127.0.0.1', port: server.port, ...options });
  cleanup.push(() => pool.close());
  return pool;
}

/** Resolves with the value, or fails after `ms` (a bound on a wait, never a measurement). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Whether a promise has settled, after the turns already queued have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('PailPool', () => {
  it('reuses a connection given back instead of opening another', async () => {
    const pool = await poolOf({ max: 4 });
    const first = await pool.acquire();
    pool.release(first);
    expect(await pool.acquire()).toBe(first);
    expect(pool.open).toBe(1);
  });

  it('serves waiters in the order they came, each with the connection just given back', async () => {
    const pool = await poolOf({ max: 1 });
    const held = await pool.acquire();
    const order: number[] = [];
    const waiters = [1, 2, 3].map((n) =>
      pool.acquire().then((connection) => {
        order.push(n);
        return connection;
      }),
    );
    expect(pool.waiting).toBe(3);
    pool.release(held);
    const second = await waiters[0];
    expect(second).toBe(held);
    pool.release(second);
    pool.release(await waiters[1]);
    pool.release(await waiters[2]);
    expect(order).toEqual([1, 2, 3]);
    expect(pool.open).toBe(1);
  });

  it('fails a waiter after the acquire timeout, and takes it out of the queue', async () => {
    const pool = await poolOf({ max: 1, acquireTimeoutMs: 100 });
    await pool.acquire();
    await expect(pool.acquire()).rejects.toThrow(UnreachableError);
    expect(pool.waiting).toBe(0);
  });

  it('wakes a live waiter at once when a connection comes back after an earlier waiter timed out', async () => {
    const pool = await poolOf({ max: 1, acquireTimeoutMs: 100 });
    const held = await pool.acquire();
    await expect(pool.acquire()).rejects.toThrow(UnreachableError);
    // The connection given back must reach this waiter now, not when its own timer fires and it looks again.
    const live = pool.acquire();
    pool.release(held);
    expect(await settled(live)).toBe(true);
    expect(await live).toBe(held);
  });

  it('takes a waiter whose signal aborts out of the queue: it never gets a connection nor runs its work', async () => {
    const pool = await poolOf({ max: 1 });
    const held = await pool.acquire();
    const gaveUp = new AbortController();
    let ran = false;
    const abandoned = pool.use(async () => {
      ran = true;
    }, gaveUp.signal);
    const next = pool.acquire();
    gaveUp.abort(new Error('the caller left'));
    await expect(abandoned).rejects.toThrow('the caller left');
    expect(pool.waiting).toBe(1);
    pool.release(held);
    expect(await next).toBe(held);
    expect(ran).toBe(false);
  });

  it('refuses at once a caller whose signal has already aborted', async () => {
    const pool = await poolOf();
    await expect(pool.acquire(AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
    expect(pool.open).toBe(0);
  });

  it('takes the connection back when the work throws, and drops it when the work broke it', async () => {
    const pool = await poolOf({ max: 1 });
    let used: PailConnection | undefined;
    await expect(
      pool.use(async (c) => {
        used = c;
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');
    expect(await pool.use(async (c) => c)).toBe(used);

    await expect(
      pool.use(async (c) => {
        c.destroy();
        throw new Error('work broke its connection');
      }),
    ).rejects.toThrow('work broke its connection');
    expect(pool.open).toBe(0);
    const fresh = await pool.use(async (c) => {
      await c.listBuckets();
      return c;
    });
    expect(fresh).not.toBe(used);
  });

  it('gives a waiter a new connection when the one given back was broken', async () => {
    const pool = await poolOf({ max: 1 });
    const held = await pool.acquire();
    const waiter = pool.acquire();
    held.destroy();
    pool.release(held);
    const fresh = await within(waiter, 5_000, 'the waiter got a new connection');
    expect(fresh).not.toBe(held);
    expect(await fresh.listBuckets()).toEqual([]);
  });

  it('drops a download abandoned mid-body and keeps one read to its end', async () => {
    const pool = await poolOf({ max: 1 });
    await pool.use((c) => c.createBucket('bkt'));
    await pool.use((c) => c.upload('bkt', 'f', Buffer.alloc(4 << 20, 7)));
    const read = await pool.download('bkt', 'f');
    for await (const chunk of read.body) void chunk;
    expect(pool.open).toBe(1);
    const cut = new AbortController();
    const abandoned = await pool.download('bkt', 'f', {}, cut.signal);
    const closed = new Promise((resolve) => abandoned.body.once('close', resolve));
    cut.abort(new Error('the reader left'));
    await closed;
    expect(pool.open).toBe(0);
    expect(await pool.use((c) => c.listFiles('bkt'))).toHaveLength(1);
  });

  it('fails its waiters when closed, and every caller after', async () => {
    const pool = await poolOf({ max: 1 });
    const held = await pool.acquire();
    const waiter = pool.acquire();
    expect(await settled(waiter)).toBe(false);
    await pool.close();
    await expect(waiter).rejects.toThrow('the pool is closed');
    await expect(pool.acquire()).rejects.toThrow('the pool is closed');
    // A connection given back to a closed pool is closed, not kept.
    pool.release(held);
    expect(pool.open).toBe(0);
  });
});
