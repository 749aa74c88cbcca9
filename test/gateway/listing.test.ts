import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PailConnection } from '../../shared/client/connection.ts';
import { startHarness, jsonOf, type Harness } from './harness.ts';

const FILES = 10_000;

describe('a long listing through the gateway', () => {
  let h: Harness;
  const url = () => `${h.base}/api/buckets/big/files`;
  beforeAll(async () => {
    h = await startHarness();
    // Written straight into the bucket's folder, as an operator would.
    const dir = join(h.data, 'big');
    await mkdir(dir);
    for (let i = 0; i < FILES; i += 500) {
      await Promise.all(Array.from({ length: 500 }, (_, j) => writeFile(join(dir, `f-${String(i + j).padStart(5, '0')}.txt`), `${i + j}`)));
    }
  });
  afterAll(() => h.close());

  it('arrives whole as JSON, row for row what the bucket server lists', async () => {
    const client = await PailConnection.connect({ host: '127.0.0.1', port: h.serverPort });
    // Files copied in are hashed in the background after their first listing: compare once every hash is known.
    const hashed = async () => (await client.listFiles('big')).filter((f) => f.sha256 === null).length;
    await expect.poll(hashed, { message: 'every copied file is hashed', timeout: 30_000, interval: 200 }).toBe(0);
    const overTcp = await client.listFiles('big');
    await client.quit();
    const response = await fetch(url());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const listed = await jsonOf(response);
    expect(listed.bucket).toBe('big');
    expect(listed.files).toHaveLength(FILES);
    expect(listed.files).toEqual(overTcp);
  });

  // A leaked pool connection shows as a hang once the pool is used up: the timeout turns it into a failure.
  it('keeps serving after browsers leave mid-listing, more of them than the pool has connections', { timeout: 30_000 }, async () => {
    for (let i = 0; i < 24; i++) {
      await new Promise<void>((resolve, reject) => {
        const req = request(url(), (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', reject);
        req.end();
      });
    }
    const listed = await jsonOf(await fetch(url()));
    expect(listed.files).toHaveLength(FILES);
    expect(listed.files[FILES - 1].name).toBe(`f-${String(FILES - 1).padStart(5, '0')}.txt`);
  });

  it('answers HEAD of a listing without keeping a bucket server connection, more times than the pool has connections', { timeout: 30_000 }, async () => {
    for (let i = 0; i < 24; i++) {
      const head = await fetch(url(), { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(await head.text()).toBe('');
    }
    const listed = await jsonOf(await fetch(url()));
    expect(listed.files).toHaveLength(FILES);
  });

  it('answers 404 with the error JSON for a missing bucket, before any row', async () => {
    const response = await fetch(`${h.base}/api/buckets/nothere/files`);
    expect(response.status).toBe(404);
    expect((await jsonOf(response)).error.reason).toBe('no-such-bucket');
  });
});
