import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway } from '../../gateway/app.ts';
import { DEFAULTS } from '../../shared/config/settings.ts';
import { Code } from '../../shared/protocol/codes.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { startHarness, type Harness, jsonOf } from './harness.ts';

describe('OpenAPI document', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('lists every HTTP route with its schemas at /docs/json', async () => {
    const document = await jsonOf(await fetch(`${h.base}/docs/json`));
    expect(Object.keys(document.paths).sort()).toEqual([
      '/api/buckets',
      '/api/buckets/{bucket}',
      '/api/buckets/{bucket}/files',
      '/api/buckets/{bucket}/files/{*}',
      '/api/buckets/{bucket}/share/{*}',
      '/api/buckets/{bucket}/zip',
      '/api/login',
      '/api/logout',
      '/api/session',
      '/api/uploads',
      '/api/uploads/{id}',
    ]);
    expect(Object.keys(document.paths['/api/buckets/{bucket}/files/{*}']).sort()).toEqual(['delete', 'get', 'put']);
    expect(Object.keys(document.paths['/api/buckets/{bucket}/share/{*}'])).toEqual(['post']);
    // tus: discovery and creation at the endpoint; offset, bytes and termination at each upload, with their headers.
    expect(Object.keys(document.paths['/api/uploads']).sort()).toEqual(['options', 'post']);
    expect(Object.keys(document.paths['/api/uploads/{id}']).sort()).toEqual(['delete', 'head', 'patch']);
    const patch = document.paths['/api/uploads/{id}'].patch;
    expect(patch.parameters.filter((p: { in: string }) => p.in === 'header').map((p: { name: string }) => p.name)).toContain('upload-offset');
    expect(Object.keys(patch.responses['204'].headers)).toEqual(['Upload-Offset', 'Pail-Upload-Sha256']);
    expect(patch.responses['460']).toBeDefined();
    expect(document.components.schemas.PailError.properties.error.required).toEqual(['code', 'mnemonic', 'reason', 'message']);
  });

  it('serves the UI at /docs', async () => {
    const response = await fetch(`${h.base}/docs/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    await response.text();
  });
});

describe('the web app', () => {
  let app: FastifyInstance;
  let webRoot: string;
  beforeAll(async () => {
    webRoot = await mkdtemp(join(tmpdir(), 'pail-web-'));
    await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>Pail</title>');
    await writeFile(join(webRoot, 'app.js'), 'console.log("pail")');
    app = await buildGateway({
      // Nothing needs the bucket server here.
      bucketServer: { host: '127.0.0.1', port: DEFAULTS.tcpPort },
      log: pino({ level: 'silent' }),
      maxFileSize: DEFAULTS.maxFileSize,
      maxLine: DEFAULTS.maxLine,
      webRoot,
    });
  });
  afterAll(async () => {
    await app.close();
    await rm(webRoot, { recursive: true, force: true });
  });

  it('serves its files under the strict CSP', async () => {
    const index = await app.inject({ method: 'GET', url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.body).toContain('<title>Pail</title>');
    expect(index.headers['content-security-policy']).toContain("script-src 'self'");
    const script = await app.inject({ method: 'GET', url: '/app.js' });
    expect(script.statusCode).toBe(200);
    expect(script.body).toContain('pail');
  });

  it("answers the app's own paths with index.html, and unknown API paths with an error", async () => {
    const deepLink = await app.inject({ method: 'GET', url: '/buckets/photos' });
    expect(deepLink.statusCode).toBe(200);
    expect(deepLink.body).toContain('<title>Pail</title>');
    const api = await app.inject({ method: 'GET', url: '/api/nothing' });
    expect(api.statusCode).toBe(404);
    expect(api.json().error).toMatchObject({ code: Code.BCMD, reason: Reason.notFound });
  });
});
