import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PailConnection } from '../../shared/client/connection.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { postJson, startHarness, type Harness } from './harness.ts';
import { create, errorReason, fileBytes, metadata, OCTETS, offsetOf, patch, sha256, tus } from './tus-helpers.ts';

const MAX_FILE = 1 << 20;

describe('tus 1.0.0 at /api/uploads, request by request', () => {
  let h: Harness;
  let owner: PailConnection;
  beforeAll(async () => {
    h = await startHarness({ maxFileSize: MAX_FILE });
    expect((await postJson(`${h.base}/api/buckets`, { name: 'tus' })).status).toBe(201);
    owner = await PailConnection.connect({ host: '127.0.0.1', port: h.serverPort });
  });
  afterAll(async () => {
    await owner.quit();
    await h.close();
  });

  describe('OPTIONS', () => {
    it('says the version, the extensions, sha256 and the largest upload, without Tus-Resumable asked', async () => {
      const response = await fetch(`${h.base}/api/uploads`, { method: 'OPTIONS' });
      expect(response.status).toBe(204);
      expect(response.headers.get('tus-version')).toBe('1.0.0');
      expect(response.headers.get('tus-extension')?.split(',').sort()).toEqual(['checksum', 'creation', 'creation-with-upload', 'termination']);
      expect(response.headers.get('tus-checksum-algorithm')).toBe('sha256');
      expect(response.headers.get('tus-max-size')).toBe(String(MAX_FILE));
    });
  });

  describe('Tus-Resumable', () => {
    it('is required on POST, HEAD, PATCH and DELETE: 412 with Tus-Version, and nothing happens', async () => {
      const path = await create(h, 'tus', 'resumable.bin', 4);
      const requests: { method: string; url: string; headers: Record<string, string>; body?: Buffer }[] = [
        { method: 'POST', url: '/api/uploads', headers: { 'upload-length': '4', 'upload-metadata': metadata({ bucket: 'tus', name: 'nope.bin' }) } },
        { method: 'HEAD', url: path, headers: {} },
        { method: 'PATCH', url: path, headers: { ...OCTETS, 'upload-offset': '0' }, body: Buffer.from('abcd') },
        { method: 'DELETE', url: path, headers: {} },
      ];
      for (const { method, url, headers, body } of requests) {
        for (const version of [undefined, '0.2.2']) {
          const response = await tus(h, url, { method, headers: { ...headers, 'tus-resumable': version }, body });
          expect(response.status, `${method} with ${version}`).toBe(412);
          expect(response.headers.get('tus-version')).toBe('1.0.0');
          await response.arrayBuffer();
        }
      }
      expect(await offsetOf(h, path)).toBe(0);
      expect((await owner.listUploads('tus')).map((u) => u.key)).not.toContain('nope.bin');
    });

    it('comes back on every answer', async () => {
      const response = await tus(h, '/api/uploads/00000000000000000000000000000000', { method: 'HEAD' });
      expect(response.status).toBe(404);
      expect(response.headers.get('tus-resumable')).toBe('1.0.0');
    });
  });

  describe('POST (creation)', () => {
    it('begins a session: 201 with its Location, which HEAD finds empty with its length', async () => {
      const path = await create(h, 'tus', 'created.bin', 10);
      const head = await tus(h, path, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('upload-offset')).toBe('0');
      expect(head.headers.get('upload-length')).toBe('10');
      expect(head.headers.get('cache-control')).toBe('no-store');
      const sessions = await owner.listUploads('tus');
      expect(sessions.find((s) => path.endsWith(s.id))).toMatchObject({ key: 'created.bin', size: 10, held: 0 });
    });

    it('takes the first bytes with the creation (creation-with-upload) and says the offset', async () => {
      const response = await tus(h, '/api/uploads', {
        method: 'POST',
        headers: { ...OCTETS, 'upload-length': '10', 'upload-metadata': metadata({ bucket: 'tus', name: 'with-body.bin' }) },
        body: Buffer.from('hello'),
      });
      expect(response.status).toBe(201);
      expect(response.headers.get('upload-offset')).toBe('5');
      const path = response.headers.get('location')!;
      expect(await offsetOf(h, path)).toBe(5);
      expect((await patch(h, path, 5, Buffer.from('world'))).status).toBe(204);
      expect(await fileBytes(h, 'tus', 'with-body.bin')).toEqual(Buffer.from('helloworld'));
    });

    it('completes a creation whose body is the whole file, and says its digest', async () => {
      const bytes = randomBytes(3000);
      const response = await tus(h, '/api/uploads', {
        method: 'POST',
        headers: { ...OCTETS, 'upload-length': '3000', 'upload-metadata': metadata({ bucket: 'tus', name: 'one-go.bin' }) },
        body: bytes,
      });
      expect(response.status).toBe(201);
      expect(response.headers.get('upload-offset')).toBe('3000');
      expect(response.headers.get('pail-upload-sha256')).toBe(sha256(bytes));
      expect(await fileBytes(h, 'tus', 'one-go.bin')).toEqual(bytes);
      expect(await offsetOf(h, response.headers.get('location')!)).toEqual({ status: 404 });
    });

    it('stores an empty file at once for Upload-Length: 0', async () => {
      const path = await create(h, 'tus', 'empty.bin', 0);
      expect(await fileBytes(h, 'tus', 'empty.bin')).toEqual(Buffer.alloc(0));
      expect(await offsetOf(h, path)).toEqual({ status: 404 });
    });

    it('defers the length: HEAD says Upload-Defer-Length, and the PATCH that gives Upload-Length completes', async () => {
      const path = await create(h, 'tus', 'deferred.bin', 'deferred');
      const head = await tus(h, path, { method: 'HEAD' });
      expect(head.headers.get('upload-defer-length')).toBe('1');
      expect(head.headers.get('upload-length')).toBeNull();
      expect((await patch(h, path, 0, Buffer.from('abc'))).status).toBe(204);
      const past = await patch(h, path, 3, Buffer.from('def'), { 'upload-length': '5' });
      expect(past.status).toBe(413);
      expect(await offsetOf(h, path)).toBe(3);
      const last = await patch(h, path, 3, Buffer.from('def'), { 'upload-length': '6' });
      expect(last.status).toBe(204);
      expect(last.headers.get('pail-upload-sha256')).toBe(sha256(Buffer.from('abcdef')));
      expect(await fileBytes(h, 'tus', 'deferred.bin')).toEqual(Buffer.from('abcdef'));
    });

    it('refuses a creation without a length, with both, or with a deferral other than 1 (400)', async () => {
      const meta = metadata({ bucket: 'tus', name: 'no-length.bin' });
      const cases: Record<string, string>[] = [
        { 'upload-metadata': meta },
        { 'upload-metadata': meta, 'upload-length': '5', 'upload-defer-length': '1' },
        { 'upload-metadata': meta, 'upload-defer-length': '2' },
        { 'upload-metadata': meta, 'upload-length': '-5' },
        { 'upload-metadata': meta, 'upload-length': 'five' },
      ];
      for (const headers of cases) {
        const response = await tus(h, '/api/uploads', { method: 'POST', headers });
        expect(response.status, JSON.stringify(headers)).toBe(400);
        expect(await errorReason(response)).toBe(Reason.badArgs);
      }
      expect((await owner.listUploads('tus')).map((u) => u.key)).not.toContain('no-length.bin');
    });

    it('refuses missing or malformed metadata (400)', async () => {
      for (const header of [
        undefined,
        metadata({ name: 'a.bin' }),
        metadata({ bucket: 'tus' }),
        'bucket dHVz,name %%%',
        'bucket dHVz,bucket dHVz,name YS5iaW4=',
        `${metadata({ bucket: 'tus', name: 'a.bin' })},overwrite bWF5YmU=`,
        metadata({ bucket: 'tus', name: 'a.bin', sha256: 'not-hex' }),
      ]) {
        const response = await tus(h, '/api/uploads', { method: 'POST', headers: { 'upload-length': '1', ...(header ? { 'upload-metadata': header } : {}) } });
        expect(response.status, String(header)).toBe(400);
        expect(await errorReason(response)).toBe(Reason.badArgs);
      }
    });

    it('refuses a key that breaks the rules (400 bad-name) and a missing bucket (404)', async () => {
      const badKey = await tus(h, '/api/uploads', { method: 'POST', headers: { 'upload-length': '1', 'upload-metadata': metadata({ bucket: 'tus', name: '../escape' }) } });
      expect(badKey.status).toBe(400);
      expect(await errorReason(badKey)).toBe(Reason.badName);
      const noBucket = await tus(h, '/api/uploads', { method: 'POST', headers: { 'upload-length': '1', 'upload-metadata': metadata({ bucket: 'absent', name: 'a.bin' }) } });
      expect(noBucket.status).toBe(404);
      expect(await errorReason(noBucket)).toBe(Reason.noSuchBucket);
    });

    it('refuses a key that is taken unless overwrite is given (409 exists), then replaces it', async () => {
      await owner.upload('tus', 'taken.txt', Buffer.from('old'));
      const refused = await tus(h, '/api/uploads', { method: 'POST', headers: { 'upload-length': '3', 'upload-metadata': metadata({ bucket: 'tus', name: 'taken.txt' }) } });
      expect(refused.status).toBe(409);
      expect(await errorReason(refused)).toBe(Reason.exists);
      for (const overwrite of [true, 'true', '1'] as const) {
        const path = await create(h, 'tus', 'taken.txt', 3, { overwrite });
        expect((await patch(h, path, 0, Buffer.from('new'))).status).toBe(204);
        expect(await fileBytes(h, 'tus', 'taken.txt')).toEqual(Buffer.from('new'));
      }
    });

    it('refuses a length past the largest file (413), a body past the length (413) or of another type (415), leaving no session', async () => {
      const meta = metadata({ bucket: 'tus', name: 'refused-body.bin' });
      const tooLong = await tus(h, '/api/uploads', { method: 'POST', headers: { 'upload-length': String(MAX_FILE + 1), 'upload-metadata': meta } });
      expect(tooLong.status).toBe(413);
      const pastLength = await tus(h, '/api/uploads', { method: 'POST', headers: { ...OCTETS, 'upload-length': '2', 'upload-metadata': meta }, body: Buffer.from('abc') });
      expect(pastLength.status).toBe(413);
      const wrongType = await tus(h, '/api/uploads', {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'upload-length': '3', 'upload-metadata': meta },
        body: Buffer.from('abc'),
      });
      expect(wrongType.status).toBe(415);
      expect((await owner.listUploads('tus')).map((u) => u.key)).not.toContain('refused-body.bin');
    });

    it('aborts the session of a creation whose body fails its checksum (460): nothing is left', async () => {
      const response = await tus(h, '/api/uploads', {
        method: 'POST',
        headers: {
          ...OCTETS,
          'upload-length': '6',
          'upload-metadata': metadata({ bucket: 'tus', name: 'bad-first-part.bin' }),
          'upload-checksum': `sha256 ${Buffer.from(sha256(Buffer.from('other')), 'hex').toString('base64')}`,
        },
        body: Buffer.from('abc'),
      });
      expect(response.status).toBe(460);
      expect(response.headers.get('location')).toBeNull();
      expect((await owner.listUploads('tus')).map((u) => u.key)).not.toContain('bad-first-part.bin');
    });
  });

  describe('HEAD', () => {
    it('gives back the Upload-Metadata of the creation, as tus requires, and the file keeps filetype as its content type', async () => {
      const sent = metadata({ bucket: 'tus', name: 'meta.txt', filetype: 'text/plain', filename: 'meta.txt' });
      const response = await tus(h, '/api/uploads', { method: 'POST', headers: { 'upload-length': '2', 'upload-metadata': sent } });
      expect(response.status).toBe(201);
      const path = response.headers.get('location')!;
      const head = await tus(h, path, { method: 'HEAD' });
      expect(head.headers.get('upload-metadata')).toBe(sent);
      expect((await patch(h, path, 0, Buffer.from('hi'))).status).toBe(204);
      const attrs = new URLSearchParams((await owner.stat('tus', 'meta.txt')).attrs);
      expect(attrs.get('content-type')).toBe('text/plain');
    });

    it('says the bytes held and the length, and 404 for an id never begun or not an id', async () => {
      const path = await create(h, 'tus', 'head.bin', 8);
      expect((await patch(h, path, 0, Buffer.from('1234'))).status).toBe(204);
      const head = await tus(h, path, { method: 'HEAD' });
      expect([head.status, head.headers.get('upload-offset'), head.headers.get('upload-length')]).toEqual([200, '4', '8']);
      expect(await offsetOf(h, '/api/uploads/0123456789abcdef0123456789abcdef')).toEqual({ status: 404 });
      expect(await offsetOf(h, '/api/uploads/not-an-id')).toEqual({ status: 404 });
    });

    it('completes a session that holds every byte but was never completed (a completion cut short), so a client that sees the offset at the length is right', async () => {
      const bytes = Buffer.from('all bytes held');
      const upload = await owner.beginUpload('tus', 'held-whole.bin', { size: bytes.length });
      await owner.writePart(upload, 0, bytes);
      const head = await tus(h, `/api/uploads/${upload}`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('upload-offset')).toBe(String(bytes.length));
      expect(head.headers.get('pail-upload-sha256')).toBe(sha256(bytes));
      expect(await fileBytes(h, 'tus', 'held-whole.bin')).toEqual(bytes);
      expect(await offsetOf(h, `/api/uploads/${upload}`)).toEqual({ status: 404 });
    });
  });

  describe('PATCH', () => {
    it('appends at the offset HEAD says (204 with the new offset); another offset is 409 and writes nothing', async () => {
      const path = await create(h, 'tus', 'offsets.bin', 6);
      const first = await patch(h, path, 0, Buffer.from('ab'));
      expect([first.status, first.headers.get('upload-offset')]).toEqual([204, '2']);
      for (const wrong of [0, 3, 6]) {
        const response = await patch(h, path, wrong, Buffer.from('zz'));
        expect(response.status, `offset ${wrong}`).toBe(409);
      }
      expect(await offsetOf(h, path)).toBe(2);
      const missing = await tus(h, path, { method: 'PATCH', headers: OCTETS, body: Buffer.from('cd') });
      expect(missing.status).toBe(400);
      expect((await patch(h, path, 2, Buffer.from('cdef'))).status).toBe(204);
      expect(await fileBytes(h, 'tus', 'offsets.bin')).toEqual(Buffer.from('abcdef'));
    });

    it('refuses a body of another type (415) and bytes past the length (413), writing nothing', async () => {
      const path = await create(h, 'tus', 'refused-patch.bin', 4);
      const wrongType = await tus(h, path, { method: 'PATCH', headers: { 'content-type': 'application/octet-stream', 'upload-offset': '0' }, body: Buffer.from('ab') });
      expect(wrongType.status).toBe(415);
      expect(await errorReason(wrongType)).toBe(Reason.unsupportedMediaType);
      const past = await patch(h, path, 0, Buffer.from('abcde'));
      expect(past.status).toBe(413);
      expect(await offsetOf(h, path)).toBe(0);
    });

    it('refuses chunked bytes past the length (413, from the bucket server), writing nothing', async () => {
      const path = await create(h, 'tus', 'chunked-past.bin', 4);
      const status = await chunkedPatch(h, path, 0, [Buffer.from('abc'), Buffer.from('de')]);
      expect(status).toBe(413);
      expect(await offsetOf(h, path)).toBe(0);
      expect(await chunkedPatch(h, path, 0, [Buffer.from('ab'), Buffer.from('cd')])).toBe(204);
      expect(await fileBytes(h, 'tus', 'chunked-past.bin')).toEqual(Buffer.from('abcd'));
    });

    it('checks Upload-Checksum: a match is stored, a mismatch is 460 and dropped, another algorithm 400', async () => {
      const path = await create(h, 'tus', 'checksums.bin', 4);
      const digest = (bytes: string) => `sha256 ${Buffer.from(sha256(Buffer.from(bytes)), 'hex').toString('base64')}`;
      const mismatch = await patch(h, path, 0, Buffer.from('ab'), { 'upload-checksum': digest('xy') });
      expect(mismatch.status).toBe(460);
      expect(await errorReason(mismatch)).toBe(Reason.checksumMismatch);
      expect(await offsetOf(h, path)).toBe(0);
      const md5 = await patch(h, path, 0, Buffer.from('ab'), { 'upload-checksum': 'md5 AAAAAAAAAAAAAAAAAAAAAA==' });
      expect(md5.status).toBe(400);
      const match = await patch(h, path, 0, Buffer.from('ab'), { 'upload-checksum': digest('ab') });
      expect([match.status, match.headers.get('upload-offset')]).toEqual([204, '2']);
    });

    it('completes on the last bytes without a digest, and says the server\'s', async () => {
      const bytes = randomBytes(5000);
      const path = await create(h, 'tus', 'complete-plain.bin', bytes.length);
      expect((await patch(h, path, 0, bytes.subarray(0, 2000))).headers.get('pail-upload-sha256')).toBeNull();
      const last = await patch(h, path, 2000, bytes.subarray(2000));
      expect([last.status, last.headers.get('upload-offset')]).toEqual([204, '5000']);
      expect(last.headers.get('pail-upload-sha256')).toBe(sha256(bytes));
      expect(await fileBytes(h, 'tus', 'complete-plain.bin')).toEqual(bytes);
      expect(await offsetOf(h, path)).toEqual({ status: 404 });
    });

    it('completes with a matching Pail-Upload-Sha256', async () => {
      const bytes = randomBytes(4000);
      const path = await create(h, 'tus', 'complete-digest.bin', bytes.length);
      const last = await patch(h, path, 0, bytes, { 'pail-upload-sha256': sha256(bytes).toUpperCase() });
      expect(last.status).toBe(204);
      expect(last.headers.get('pail-upload-sha256')).toBe(sha256(bytes));
      expect(await fileBytes(h, 'tus', 'complete-digest.bin')).toEqual(bytes);
    });

    it('answers 460 to a completion whose Pail-Upload-Sha256 differs: the session is aborted, nothing appears', async () => {
      const bytes = randomBytes(4000);
      const path = await create(h, 'tus', 'complete-mismatch.bin', bytes.length);
      expect((await patch(h, path, 0, bytes.subarray(0, 1000))).status).toBe(204);
      const last = await patch(h, path, 1000, bytes.subarray(1000), { 'pail-upload-sha256': sha256(Buffer.from('something else')) });
      expect(last.status).toBe(460);
      expect(await errorReason(last)).toBe(Reason.checksumMismatch);
      expect(await fileBytes(h, 'tus', 'complete-mismatch.bin')).toBe(404);
      expect(await offsetOf(h, path)).toEqual({ status: 404 });
      expect((await owner.listUploads('tus')).map((u) => u.key)).not.toContain('complete-mismatch.bin');
    });

    it('answers 460 when the sha256 of the metadata differs at completion: nothing appears', async () => {
      const path = await create(h, 'tus', 'meta-mismatch.bin', 3, { sha256: sha256(Buffer.from('xyz')) });
      const last = await patch(h, path, 0, Buffer.from('abc'));
      expect(last.status).toBe(460);
      expect(await fileBytes(h, 'tus', 'meta-mismatch.bin')).toBe(404);
      expect(await offsetOf(h, path)).toEqual({ status: 404 });
    });

    it('answers 404 for an upload never begun', async () => {
      const response = await patch(h, '/api/uploads/0123456789abcdef0123456789abcdef', 0, Buffer.from('a'));
      expect(response.status).toBe(404);
      expect(await errorReason(response)).toBe(Reason.noSuchUpload);
    });
  });

  describe('DELETE (termination)', () => {
    it('aborts the upload (204): its bytes are gone, HEAD, PATCH and DELETE then find nothing (404)', async () => {
      const path = await create(h, 'tus', 'terminated.bin', 4);
      expect((await patch(h, path, 0, Buffer.from('ab'))).status).toBe(204);
      const deleted = await tus(h, path, { method: 'DELETE' });
      expect(deleted.status).toBe(204);
      expect(await offsetOf(h, path)).toEqual({ status: 404 });
      expect((await patch(h, path, 2, Buffer.from('cd'))).status).toBe(404);
      expect((await tus(h, path, { method: 'DELETE' })).status).toBe(404);
      expect((await owner.listUploads('tus')).map((u) => u.key)).not.toContain('terminated.bin');
      expect(await fileBytes(h, 'tus', 'terminated.bin')).toBe(404);
    });
  });

  describe('origin', () => {
    it('refuses POST, PATCH and DELETE from another site (403), and lets them change nothing', async () => {
      const path = await create(h, 'tus', 'origin.bin', 4);
      const evil = { origin: 'http://evil.example' };
      const post = await tus(h, '/api/uploads', { method: 'POST', headers: { ...evil, 'upload-length': '1', 'upload-metadata': metadata({ bucket: 'tus', name: 'evil.bin' }) } });
      const patched = await patch(h, path, 0, Buffer.from('evil'), evil);
      const deleted = await tus(h, path, { method: 'DELETE', headers: { 'sec-fetch-site': 'cross-site' } });
      expect([post.status, patched.status, deleted.status]).toEqual([403, 403, 403]);
      expect(await offsetOf(h, path)).toBe(0);
      expect((await owner.listUploads('tus')).map((u) => u.key)).not.toContain('evil.bin');
      const own = await patch(h, path, 0, Buffer.from('mine'), { origin: h.base });
      expect(own.status).toBe(204);
    });
  });
});

describe('tus with logins', () => {
  const TOKEN = 'tus-full-token';
  const READ_TOKEN = 'tus-read-token';
  let h: Harness;
  let owner: PailConnection;
  beforeAll(async () => {
    h = await startHarness({ token: TOKEN, readToken: READ_TOKEN });
    owner = await PailConnection.connect({ host: '127.0.0.1', port: h.serverPort, token: TOKEN });
    await owner.createBucket('locked');
  });
  afterAll(async () => {
    await owner.quit();
    await h.close();
  });

  const as = (token: string) => ({ authorization: `Bearer ${token}` });

  it('refuses a read-only login POST, PATCH and DELETE (403 forbidden), lets it HEAD, and its HEAD completes nothing', async () => {
    const bytes = Buffer.from('four');
    const upload = await owner.beginUpload('locked', 'owned.bin', { size: 8 });
    const path = `/api/uploads/${upload}`;
    const meta = metadata({ bucket: 'locked', name: 'read-only.bin' });
    const post = await tus(h, '/api/uploads', { method: 'POST', headers: { ...as(READ_TOKEN), 'upload-length': '1', 'upload-metadata': meta } });
    const patched = await patch(h, path, 0, bytes, as(READ_TOKEN));
    const deleted = await tus(h, path, { method: 'DELETE', headers: as(READ_TOKEN) });
    expect([post.status, patched.status, deleted.status]).toEqual([403, 403, 403]);
    expect(await errorReason(post)).toBe(Reason.forbidden);
    expect((await owner.uploadStatus(upload)).held).toBe(0);

    await owner.writePart(upload, 0, Buffer.from('all held'));
    const head = await tus(h, path, { method: 'HEAD', headers: as(READ_TOKEN) });
    expect([head.status, head.headers.get('upload-offset')]).toEqual([200, '8']);
    expect(head.headers.get('pail-upload-sha256')).toBeNull();
    expect((await owner.listUploads('locked')).map((u) => u.id)).toEqual([upload]);
  });

  it('asks for a login (401), and a full login may do everything', async () => {
    const meta = metadata({ bucket: 'locked', name: 'full.bin' });
    const anonymous = await tus(h, '/api/uploads', { method: 'POST', headers: { 'upload-length': '2', 'upload-metadata': meta } });
    expect(anonymous.status).toBe(401);
    const created = await tus(h, '/api/uploads', { method: 'POST', headers: { ...as(TOKEN), 'upload-length': '2', 'upload-metadata': meta } });
    expect(created.status).toBe(201);
    const done = await patch(h, created.headers.get('location')!, 0, Buffer.from('ok'), as(TOKEN));
    expect(done.status).toBe(204);
    expect((await owner.stat('locked', 'full.bin')).size).toBe(2);
  });
});

/** A PATCH whose body is sent chunked (no Content-Length), as a client streaming bytes of unknown size does. */
function chunkedPatch(h: Harness, path: string, offset: number, chunks: Buffer[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${h.base}${path}`, {
      method: 'PATCH',
      headers: { 'tus-resumable': '1.0.0', ...OCTETS, 'upload-offset': String(offset), 'transfer-encoding': 'chunked' },
    });
    request.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    for (const chunk of chunks) request.write(chunk);
    request.end();
  });
}
