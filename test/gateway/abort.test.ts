import { readdir, truncate } from 'node:fs/promises';
import { get, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PailConnection } from '../../shared/client/connection.ts';
import { postJson, startHarness, type Harness, jsonOf } from './harness.ts';
import { generated, openRequest } from './streams.ts';

const MiB = 1 << 20;
/** PailPool's default number of open connections. */
const POOL_SIZE = 16;

describe('transfers cut short', () => {
  let h: Harness;
  /** Uploads in progress on the bucket server. */
  const temporaries = () => readdir(join(h.data, '.pail', 'tmp'));
  const fileNames = async () => (await jsonOf(await fetch(`${h.base}/api/buckets/cuts/files`))).files.map((f: { name: string }) => f.name);

  beforeAll(async () => {
    h = await startHarness();
    await postJson(`${h.base}/api/buckets`, { name: 'cuts' });
  });
  afterAll(() => h.close());

  /** Writes blocks until the bucket server holds a temporary for the upload, then cuts the request. */
  async function abortOnceStarted({ req, response }: ReturnType<typeof openRequest>): Promise<void> {
    // Cut on purpose: no response will come.
    response.catch(() => {});
    const blocks = generated(64, MiB);
    await expect.poll(async () => {
      const next = blocks.next();
      if (!next.done) req.write(next.value);
      return (await temporaries()).length > 0;
    }, { message: 'the upload reached the bucket server', timeout: 10_000, interval: 20 }).toBe(true);
    req.destroy();
    await expect.poll(() => temporaries(), { message: 'the bucket server removed the partial upload', timeout: 10_000, interval: 20 }).toHaveLength(0);
  }

  it('an aborted PUT leaves nothing behind', async () => {
    await abortOnceStarted(openRequest(`${h.base}/api/buckets/cuts/files/put.bin`, { method: 'PUT', headers: { 'content-length': 64 * MiB } }));
    expect(await fileNames()).toEqual([]);
  });

  it('an aborted chunked PUT leaves nothing behind', async () => {
    await abortOnceStarted(openRequest(`${h.base}/api/buckets/cuts/files/chunked.bin`, { method: 'PUT', headers: { 'transfer-encoding': 'chunked' } }));
    expect(await fileNames()).toEqual([]);
  });

  it('an aborted multipart upload leaves nothing behind', async () => {
    const boundary = 'cut-boundary';
    const upload = openRequest(`${h.base}/api/buckets/cuts/files`, {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'transfer-encoding': 'chunked' },
    });
    upload.req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="form.bin"\r\n\r\n`);
    await abortOnceStarted(upload);
    expect(await fileNames()).toEqual([]);
  });

  it('downloads abandoned by their clients give their connections back', async () => {
    const client = await PailConnection.connect({ host: '127.0.0.1', port: h.serverPort });
    await client.upload('cuts', 'abandoned.bin', generated(16, MiB));
    await client.quit();
    // More abandoned downloads than the pool holds connections: a leak would leave none for the listing.
    for (let i = 0; i < POOL_SIZE + 4; i++) {
      const response = await new Promise<IncomingMessage>((resolve) => get(`${h.base}/api/buckets/cuts/files/abandoned.bin`, resolve));
      await new Promise((resolve) => response.once('data', resolve));
      response.destroy();
    }
    const listed = await fetch(`${h.base}/api/buckets/cuts/files`);
    expect(listed.status).toBe(200);
    expect((await fetch(`${h.base}/api/buckets/cuts/files/abandoned.bin`, { method: 'DELETE' })).status).toBe(204);
  });

  it('a download the bucket server cuts short aborts the HTTP response', async () => {
    const client = await PailConnection.connect({ host: '127.0.0.1', port: h.serverPort });
    await client.upload('cuts', 'shrinking.bin', generated(64, MiB));
    await client.quit();

    const response = await new Promise<IncomingMessage>((resolve) => get(`${h.base}/api/buckets/cuts/files/shrinking.bin`, resolve));
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-length']).toBe(String(64 * MiB));
    // The bucket server has the file open; once it shrinks, its read fails and it cuts the connection.
    response.pause();
    await truncate(join(h.data, 'cuts', 'shrinking.bin'), MiB);
    let received = 0;
    const outcome = await new Promise<string>((resolve) => {
      response.on('data', (chunk: Buffer) => (received += chunk.length));
      response.once('end', () => resolve('ended'));
      response.once('error', () => resolve('aborted'));
      response.resume();
    });
    expect(outcome).toBe('aborted');
    expect(response.complete).toBe(false);
    expect(received).toBeLessThan(64 * MiB);
  });
});
