import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code } from '../../shared/protocol/codes.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { postJson, startHarness, type Harness, jsonOf } from './harness.ts';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const DIGITS = '0123456789';

describe('file routes', () => {
  let h: Harness;
  const files = (bucket: string) => `${h.base}/api/buckets/${bucket}/files`;
  beforeAll(async () => {
    h = await startHarness();
    await postJson(`${h.base}/api/buckets`, { name: 'docs' });
    await fetch(`${files('docs')}/digits.txt`, { method: 'PUT', body: DIGITS });
  });
  afterAll(() => h.close());

  it('stores a raw PUT body and lists it with size, modified and SHA-256', async () => {
    const put = await fetch(`${files('docs')}/notes.txt`, { method: 'PUT', body: 'some notes' });
    expect(put.status).toBe(201);
    expect(await jsonOf(put)).toEqual({ bucket: 'docs', name: 'notes.txt', size: 10, sha256: sha256('some notes'), modified: expect.any(String) });

    const listed = await jsonOf(await fetch(files('docs')));
    expect(listed.bucket).toBe('docs');
    expect(listed.files).toContainEqual({ bucket: 'docs', name: 'notes.txt', size: 10, sha256: sha256('some notes'), modified: expect.any(String) });
  });

  it('passes any content type of a PUT body through untouched', async () => {
    const body = '{"not": "parsed"}';
    const put = await fetch(`${files('docs')}/data.json`, { method: 'PUT', body, headers: { 'content-type': 'application/json' } });
    expect(put.status).toBe(201);
    expect(await (await fetch(`${files('docs')}/data.json`)).text()).toBe(body);
  });

  it('stores an empty PUT body as an empty file', async () => {
    const put = await fetch(`${files('docs')}/empty`, { method: 'PUT' });
    expect(put.status).toBe(201);
    expect((await jsonOf(put)).size).toBe(0);
  });

  it('refuses to replace a file unless asked to overwrite', async () => {
    const again = await fetch(`${files('docs')}/digits.txt`, { method: 'PUT', body: 'other' });
    expect(again.status).toBe(409);
    expect((await jsonOf(again)).error).toMatchObject({ code: Code.FUTF, mnemonic: 'FUTF', reason: Reason.exists });

    const replaced = await fetch(`${files('docs')}/replaced.txt?overwrite=true`, { method: 'PUT', body: 'v2' });
    expect(replaced.status).toBe(201);
  });

  it('answers 404 for uploads to and listings of a missing bucket', async () => {
    const put = await fetch(`${files('nowhere')}/x`, { method: 'PUT', body: 'x' });
    expect(put.status).toBe(404);
    expect((await jsonOf(put)).error).toMatchObject({ code: Code.FUTF, reason: Reason.noSuchBucket });
    const listed = await fetch(files('nowhere'));
    expect(listed.status).toBe(404);
    expect((await jsonOf(listed)).error).toMatchObject({ code: Code.FLF, reason: Reason.noSuchBucket });
  });

  it('downloads as an attachment with length, ETag and nosniff', async () => {
    const response = await fetch(`${files('docs')}/digits.txt`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(DIGITS.length));
    expect(response.headers.get('etag')).toBe(`"${sha256(DIGITS)}"`);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="digits.txt"; filename*=UTF-8''digits.txt`);
    expect(await response.text()).toBe(DIGITS);
  });

  it('encodes a non-ASCII or hostile name safely in Content-Disposition', async () => {
    const name = 'résumé "final"; x.html';
    await fetch(`${files('docs')}/${encodeURIComponent(name)}`, { method: 'PUT', body: '<script>alert(1)</script>' });
    const response = await fetch(`${files('docs')}/${encodeURIComponent(name)}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="r_sum_ _final_; x.html"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22%3B%20x.html`,
    );
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    await response.arrayBuffer();
  });

  it('answers a Range with 206 and exactly the bytes asked for', async () => {
    const cases: [string, string, string][] = [
      ['bytes=2-5', '2345', 'bytes 2-5/10'],
      ['bytes=7-', '789', 'bytes 7-9/10'],
      ['bytes=-3', '789', 'bytes 7-9/10'],
      ['bytes=8-99', '89', 'bytes 8-9/10'],
    ];
    for (const [range, body, contentRange] of cases) {
      const response = await fetch(`${files('docs')}/digits.txt`, { headers: { range } });
      expect(response.status, range).toBe(206);
      expect(response.headers.get('content-range'), range).toBe(contentRange);
      expect(response.headers.get('content-length'), range).toBe(String(body.length));
      expect(await response.text(), range).toBe(body);
    }
  });

  it('answers a suffix Range of an empty file with a plain 200 and the empty body', async () => {
    const put = await fetch(`${files('docs')}/empty.txt`, { method: 'PUT', body: '' });
    expect(put.status).toBe(201);
    await put.text();
    const response = await fetch(`${files('docs')}/empty.txt`, { headers: { range: 'bytes=-5' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-range')).toBeNull();
    expect(response.headers.get('content-length')).toBe('0');
    expect(await response.text()).toBe('');
  });

  it('answers a Range past the end with 416 and the size', async () => {
    const response = await fetch(`${files('docs')}/digits.txt`, { headers: { range: 'bytes=10-' } });
    expect(response.status).toBe(416);
    expect(response.headers.get('content-range')).toBe('bytes */10');
    expect((await jsonOf(response)).error).toMatchObject({ code: Code.FDFBF, reason: Reason.badRange });
  });

  it('sends the whole file for an If-Range that no longer matches, or several ranges', async () => {
    const stale = await fetch(`${files('docs')}/digits.txt`, { headers: { range: 'bytes=0-1', 'if-range': '"stale"' } });
    expect(stale.status).toBe(200);
    expect(await stale.text()).toBe(DIGITS);
    const current = await fetch(`${files('docs')}/digits.txt`, { headers: { range: 'bytes=0-1', 'if-range': `"${sha256(DIGITS)}"` } });
    expect(current.status).toBe(206);
    expect(await current.text()).toBe('01');
    const several = await fetch(`${files('docs')}/digits.txt`, { headers: { range: 'bytes=0-1,4-5' } });
    expect(several.status).toBe(200);
    expect(await several.text()).toBe(DIGITS);
  });

  it("answers HEAD with the file's headers and no body", async () => {
    const response = await fetch(`${files('docs')}/digits.txt`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(DIGITS.length));
    expect(response.headers.get('etag')).toBe(`"${sha256(DIGITS)}"`);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(await response.text()).toBe('');
    expect((await fetch(`${files('docs')}/missing.txt`, { method: 'HEAD' })).status).toBe(404);
  });

  it('answers 304 when If-None-Match names the current ETag', async () => {
    const tag = `"${sha256(DIGITS)}"`;
    const unchanged = await fetch(`${files('docs')}/digits.txt`, { headers: { 'if-none-match': `"other", ${tag}` } });
    expect(unchanged.status).toBe(304);
    expect(unchanged.headers.get('etag')).toBe(tag);
    const changed = await fetch(`${files('docs')}/digits.txt`, { headers: { 'if-none-match': '"other"' } });
    expect(changed.status).toBe(200);
    expect(await changed.text()).toBe(DIGITS);
  });

  it('answers 404 for a download of a missing file', async () => {
    const response = await fetch(`${files('docs')}/missing.txt`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-disposition')).toBeNull();
    expect((await jsonOf(response)).error).toMatchObject({ code: Code.FDFBF, mnemonic: 'FDFBF', reason: Reason.noSuchFile });
  });

  it('deletes a file, then answers 404 for it', async () => {
    await fetch(`${files('docs')}/doomed.txt`, { method: 'PUT', body: 'bye' });
    expect((await fetch(`${files('docs')}/doomed.txt`, { method: 'DELETE' })).status).toBe(204);
    const again = await fetch(`${files('docs')}/doomed.txt`, { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect((await jsonOf(again)).error).toMatchObject({ code: Code.FDF, reason: Reason.noSuchFile });
  });

  it('refuses a cross-origin upload before storing anything', async () => {
    const response = await fetch(`${files('docs')}/csrf.txt`, { method: 'PUT', body: 'x', headers: { origin: 'http://evil.example' } });
    expect(response.status).toBe(403);
    expect((await jsonOf(response)).error).toMatchObject({ code: Code.FUTF, reason: Reason.forbidden });
    expect((await fetch(`${files('docs')}/csrf.txt`)).status).toBe(404);
  });
});

describe('multipart uploads', () => {
  let h: Harness;
  const files = `/api/buckets/forms/files`;
  beforeAll(async () => {
    h = await startHarness();
    await postJson(`${h.base}/api/buckets`, { name: 'forms' });
  });
  afterAll(() => h.close());

  const form = (entries: [string, string][]) => {
    const body = new FormData();
    body.append('note', 'a plain field, ignored');
    for (const [name, content] of entries) body.append('file', new Blob([content]), name);
    return body;
  };

  it('stores several files and reports each with size and SHA-256', async () => {
    const response = await fetch(`${h.base}${files}`, { method: 'POST', body: form([['a.txt', 'alpha'], ['b.txt', 'bravo'], ['ü.txt', 'umlaut']]) });
    expect(response.status).toBe(201);
    expect((await jsonOf(response)).files).toEqual([
      { name: 'a.txt', stored: true, size: 5, sha256: sha256('alpha'), modified: expect.any(String) },
      { name: 'b.txt', stored: true, size: 5, sha256: sha256('bravo'), modified: expect.any(String) },
      { name: 'ü.txt', stored: true, size: 6, sha256: sha256('umlaut'), modified: expect.any(String) },
    ]);
    expect(await (await fetch(`${h.base}${files}/${encodeURIComponent('ü.txt')}`)).text()).toBe('umlaut');
  });

  it('reports a refused file without hiding the files after it', async () => {
    const overlong = 'n'.repeat(300);
    const response = await fetch(`${h.base}${files}`, { method: 'POST', body: form([['a.txt', 'again'], ['c.txt', 'charlie'], [overlong, 'long']]) });
    expect(response.status).toBe(207);
    const outcomes = (await jsonOf(response)).files;
    expect(outcomes).toEqual([
      { name: 'a.txt', stored: false, error: expect.objectContaining({ code: Code.FUTF, reason: Reason.exists }) },
      { name: 'c.txt', stored: true, size: 7, sha256: sha256('charlie'), modified: expect.any(String) },
      { name: overlong, stored: false, error: expect.objectContaining({ code: Code.FUTF, reason: Reason.badName }) },
    ]);
    expect(await (await fetch(`${h.base}${files}/a.txt`)).text()).toBe('alpha');
  });

  it('replaces files with ?overwrite=true', async () => {
    const response = await fetch(`${h.base}${files}?overwrite=true`, { method: 'POST', body: form([['a.txt', 'replaced']]) });
    expect(response.status).toBe(201);
    expect(await (await fetch(`${h.base}${files}/a.txt`)).text()).toBe('replaced');
  });

  it('refuses a request that is not multipart, or holds no file', async () => {
    const notMultipart = await postJson(`${h.base}${files}`, { name: 'x' });
    expect(notMultipart.status).toBe(415);
    expect((await jsonOf(notMultipart)).error).toMatchObject({ code: Code.FUTF, reason: Reason.unsupportedMediaType });
    const noFile = await fetch(`${h.base}${files}`, { method: 'POST', body: form([]) });
    expect(noFile.status).toBe(400);
    expect((await jsonOf(noFile)).error).toMatchObject({ code: Code.FUTF, reason: Reason.badArgs });
  });

  it('reports every file as refused for a missing bucket', async () => {
    const response = await fetch(`${h.base}/api/buckets/nowhere/files`, { method: 'POST', body: form([['a.txt', 'a'], ['b.txt', 'b']]) });
    expect(response.status).toBe(207);
    const outcomes = (await jsonOf(response)).files;
    expect(outcomes.map((o: { error: { reason: string } }) => o.error.reason)).toEqual([Reason.noSuchBucket, Reason.noSuchBucket]);
  });
});

describe('size limits', () => {
  const LIMIT = 1024;
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ maxFileSize: LIMIT });
    await postJson(`${h.base}/api/buckets`, { name: 'small' });
  });
  afterAll(() => h.close());

  it('refuses a PUT larger than the maximum with 413 too-large, sized or chunked', async () => {
    const sized = await fetch(`${h.base}/api/buckets/small/files/big`, { method: 'PUT', body: Buffer.alloc(LIMIT + 1) });
    expect(sized.status).toBe(413);
    expect((await jsonOf(sized)).error).toMatchObject({ code: Code.FUTF, reason: Reason.tooLarge });

    const chunked = await fetch(`${h.base}/api/buckets/small/files/big`, {
      method: 'PUT',
      body: new Blob([Buffer.alloc(LIMIT * 4)]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect((await jsonOf(chunked)).error).toMatchObject({ code: Code.FUTF, reason: Reason.tooLarge });
    expect((await jsonOf(await fetch(`${h.base}/api/buckets/small/files`))).files).toEqual([]);
  });

  it('refuses a multipart file larger than the maximum and stores the others', async () => {
    const body = new FormData();
    body.append('file', new Blob([Buffer.alloc(LIMIT)]), 'fits');
    body.append('file', new Blob([Buffer.alloc(LIMIT + 1)]), 'too-big');
    body.append('file', new Blob(['after']), 'after');
    const response = await fetch(`${h.base}/api/buckets/small/files`, { method: 'POST', body });
    expect(response.status).toBe(207);
    const outcomes = (await jsonOf(response)).files;
    expect(outcomes).toEqual([
      expect.objectContaining({ name: 'fits', stored: true, size: LIMIT }),
      { name: 'too-big', stored: false, error: expect.objectContaining({ code: Code.FUTF, reason: Reason.tooLarge }) },
      expect.objectContaining({ name: 'after', stored: true, size: 5 }),
    ]);
    const names = (await jsonOf(await fetch(`${h.base}/api/buckets/small/files`))).files.map((f: { name: string }) => f.name);
    expect(names).toEqual(['after', 'fits']);
  });
});
