import { createHash } from 'node:crypto';
import { get, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startHarness, type Harness } from './harness.ts';
import { generated, openRequest, readJson, sha256Of, writeAll } from './streams.ts';

const MiB = 1 << 20;
/** 1 GiB through PUT and GET, as issue 3 asks; a quarter of that through multipart. */
const BLOCKS = 1024;
const FORM_BLOCKS = 256;
/** A generous bound far below the file's size: the transfer is streamed, never held whole. */
const MAX_BUFFER_GROWTH = 128 * MiB;

describe('large files through the gateway', () => {
  let h: Harness;
  const expected = sha256Of(generated(BLOCKS, MiB));
  const expectedForm = sha256Of(generated(FORM_BLOCKS, MiB));
  let baseline = 0;
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  };
  beforeAll(async () => {
    h = await startHarness();
    await postJson(`${h.base}/api/buckets`, { name: 'large' });
    baseline = process.memoryUsage().arrayBuffers;
  });
  afterAll(() => h.close());

  it('streams 1 GiB in by PUT and out by GET with the SHA-256 intact and memory bounded', async () => {
    const upload = openRequest(`${h.base}/api/buckets/large/files/big.bin`, {
      method: 'PUT',
      headers: { 'content-length': BLOCKS * MiB, 'content-type': 'application/octet-stream' },
    });
    await writeAll(upload.req, generated(BLOCKS, MiB), sample);
    upload.req.end();
    const stored = await readJson(await upload.response);
    expect(stored).toMatchObject({ size: BLOCKS * MiB, sha256: expected });

    const response = await new Promise<IncomingMessage>((resolve) => get(`${h.base}/api/buckets/large/files/big.bin`, resolve));
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-length']).toBe(String(BLOCKS * MiB));
    expect(response.headers.etag).toBe(`"${expected}"`);
    const hash = createHash('sha256');
    let received = 0;
    for await (const chunk of response) {
      hash.update(chunk);
      received += chunk.length;
      sample();
    }
    expect(received).toBe(BLOCKS * MiB);
    expect(hash.digest('hex')).toBe(expected);
    expect(peak - baseline).toBeLessThan(MAX_BUFFER_GROWTH);
  });

  it('streams a 256 MiB multipart part', async () => {
    const boundary = 'pail-test-boundary';
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="form.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const upload = openRequest(`${h.base}/api/buckets/large/files`, {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': head.length + FORM_BLOCKS * MiB + tail.length },
    });
    upload.req.write(head);
    await writeAll(upload.req, generated(FORM_BLOCKS, MiB), sample);
    upload.req.end(tail);
    const response = await upload.response;
    expect(response.statusCode).toBe(201);
    expect((await readJson(response)).files).toEqual([
      { name: 'form.bin', stored: true, size: FORM_BLOCKS * MiB, sha256: expectedForm, modified: expect.any(String) },
    ]);
    expect(peak - baseline).toBeLessThan(MAX_BUFFER_GROWTH);
  });
});
