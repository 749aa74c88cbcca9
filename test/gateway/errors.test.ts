import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpStatusFor, isReason } from '../../shared/protocol/reasons.ts';
import { jsonOf, postJson, startHarness, type Harness } from './harness.ts';

/** Checks the one documented error shape, and that the status is the one its reason maps to. */
async function expectErrorShape(response: Response, what: string, reason: string): Promise<void> {
  const body = await jsonOf(response);
  expect(Object.keys(body), what).toEqual(['error']);
  expect(Object.keys(body.error).sort(), what).toEqual(['code', 'message', 'mnemonic', 'reason']);
  expect(typeof body.error.code, what).toBe('number');
  expect(isReason(body.error.reason), what).toBe(true);
  expect(body.error.reason, what).toBe(reason);
  expect(response.status, what).toBe(httpStatusFor(body.error.reason));
}

describe('every error under /api has the one documented shape and the status of its reason', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    expect((await postJson(`${h.base}/api/buckets`, { name: 'photos' })).status).toBe(201);
  });
  afterAll(() => h.close());

  it('answers unknown routes, media types, malformed bodies, URLs and queries, and overlong names in it', async () => {
    const cases: [string, string, RequestInit, string][] = [
      ['unknown route', '/api/nothing', {}, 'not-found'],
      ['unknown method on a route', '/api/buckets', { method: 'PATCH' }, 'not-found'],
      ['form-encoded bucket', '/api/buckets', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=x' }, 'unsupported-media-type'],
      ['malformed JSON', '/api/buckets', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{bad' }, 'bad-args'],
      ['JSON past the body limit', '/api/buckets', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x'.repeat(2 << 20) }) }, 'too-large'],
      ['query of the wrong type', '/api/buckets/photos?force=maybe', { method: 'DELETE' }, 'bad-args'],
      ['malformed percent-encoding', '/api/buckets/%zz/files', {}, 'bad-args'],
      ['a bucket parameter longer than any name', `/api/buckets/${'a'.repeat(9000)}/files`, {}, 'too-long'],
      ['a key longer than any key', `/api/buckets/photos/files/${'a/'.repeat(4500)}`, {}, 'bad-name'],
      ['a name the protocol refuses', `/api/buckets/photos/files/${'a'.repeat(256)}`, { method: 'PUT', body: 'x' }, 'bad-name'],
    ];
    for (const [what, path, init, reason] of cases) await expectErrorShape(await fetch(`${h.base}${path}`, init), what, reason);
  });
});

describe('a name of 255 bytes of UTF-8, the longest the protocol takes', () => {
  let h: Harness;
  // 185 characters (the router counts characters), 255 bytes: 150 ASCII and 35 three-byte ones.
  const NAME = `${'a'.repeat(150)}${'€'.repeat(35)}`;
  const url = () => `${h.base}/api/buckets/long/files/${encodeURIComponent(NAME)}`;
  beforeAll(async () => {
    h = await startHarness();
    expect((await postJson(`${h.base}/api/buckets`, { name: 'long' })).status).toBe(201);
  });
  afterAll(() => h.close());

  it('is stored, listed, read, described and deleted over every route', async () => {
    expect(Buffer.byteLength(NAME)).toBe(255);
    const put = await fetch(url(), { method: 'PUT', body: 'long name' });
    expect(put.status).toBe(201);
    expect((await jsonOf(put)).name).toBe(NAME);
    const listing = await jsonOf(await fetch(`${h.base}/api/buckets/long/files`));
    expect(listing.files.map((f: { name: string }) => f.name)).toEqual([NAME]);
    const got = await fetch(url());
    expect(got.status).toBe(200);
    expect(await got.text()).toBe('long name');
    const head = await fetch(url(), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('9');
    const ranged = await fetch(url(), { headers: { range: 'bytes=0-3' } });
    expect(ranged.status).toBe(206);
    expect(await ranged.text()).toBe('long');
    expect((await fetch(url(), { method: 'DELETE' })).status).toBe(204);
    const form = new FormData();
    form.append('file', new Blob(['by form']), NAME);
    const posted = await fetch(`${h.base}/api/buckets/long/files`, { method: 'POST', body: form });
    expect(posted.status).toBe(201);
    expect((await jsonOf(posted)).files[0]).toMatchObject({ name: NAME, stored: true });
  });
});
