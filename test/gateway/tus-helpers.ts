import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { Harness } from './harness.ts';

export const TUS = { 'tus-resumable': '1.0.0' } as const;
export const OCTETS = { 'content-type': 'application/offset+octet-stream' } as const;

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** tus's Upload-Metadata: `key base64,key2 base64,flag`. */
export function metadata(pairs: Record<string, string | true>): string {
  return Object.entries(pairs)
    .map(([key, value]) => (value === true ? key : `${key} ${Buffer.from(value).toString('base64')}`))
    .join(',');
}

/** A tus request: Tus-Resumable is sent unless the headers say otherwise (undefined leaves a header out). */
export function tus(h: Harness, path: string, init: { method: string; headers?: Record<string, string | undefined>; body?: Buffer }): Promise<Response> {
  const headers = Object.fromEntries(Object.entries<string | undefined>({ ...TUS, ...init.headers }).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return fetch(`${h.base}${path}`, { method: init.method, headers, body: init.body && new Uint8Array(init.body) });
}

/** Creates an upload of `length` bytes (or a deferred length) and returns its path. */
export async function create(h: Harness, bucket: string, key: string, length: number | 'deferred', extra: Record<string, string | true> = {}): Promise<string> {
  const response = await tus(h, '/api/uploads', {
    method: 'POST',
    headers: {
      ...(length === 'deferred' ? { 'upload-defer-length': '1' } : { 'upload-length': String(length) }),
      'upload-metadata': metadata({ bucket, name: key, ...extra }),
    },
  });
  expect(response.status, await response.clone().text()).toBe(201);
  const location = response.headers.get('location') ?? '';
  expect(location).toMatch(/^\/api\/uploads\/[0-9a-f]{32}$/);
  return location;
}

export function patch(h: Harness, path: string, offset: number, body: Buffer, headers: Record<string, string> = {}): Promise<Response> {
  return tus(h, path, { method: 'PATCH', headers: { ...OCTETS, 'upload-offset': String(offset), ...headers }, body });
}

/** HEAD's Upload-Offset, or the status when the upload is not there. */
export async function offsetOf(h: Harness, path: string): Promise<number | { status: number }> {
  const response = await tus(h, path, { method: 'HEAD' });
  if (response.status !== 200) return { status: response.status };
  return Number(response.headers.get('upload-offset'));
}

/** A file's bytes through the gateway, or its status when it cannot be read. */
export async function fileBytes(h: Harness, bucket: string, key: string): Promise<Buffer | number> {
  const response = await fetch(`${h.base}/api/buckets/${bucket}/files/${key}`);
  if (response.status !== 200) {
    await response.arrayBuffer();
    return response.status;
  }
  return Buffer.from(await response.arrayBuffer());
}

export async function errorReason(response: Response): Promise<string> {
  const body = (await response.json()) as { error: { reason: string } };
  return body.error.reason;
}
