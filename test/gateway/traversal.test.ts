import { readdir } from 'node:fs/promises';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Reason } from '../../shared/protocol/reasons.ts';
import { startHarness, type Harness } from './harness.ts';

/**
 * Requests that try to leave the bucket through the URL: raw and encoded
 * slashes and dot segments, double encoding, backslashes. Each
 * is refused by the key rules (400 bad-name) or is a plain name inside the
 * bucket; nothing outside the data folder is read or written.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await fetch(`${h.base}/api/buckets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'photos' }) });
});
afterAll(async () => {
  await h.close();
});

/**
 * Sends the path exactly as written: fetch (the URL standard) would resolve
 * `..` and `%2e%2e` segments before sending, so the gateway would never see them.
 */
function sendAsWritten(method: 'GET' | 'PUT' | 'HEAD' | 'DELETE', path: string, base = h.base): Promise<{ status: number; body: any }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text === '' ? {} : JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(method === 'PUT' ? 'x' : undefined);
  });
}

/** Names on disk outside the bucket that a traversal would have made or read. */
async function strayNames(): Promise<string[]> {
  const outside = (await readdir(dirname(h.data))).filter((n) => ['secret', 'passwd', 'x', 'windows'].includes(n));
  const besideBucket = (await readdir(h.data)).filter((n) => !n.startsWith('.') && n !== 'photos');
  return [...outside, ...besideBucket];
}

/**
 * Each decodes to a key with a `.` or `..` segment, a leading or doubled `/`,
 * a NUL, or nothing at all: the key rules refuse it. Raw `..` segments reach
 * the gateway as written (the router resolves none), and `%2F` decodes to a
 * `/` of the key, so both meet the same rules.
 */
const REFUSED = [
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e',
  '..',
  '%2e',
  '.',
  '%2e%2e%2f%2e%2e%2fsecret',
  '%2fetc%2fpasswd',
  'a%00b',
  '../../secret',
  'a/../../secret',
  'a/%2e%2e/%2e%2e/secret',
  'a%2F..%2F..%2Fsecret',
  'a/./b',
  'a/.',
  'a//b',
  '/a',
  '',
];
/** Decoded once, as a URL is, it is a plain name with percent signs in it. */
const DOUBLE_ENCODED = '%252e%252e%252fsecret';

describe('URL traversal through the gateway', () => {
  it.each(REFUSED)('GET, HEAD and DELETE …/files/%s are refused by the key rules: 400 bad-name', async (key) => {
    for (const method of ['GET', 'DELETE'] as const) {
      const { status, body } = await sendAsWritten(method, `/api/buckets/photos/files/${key}`);
      expect({ method, status, reason: body.error?.reason }).toEqual({ method, status: 400, reason: Reason.badName });
    }
    expect((await sendAsWritten('HEAD', `/api/buckets/photos/files/${key}`)).status).toBe(400);
  });

  it.each(REFUSED)('PUT …/files/%s is refused by the key rules: 400 bad-name, nothing written', async (key) => {
    const { status, body } = await sendAsWritten('PUT', `/api/buckets/photos/files/${key}`);
    expect({ status, reason: body.error?.reason }).toEqual({ status: 400, reason: Reason.badName });
    expect(await strayNames()).toEqual([]);
  });

  it('takes a double-encoded name as the plain name it decodes to, inside the bucket', async () => {
    const path = `/api/buckets/photos/files/${DOUBLE_ENCODED}`;
    const missing = await sendAsWritten('GET', path);
    expect({ status: missing.status, reason: missing.body.error?.reason }).toEqual({ status: 404, reason: Reason.noSuchFile });
    const stored = await sendAsWritten('PUT', path);
    expect(stored.status).toBe(201);
    expect(stored.body.name).toBe('%2e%2e%2fsecret');
    expect(await readdir(join(h.data, 'photos'))).toContain('%2e%2e%2fsecret');
    expect(await strayNames()).toEqual([]);
  });

  it('takes backslashes as plain characters of a name inside the bucket, never as separators', async () => {
    const stored = await sendAsWritten('PUT', '/api/buckets/photos/files/..%5c..%5cwindows');
    expect(stored.status).toBe(201);
    expect(stored.body.name).toBe('..\\..\\windows');
    expect(await readdir(join(h.data, 'photos'))).toContain('..\\..\\windows');
    expect(await strayNames()).toEqual([]);
  });

  it.each(['..%2fphotos', '%2e%2e', '..', 'photos%2f..', '.pail'])('refuses the bucket %s by the name rules: 400 bad-name', async (bucket) => {
    const { status, body } = await sendAsWritten('GET', `/api/buckets/${bucket}/files`);
    expect({ status, reason: body.error?.reason }).toEqual({ status: 400, reason: Reason.badName });
  });
});

describe('keys refused by the gateway itself', () => {
  let alone: Harness;
  beforeAll(async () => {
    alone = await startHarness();
    // With no bucket server to ask, only the gateway's own check can answer 400 rather than 502.
    await alone.stopServer();
  });
  afterAll(() => alone.close());

  it.each(['a/../../secret', '%2e%2e%2fsecret', 'a//b', '/a', ''])('refuses …/files/%s before asking the bucket server', async (key) => {
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const { status, body } = await sendAsWritten(method, `/api/buckets/photos/files/${key}`, alone.base);
      expect({ method, status, reason: body.error?.reason }).toEqual({ method, status: 400, reason: Reason.badName });
    }
  });
});

describe('cross-site WebSockets', () => {
  const opened = (path: string, origin: string) =>
    new Promise<number>((resolve) => {
      const socket = new WebSocket(`${h.wsBase}${path}`, { headers: { origin } });
      socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.on('open', () => {
        socket.close();
        resolve(101);
      });
      socket.on('error', () => resolve(0));
    });

  it.each(['null', 'http://evil.example', 'http://10.0.0.1', 'http://127.0.0.1:1', 'https://127.0.0.1'])(
    'refuses an upgrade from origin %s on both endpoints',
    async (origin) => {
      expect(await opened('/api/events', origin)).toBe(403);
      expect(await opened('/api/console', origin)).toBe(403);
    },
  );
});
