import { readdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.ts';

/**
 * Requests that try to leave the bucket through the URL: encoded slashes and
 * backslashes, dot segments, double encoding. Each is refused or names a file
 * inside the bucket; nothing outside the data folder is read or written.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await fetch(`${h.base}/api/buckets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'photos' }) });
});
afterAll(async () => {
  await h.close();
});

const ATTEMPTS = ['..%2f..%2fetc%2fpasswd', '..%5c..%5cwindows', '%2e%2e', '%2e%2e%2f%2e%2e%2fsecret', '%252e%252e%252fsecret', '..', '%2fetc%2fpasswd', 'a%00b'];

describe('URL traversal through the gateway', () => {
  it.each(ATTEMPTS)('GET …/files/%s reads nothing outside the bucket', async (name) => {
    const response = await fetch(`${h.base}/api/buckets/photos/files/${name}`);
    expect([400, 404]).toContain(response.status);
  });

  it.each(ATTEMPTS)('PUT …/files/%s writes nothing outside the bucket', async (name) => {
    const response = await fetch(`${h.base}/api/buckets/photos/files/${name}`, { method: 'PUT', body: 'x' });
    if (response.status === 201 || response.status === 200) {
      // Accepted only as a plain name inside the bucket (double encoding leaves literal percent signs).
      const listed = (await (await fetch(`${h.base}/api/buckets/photos/files`)).json()).files.map((f: { name: string }) => f.name);
      expect(listed.every((n: string) => !n.includes('/') && !n.includes('\\') && n !== '..')).toBe(true);
    } else {
      expect([400, 404]).toContain(response.status);
    }
    expect((await readdir(dirname(h.data))).filter((n) => n === 'secret' || n === 'passwd')).toEqual([]);
    expect((await readdir(h.data)).filter((n) => !n.startsWith('.') && n !== 'photos')).toEqual([]);
  });

  it.each(['..%2fphotos', '%2e%2e', 'photos%2f..', '.pail'])('refuses the bucket %s', async (bucket) => {
    const response = await fetch(`${h.base}/api/buckets/${bucket}/files`);
    expect([400, 404]).toContain(response.status);
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
