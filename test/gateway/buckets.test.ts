import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code } from '../../shared/protocol/codes.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { postJson, startHarness, type Harness, jsonOf } from './harness.ts';

describe('bucket routes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('creates, lists and deletes buckets', async () => {
    const created = await postJson(`${h.base}/api/buckets`, { name: 'photos' });
    expect(created.status).toBe(201);
    expect(await jsonOf(created)).toEqual({ name: 'photos' });

    const listed = await fetch(`${h.base}/api/buckets`);
    expect(listed.status).toBe(200);
    const { buckets } = await jsonOf(listed);
    expect(buckets).toEqual([{ name: 'photos', files: 0, bytes: 0, created: expect.any(String) }]);

    const deleted = await fetch(`${h.base}/api/buckets/photos`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect((await jsonOf(await fetch(`${h.base}/api/buckets`))).buckets).toEqual([]);
  });

  it("answers a duplicate with 409 and the bucket server's reply", async () => {
    await postJson(`${h.base}/api/buckets`, { name: 'twice' });
    const again = await postJson(`${h.base}/api/buckets`, { name: 'twice' });
    expect(again.status).toBe(409);
    expect(await jsonOf(again)).toEqual({
      error: { code: Code.BCF, mnemonic: 'BCF', reason: Reason.exists, message: expect.stringContaining('twice') },
    });
  });

  it('answers a bad name with 400 bad-name', async () => {
    const response = await postJson(`${h.base}/api/buckets`, { name: 'No_Caps' });
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error).toMatchObject({ code: Code.BCF, reason: Reason.badName });
  });

  it('refuses a body without a name as the bucket server would refuse bad arguments', async () => {
    const response = await postJson(`${h.base}/api/buckets`, { title: 'x' });
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error).toMatchObject({ code: Code.BCF, mnemonic: 'BCF', reason: Reason.badArgs });
  });

  it('deletes a bucket that holds files only with force', async () => {
    await postJson(`${h.base}/api/buckets`, { name: 'full' });
    await fetch(`${h.base}/api/buckets/full/files/a.txt`, { method: 'PUT', body: 'a' });

    const refused = await fetch(`${h.base}/api/buckets/full`, { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect((await jsonOf(refused)).error).toMatchObject({ code: Code.BDF, reason: Reason.notEmpty });

    const forced = await fetch(`${h.base}/api/buckets/full?force=true`, { method: 'DELETE' });
    expect(forced.status).toBe(204);
  });

  it('answers 404 for a bucket that does not exist', async () => {
    const response = await fetch(`${h.base}/api/buckets/missing`, { method: 'DELETE' });
    expect(response.status).toBe(404);
    expect((await jsonOf(response)).error).toMatchObject({ code: Code.BDF, reason: Reason.noSuchBucket });
  });

  it('answers an unknown route in the same error shape', async () => {
    const response = await fetch(`${h.base}/api/nothing-here`);
    expect(response.status).toBe(404);
    expect((await jsonOf(response)).error).toMatchObject({ code: Code.BCMD, reason: Reason.notFound });
  });

  it('refuses a state-changing request from another origin before anything changes', async () => {
    const response = await postJson(`${h.base}/api/buckets`, { name: 'csrf' }, { origin: 'http://evil.example' });
    expect(response.status).toBe(403);
    expect((await jsonOf(response)).error).toMatchObject({ code: Code.BCF, reason: Reason.forbidden });
    const fetchMetadataOnly = await fetch(`${h.base}/api/buckets/csrf`, { method: 'DELETE', headers: { 'sec-fetch-site': 'cross-site' } });
    expect(fetchMetadataOnly.status).toBe(403);
    expect((await jsonOf(await fetch(`${h.base}/api/buckets`))).buckets).not.toContainEqual(expect.objectContaining({ name: 'csrf' }));
  });

  it("accepts the gateway's own origin", async () => {
    const response = await postJson(`${h.base}/api/buckets`, { name: 'own-origin' }, { origin: h.base, 'sec-fetch-site': 'same-origin' });
    expect(response.status).toBe(201);
  });

  it("accepts a form its own page posts (Origin: null under no-referrer, fetch metadata same-origin), and no other Origin: null", async () => {
    const own = await postJson(`${h.base}/api/buckets`, { name: 'own-form' }, { origin: 'null', 'sec-fetch-site': 'same-origin' });
    expect(own.status).toBe(201);
    for (const site of ['cross-site', 'same-site', 'none', undefined]) {
      const headers: Record<string, string> = { origin: 'null' };
      if (site) headers['sec-fetch-site'] = site;
      const refused = await postJson(`${h.base}/api/buckets`, { name: 'null-origin' }, headers);
      expect(refused.status, String(site)).toBe(403);
    }
  });

  it('refuses a request naming the gateway by an unknown DNS name, as a rebound page would', async () => {
    const rebound = await h.gateway.inject({ method: 'GET', url: '/api/buckets', headers: { host: 'rebound.example:8080' } });
    expect(rebound.statusCode).toBe(403);
    expect(rebound.json().error).toMatchObject({ code: Code.BLF, reason: Reason.forbidden });
    for (const host of ['localhost:8080', '127.0.0.1:8080', '[::1]:8080']) {
      expect((await h.gateway.inject({ method: 'GET', url: '/api/buckets', headers: { host } })).statusCode, host).toBe(200);
    }
  });

  it('sends helmet headers with a strict CSP', async () => {
    const response = await fetch(`${h.base}/api/buckets`);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('extra origins', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ gateway: { origins: ['http://app.example'] } });
  });
  afterAll(() => h.close());

  it('accepts a configured extra origin and still refuses others', async () => {
    expect((await postJson(`${h.base}/api/buckets`, { name: 'allowed' }, { origin: 'http://app.example' })).status).toBe(201);
    expect((await postJson(`${h.base}/api/buckets`, { name: 'refused' }, { origin: 'http://other.example' })).status).toBe(403);
  });

  it("answers to a configured origin's host name", async () => {
    const response = await h.gateway.inject({ method: 'GET', url: '/api/buckets', headers: { host: 'app.example' } });
    expect(response.statusCode).toBe(200);
  });
});
